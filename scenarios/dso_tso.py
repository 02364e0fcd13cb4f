"""DSO and TSO ask the same EVs for flexibility: FCR, a local flexibility market, and the
coordination scheme that settles who gets it.

Port graph (see ../shared/DESIGN.md and the issue-5 wiring contract), per step t
(→ same step, ⇢ one step later)::

    ev_fleet ──EV state──> aggregator ──p_base/p_up/p_down, fcr_band──> coordinator ──p_set──> evse
    tso ──fcr_p_req_kw──────────────────────────────────────────────> coordinator ⇢ tso (delivered)
    aggregator ⇢ tso (fcr_capacity_kw)        aggregator ──flex_bids, baseline, metered──> market
    with aFRR: aggregator ──afrr_band──> coordinator, aggregator ⇢ tso (afrr_capacity_kw),
    tso ──afrr_p_req_kw──> coordinator ⇢ tso (afrr delivered)
    dso ──flex_requests──> market ⇢ coordinator, aggregator (activations)
    dso ──congested_mask, headroom_kw (traffic light)──> coordinator
    grid ⇢ dso (v_pu, loadings)    evse ⇢ aggregator, dso (p_kw)    aggregator ⇢ dso (baseline)

``[tso]``, ``[market]``, ``[coordination]``, ``[aggregator]`` and ``[dso]`` switch the parts
on; ``dso_tso_family.toml`` runs FCR only, the DSO market only, and both under each scheme;
``aggregator.afrr`` adds aFRR (``dso_tso_afrr_family.toml``); without it nothing aFRR is
wired or recorded.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from controllers.dso.topology import build_topology, grid_params
from controllers.dso.zones import make_zones
from cosim.config import Config, load_config
from scenarios import base, frameworks
from scenarios.common import RunOutcome, record, run_scenario, start
from scenarios.conflict_headroom import background_kw_by_zone, element_params

__all__ = ["build", "run", "zones_of"]

AGG_SERVICE_ATTRS = ("fcr_capacity_kw", "p_baseline_kw", "p_metered_kw")
TSO_ATTRS = (
    "f_hz",
    "fcr_p_req_kw",
    "fcr_capacity_kw",
    "fcr_price_eur_mw_h",
    "e_fcr_req_kwh",
    "e_fcr_delivered_kwh",
    "fcr_shortfall_kwh",
    "fcr_revenue_eur",
    "fcr_penalty_eur",
)
AFRR_TSO_ATTRS = (
    "afrr_p_req_kw",
    "afrr_capacity_kw",
    "e_afrr_req_kwh",
    "e_afrr_delivered_kwh",
    "afrr_shortfall_kwh",
    "afrr_revenue_eur",
    "afrr_penalty_eur",
)
AFRR_COORD_ATTRS = (
    "afrr_served_kw",
    "afrr_blocked_kw",
    "n_afrr_aggravates_dso",
    "n_dso_counteracts_afrr",
    "n_afrr_double_claim",
)
MARKET_ATTRS = ("p_requested_kw", "p_awarded_kw", "p_delivered_kw", "cost_eur", "penalty_eur")
COORD_ATTRS = (
    "fcr_served_kw",
    "fcr_blocked_kw",
    "n_conflicts",
    "conflict_mw",
    "n_tso_aggravates_dso",
    "n_dso_counteracts_tso",
    "n_double_claim",
)


def zones_of(area: Any, bank: Any, kind: str = "feeder") -> tuple[list[str], list[int]]:
    """Zones of the chargers (LV feeders or MV/LV areas): names and each charger's zone."""
    topology = build_topology(**grid_params(area.extra_info))
    zones = make_zones(kind, topology, bank.extra_info["bus_id"])
    return list(zones.names), [int(z) for z in zones.zone_of_charger]


def build(world: Any, cfg: Config, recorder: tuple[Any, Any] | None) -> dict[str, Any]:
    """Base grid and fleet, then aggregator, TSO, DSO, market and coordinator as enabled."""
    parts = base.build(world, cfg, recorder)
    if parts["n_ev"] == 0:
        return parts
    area, fleet, bank = parts["grid"], parts["fleet"], parts["evse"]
    n = len(bank.extra_info["charger_ids"])
    names, zone_of = zones_of(area, bank, cfg.dso.zones.value)
    nz = len(names)
    zone_params = {"zone_names": names, "zone_of_charger": zone_of}
    coordinated = cfg.coordination.enabled

    tariff = frameworks.add_tariff(world, cfg, bank, recorder) if cfg.tariff.enabled else None
    agg = frameworks.add_aggregator(
        world,
        cfg,
        fleet,
        bank,
        area,
        tariff,
        n,
        extra={**zone_params, **cfg.aggregator.services_params()},
        to_bank=not coordinated,
    )
    world.connect(bank, agg, "p_kw", time_shifted=True, initial_data={"p_kw": [0.0] * n})
    coord_sim, coord = (
        _add_coordinator(world, cfg, agg, (area, bank), zone_params, recorder)
        if coordinated
        else (None, None)
    )
    tso = _add_tso(world, cfg, agg, coord, recorder) if cfg.tso.enabled else None
    op = None
    if cfg.dso.enabled:
        op = frameworks.add_dso(world, cfg, area, bank, n, recorder, extra=zone_params)
        world.connect(
            agg, op, "p_baseline_kw", time_shifted=True, initial_data={"p_baseline_kw": [0.0] * nz}
        )
        if coord is not None:
            world.connect(op, coord, "congested_mask", "headroom_kw")
    market = (
        _add_market(world, cfg, agg, op, coord, names, recorder) if cfg.market.enabled else None
    )
    if recorder is not None:
        afrr = ("afrr_capacity_kw",) if cfg.aggregator.afrr else ()
        record(world, recorder, [agg], (*AGG_SERVICE_ATTRS, *afrr), columns=None)
    parts.update(
        aggregator=agg,
        tso=tso,
        dso=op,
        market=market,
        coordinator=coord,
        coordinator_sim=coord_sim,
        zone_names=names,
    )
    return parts


def _add_coordinator(
    world: Any,
    cfg: Config,
    agg: Any,
    area_bank: tuple[Any, Any],
    zone_params: dict[str, Any],
    recorder: tuple[Any, Any] | None,
) -> tuple[Any, Any]:
    """The coordinator; with a DSO it knows the background load per zone (the truth its
    ex-ante headroom and the conflicts are judged on) and the DSO's measurement lag."""
    area, bank = area_bank
    headroom: dict[str, Any] = {}
    if cfg.dso.enabled:
        headroom = {
            "background_kw": background_kw_by_zone(cfg, area, bank),
            "headroom_lag_steps": 1 + cfg.dso.delay_steps,
        }
    by_element = cfg.dso.enabled and cfg.coordination.headroom_split == "element"
    if by_element:
        headroom.update(element_params(cfg, area, bank))
    coord_sim = start(world, cfg, "coordination")
    coord = coord_sim.Coordinator(
        charger_ids=bank.extra_info["charger_ids"],
        **zone_params,
        **cfg.coordination.create_params(),
        **headroom,
    )
    world.connect(agg, coord, "p_base_kw", "p_up_kw", "p_down_kw", "fcr_band_kw")
    if cfg.aggregator.afrr:
        world.connect(agg, coord, "afrr_band_kw")
    if by_element:  # element loadings, one step late as the DSO measures them
        info = area.extra_info
        world.connect(
            area,
            coord,
            "line_loading_pct",
            "trafo_loading_pct",
            time_shifted=True,
            initial_data={
                "line_loading_pct": [0.0] * len(info["line_id"]),
                "trafo_loading_pct": [0.0] * len(info["trafo_id"]),
            },
        )
    world.connect(coord, bank, "p_set_kw")
    if recorder is not None:
        afrr = AFRR_COORD_ATTRS if cfg.aggregator.afrr else ()
        record(world, recorder, [coord], (*COORD_ATTRS, *afrr))
    return coord_sim, coord


def _add_tso(
    world: Any, cfg: Config, agg: Any, coord: Any, recorder: tuple[Any, Any] | None
) -> Any:
    tso = start(world, cfg, "tso", **cfg.tso.init_params()).TSO(**cfg.tso.create_params())
    products = ("fcr", "afrr") if cfg.aggregator.afrr else ("fcr",)
    for product in products:
        _connect_balancing(world, product, agg, tso, coord)
    if recorder is not None:
        afrr = AFRR_TSO_ATTRS if cfg.aggregator.afrr else ()
        record(world, recorder, [tso], (*TSO_ATTRS, *afrr))
    return tso


def _connect_balancing(world: Any, product: str, agg: Any, tso: Any, coord: Any) -> None:
    """FCR or aFRR: the band offered (one step late), the request, the delivery (late)."""
    offer, served = f"{product}_capacity_kw", f"{product}_served_kw"
    world.connect(agg, tso, offer, time_shifted=True, initial_data={offer: 0.0})
    if coord is not None:
        world.connect(tso, coord, f"{product}_p_req_kw")
        world.connect(
            coord,
            tso,
            (served, f"p_{product}_delivered_kw"),
            time_shifted=True,
            initial_data={served: 0.0},
        )


def _add_market(
    world: Any,
    cfg: Config,
    agg: Any,
    op: Any,
    coord: Any,
    names: list[str],
    recorder: tuple[Any, Any] | None,
) -> Any:
    market_sim = start(world, cfg, "flex_market")
    market = market_sim.Market(zones=names, **cfg.market.create_params())
    if op is not None:
        world.connect(op, market, "flex_requests")
    # baseline and meter describe the step just metered (the market's meter_lag_steps = 1)
    world.connect(agg, market, "flex_bids", "p_baseline_kw", "p_metered_kw")
    for dest in (agg, coord):
        if dest is not None:
            world.connect(
                market,
                dest,
                "flex_activations",
                time_shifted=True,
                initial_data={"flex_activations": []},
            )
    if recorder is not None:
        record(world, recorder, [market], MARKET_ATTRS)
    return market_sim


def _event_tables(parts: dict[str, Any], recorder: tuple[Any, Any] | None) -> None:
    """After the run: the market's and coordinator's event logs into the results file."""
    if recorder is None:
        return
    rec_sim, _ = recorder
    market = parts.get("market")
    if market is not None:
        for name, columns in market.events().items():
            rec_sim.add_table(f"flex_{name}", columns)
    coord = parts.get("coordinator_sim")
    if coord is not None:
        rec_sim.add_table("conflicts", coord.events())


def run(
    cfg: Config, *, out: Path | None = None, raw_toml: str = "", progress: bool = True
) -> RunOutcome:
    """Build the world, run it for ``cfg.scenario.until`` and return the outcome."""
    return run_scenario(
        build, cfg, out=out, raw_toml=raw_toml, progress=progress, after_run=_event_tables
    )


if __name__ == "__main__":
    config_path = sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).with_suffix(".toml"))
    result = run(load_config(config_path), raw_toml=Path(config_path).read_text())
    print(f"{result.status}: {result.path}")

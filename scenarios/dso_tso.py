"""DSO and TSO ask the same EVs for flexibility: FCR, a local flexibility market, and the
coordination scheme that settles who gets it.

Port graph (see ../shared/DESIGN.md and the issue-5 wiring contract), per step t
(→ same step, ⇢ one step later)::

    ev_fleet ──EV state──> aggregator ──p_base/p_up/p_down, fcr_band──> coordinator ──p_set──> evse
    tso ──fcr_p_req_kw──────────────────────────────────────────────> coordinator ⇢ tso (delivered)
    aggregator ⇢ tso (fcr_capacity_kw)        aggregator ──flex_bids, p_base_kw──> market
    evse ⇢ market (p_kw: the chargers' meters, per provider and zone)
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
from dataclasses import replace
from pathlib import Path
from typing import Any

from controllers.dso.zones import grid_zones
from cosim.config import Config, load_config
from cosim.link import link
from scenarios import base, frameworks
from scenarios.common import RunOutcome, record, run_scenario, start
from scenarios.conflict_headroom import background_kw_by_zone, element_params
from scenarios.parts import Parts, Recorder

__all__ = ["build", "run"]

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


def build(world: Any, cfg: Config, *, recorder: Recorder | None) -> Parts:
    """Base grid and fleet, then aggregator, TSO, DSO, market and coordinator as enabled."""
    parts = base.build(world, cfg, recorder=recorder)
    if parts.n_ev == 0:
        return parts
    area, bank = parts.grid, parts.bank
    zone_names, zones = _charger_zones(cfg, parts)
    tariff = (
        frameworks.add_tariff(world, cfg, bank=bank, recorder=recorder)
        if cfg.tariff.enabled
        else None
    )
    agg = _add_aggregator(world, cfg, parts=parts, tariff=tariff, zones=zones)
    coord_sim, coord = (
        _add_coordinator(world, cfg, agg=agg, area=area, bank=bank, zones=zones, recorder=recorder)
        if cfg.coordination.enabled
        else (None, None)
    )
    tso = _add_tso(world, cfg, agg=agg, coord=coord, recorder=recorder) if cfg.tso.enabled else None
    op = (
        _add_dso(
            world, cfg, agg=agg, coord=coord, area=area, bank=bank, zones=zones, recorder=recorder
        )
        if cfg.dso.enabled
        else None
    )
    market_sim, market = (
        _add_market(
            world, cfg, agg=agg, bank=bank, op=op, coord=coord, zones=zones, recorder=recorder
        )
        if cfg.market.enabled
        else (None, None)
    )
    if recorder is not None:
        afrr = ("afrr_capacity_kw",) if cfg.aggregator.afrr else ()
        record(world, recorder, [agg], (*AGG_SERVICE_ATTRS, *afrr), columns=None)
    return replace(
        parts,
        tariff=tariff,
        aggregator=agg,
        tso=tso,
        dso=op,
        market=market,
        market_sim=market_sim,
        coordinator=coord,
        coordinator_sim=coord_sim,
        zone_names=zone_names,
    )


def _charger_zones(cfg: Config, parts: Parts) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The DSO's zones over the chargers: their names and the zone create params."""
    charger_zones = grid_zones(
        cfg.dso.zones, parts.grid.extra_info, parts.bank.extra_info["bus_id"]
    )
    zones = {
        "zone_names": list(charger_zones.names),
        "zone_of_charger": [int(z) for z in charger_zones.zone_of_charger],
    }
    return tuple(charger_zones.names), zones


def _add_aggregator(
    world: Any, cfg: Config, *, parts: Parts, tariff: Any, zones: dict[str, Any]
) -> Any:
    """The aggregator of the fleet's services; a coordinator, if any, sets the chargers."""
    bank = parts.bank
    agg = frameworks.add_aggregator(
        world,
        cfg,
        fleet=parts.fleet,
        bank=bank,
        area=parts.grid,
        tariff=tariff,
        extra={**zones, **cfg.aggregator.services_params()},
        to_bank=not cfg.coordination.enabled,
    )
    link(world, bank, agg, time_shifted=True)  # its chargers' power (p_metered_kw: diagnostic)
    return agg


def _add_coordinator(
    world: Any,
    cfg: Config,
    *,
    agg: Any,
    area: Any,
    bank: Any,
    zones: dict[str, Any],
    recorder: Recorder | None,
) -> tuple[Any, Any]:
    """The coordinator; with a DSO it knows the DSO's measurement lag and the background
    load per zone, or per element with ``headroom_split = "element"`` (the truth its
    ex-ante headroom and the conflicts are judged on)."""
    headroom: dict[str, Any] = {}
    by_element = cfg.dso.enabled and cfg.coordination.headroom_split == "element"
    if by_element:
        headroom = element_params(cfg, area=area, bank=bank)
    elif cfg.dso.enabled:  # a row per step: ~1 s per LV year, ~15 s per MV+LV year
        headroom = {"background_kw": background_kw_by_zone(cfg, area=area, bank=bank)}
    if cfg.dso.enabled:
        headroom["headroom_lag_steps"] = 1 + cfg.dso.delay_steps
    coord_sim = start(world, cfg, "coordination")
    coord = coord_sim.Coordinator(
        charger_ids=bank.extra_info["charger_ids"],
        **zones,
        **cfg.coordination.create_params(),
        **headroom,
    )
    # baseline, availability and the bands held (aFRR only when the aggregator sells it)
    link(world, agg, coord, exclude=() if cfg.aggregator.afrr else ("afrr_band_kw",))
    if by_element:  # element loadings, one step late as the DSO measures them
        link(world, area, coord, time_shifted=True)
    link(world, coord, bank)  # the setpoints
    if recorder is not None:
        afrr = AFRR_COORD_ATTRS if cfg.aggregator.afrr else ()
        record(world, recorder, [coord], (*COORD_ATTRS, *afrr))
    return coord_sim, coord


def _add_tso(world: Any, cfg: Config, *, agg: Any, coord: Any, recorder: Recorder | None) -> Any:
    """The TSO: FCR (and aFRR when the aggregator sells it) bought from the aggregator."""
    tso = start(world, cfg, "tso", **cfg.tso.init_params()).TSO(**cfg.tso.create_params())
    products = ("fcr", "afrr") if cfg.aggregator.afrr else ("fcr",)
    for product in products:
        _connect_balancing(world, product=product, agg=agg, tso=tso, coord=coord)
    if recorder is not None:
        afrr = AFRR_TSO_ATTRS if cfg.aggregator.afrr else ()
        record(world, recorder, [tso], (*TSO_ATTRS, *afrr))
    return tso


def _connect_balancing(world: Any, *, product: str, agg: Any, tso: Any, coord: Any) -> None:
    """FCR or aFRR: the band offered (one step late), the request, the delivery (late)."""
    link(world, agg, tso, f"{product}_capacity_kw", time_shifted=True)
    if coord is not None:
        link(world, tso, coord, f"{product}_p_req_kw")
        served = (f"{product}_served_kw", f"p_{product}_delivered_kw")
        link(world, coord, tso, served, time_shifted=True)


def _add_dso(
    world: Any,
    cfg: Config,
    *,
    agg: Any,
    coord: Any,
    area: Any,
    bank: Any,
    zones: dict[str, Any],
    recorder: Recorder | None,
) -> Any:
    """The DSO: it reads the declared baseline and gives a coordinator its traffic light."""
    op = frameworks.add_dso(world, cfg, area=area, bank=bank, recorder=recorder, extra=zones)
    link(world, agg, op, time_shifted=True)  # the declared baseline
    if coord is not None:
        link(world, op, coord)  # the traffic light: congested_mask, headroom_kw
    return op


def _add_market(
    world: Any,
    cfg: Config,
    *,
    agg: Any,
    bank: Any,
    op: Any,
    coord: Any,
    zones: dict[str, Any],
    recorder: Recorder | None,
) -> tuple[Any, Any]:
    """The local flexibility market: the DSO's requests, the aggregator's bids, settled on
    the chargers' meters; returns (simulator, entity)."""
    market_sim = start(world, cfg, "flex_market")
    market = market_sim.Market(
        zones=zones["zone_names"],
        zone_of_charger=zones["zone_of_charger"],
        provider_of_charger=agg.eid,  # the bidder of its bids
        **cfg.market.create_params(),
    )
    if op is not None:
        link(world, op, market)  # flex_requests
    link(world, agg, market)  # bids, and the baseline declared for the step that starts now
    link(world, bank, market, time_shifted=True)  # the chargers' meters, one step late
    for dest in (agg, coord):
        if dest is not None:
            link(world, market, dest, "flex_activations", time_shifted=True)
    if recorder is not None:
        record(world, recorder, [market], MARKET_ATTRS)
    return market_sim, market


def _event_tables(parts: Parts, recorder: Recorder | None) -> None:
    """After the run: the market's and coordinator's event logs into the results file."""
    if recorder is None:
        return
    rec_sim = recorder.sim
    if parts.market_sim is not None:
        for name, columns in parts.market_sim.events().items():
            rec_sim.add_table(f"flex_{name}", columns)
    if parts.coordinator_sim is not None:
        rec_sim.add_table("conflicts", parts.coordinator_sim.events())


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

"""DSO value frameworks: the base grid and fleet plus tariff, aggregator and DSO operator.

Port graph (DESIGN.md), for this scenario::

    tariff ──price, forecast──────────────> aggregator ──p_set_kw──> evse
    ev_fleet ──EV state───────────────────> aggregator
    grid ──background load──(time-shifted)> aggregator               (valley filling)
    grid ──v_pu, loadings───(time-shifted)> dso ──p_limit_kw──────> evse
    evse ──p_kw─────────────(time-shifted)> dso, tariff (billing)
    grid ──v_pu, bus_id─────(time-shifted)> evse                     (Q(V), P(V))

Which of them run is set by the ``[tariff]``, ``[aggregator]`` and ``[dso]`` sections; the
family file ``frameworks_family.toml`` runs the seven cases of the comparison.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from cosim.config import Config, load_config
from cosim.config_flex import Framework
from cosim.link import link
from scenarios import base
from scenarios.common import RunOutcome, record, run_scenario, start
from scenarios.parts import Parts, Recorder

__all__ = ["add_aggregator", "add_dso", "add_tariff", "build", "run"]


def build(world: Any, cfg: Config, *, recorder: Recorder | None) -> Parts:
    """The base scenario plus the tariff, aggregator and DSO that ``cfg`` enables."""
    # a grid code imposes Volt-VAr on every charger, whatever the charger settings say
    grid_code = cfg.dso.enabled and cfg.dso.framework is Framework.GRID_CODE
    overrides = {"q_mode": "qv"} if grid_code else None
    parts = base.build(world, cfg, recorder=recorder, evse_overrides=overrides)
    if parts.n_ev == 0:
        return parts
    area, fleet, bank = parts.grid, parts.fleet, parts.bank
    tariff = add_tariff(world, cfg, bank=bank, recorder=recorder) if cfg.tariff.enabled else None
    agg = (
        add_aggregator(world, cfg, fleet=fleet, bank=bank, area=area, tariff=tariff)
        if cfg.aggregator.enabled
        else None
    )
    op = add_dso(world, cfg, area=area, bank=bank, recorder=recorder) if cfg.dso.enabled else None
    return replace(parts, tariff=tariff, aggregator=agg, dso=op)


def add_tariff(world: Any, cfg: Config, *, bank: Any, recorder: Recorder | None) -> Any:
    """The tariff; it bills the chargers' power."""
    tariff = start(world, cfg, "tariff").Tariff(**cfg.tariff.create_params())
    # the chargers' power of [t-dt, t) is billed at t (the tariff's p_kw_lag_steps = 1)
    link(world, bank, tariff, time_shifted=True)
    if recorder is not None:
        record(world, recorder, [tariff], ("price_eur_mwh", "cost_eur", "cost_step_eur"))
    return tariff


def add_aggregator(
    world: Any,
    cfg: Config,
    *,
    fleet: Any,
    bank: Any,
    area: Any,
    tariff: Any,
    extra: dict[str, Any] | None = None,
    to_bank: bool = True,
) -> Any:
    """The aggregator; ``to_bank=False`` leaves the chargers' setpoints to a coordinator."""
    info = bank.extra_info
    agg = start(world, cfg, "aggregator").Aggregator(
        n_chargers=len(info["charger_ids"]),
        p_rated_kw=info["p_rated_kw"],
        efficiency=info["eta_plan"],
        p_step_kw=info["p_step_kw"],
        p_min_kw=info["p_min_kw"],
        bidirectional=cfg.evse.bidirectional,
        flat_price_eur_mwh=cfg.tariff.energy_eur_mwh,
        **cfg.aggregator.create_params(),
        **(extra or {}),
    )
    link(world, fleet, agg)  # the EV state
    if tariff is not None:
        link(world, tariff, agg)  # prices, forecast, period
    link(world, area, agg, time_shifted=True)  # background load and generation
    if to_bank:
        link(world, agg, bank)  # the setpoints
    return agg


def add_dso(
    world: Any,
    cfg: Config,
    *,
    area: Any,
    bank: Any,
    recorder: Recorder | None,
    extra: dict[str, Any] | None = None,
) -> Any:
    """The DSO operator over the grid and the chargers (``extra``: more create params)."""
    from controllers.dso.topology import grid_params  # scipy.sparse: only with a DSO

    grid_info, bank_info = area.extra_info, bank.extra_info
    op = start(world, cfg, "dso").Operator(
        **grid_params(grid_info),
        charger_bus_id=bank_info["bus_id"],
        charger_p_rated_kw=bank_info["p_rated_kw"],
        **cfg.dso.create_params(),
        **(extra or {}),
    )
    # voltages and loadings, the chargers' power (the operator knows the buses already)
    link(world, area, op, time_shifted=True, exclude=("bus_id",))
    link(world, bank, op, time_shifted=True, exclude=("bus_id",))
    if cfg.dso.framework in (Framework.INTERRUPTIBLE, Framework.VCC):
        link(world, op, bank)  # the caps
    if recorder is not None:
        record(world, recorder, [op], ("n_congested", "n_v_violations", "p_curtail_req_kw"))
    return op


def run(
    cfg: Config, *, out: Path | None = None, raw_toml: str = "", progress: bool = True
) -> RunOutcome:
    """Build the world, run it for ``cfg.scenario.until`` and return the outcome."""
    return run_scenario(build, cfg, out=out, raw_toml=raw_toml, progress=progress)


if __name__ == "__main__":
    config_path = sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).with_suffix(".toml"))
    result = run(load_config(config_path), raw_toml=Path(config_path).read_text())
    print(f"{result.status}: {result.path}")

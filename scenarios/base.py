"""Base scenario: uncontrolled home charging of an EV fleet on a SimBench LV grid.

Port graph (DESIGN.md), for this scenario::

    ev_fleet ──EV state──> evse ──p_kw, q_kvar, bus_id──> grid (Area)
    evse ──p_batt_kw──(time-shifted)──> ev_fleet
    grid ──v_pu──(time-shifted; evse.qv_loop="same_step": weak, same time)──> evse
    evse ──resolve──> grid (same_step: solve again while a charger's P or Q moves)
    every simulator ──recorded attrs──> recorder (HDF5)

Run it with ``cosim run scenarios/base.toml`` or ``python -m scenarios.base``.
"""

from __future__ import annotations

import contextlib
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cosim.config import Config, load_config
from cosim.errors import ConfigError, ConfigProblem
from cosim.link import link
from cosim.seeding import child_seed, generator
from scenarios.common import RunOutcome, record, run_scenario, start
from scenarios.parts import Parts, Recorder
from simulators.ev_fleet.placement import charger_buses
from simulators.evse.adapter import PHASE_VOLTAGE_INPUTS
from simulators.evse.params import draw_charger_phases
from simulators.grid.asym_state import AREA_PHASE_INPUTS, AREA_PHASE_OUTPUTS

__all__ = [
    "FLEET_ATTRS",
    "GRID_ATTRS",
    "SEGMENT_ATTRS",
    "build",
    "run",
]

#: what the results file keeps
FLEET_ATTRS = (
    "plugged",
    "soc",
    "e_need_kwh",
    "e_unserved_kwh",
    "e_trip_kwh",
    "opt_out",
    "capacity_fade",
)
#: per-segment series of the fleet's ``Segments`` child
SEGMENT_ATTRS = ("n_plugins", "n_plugged", "p_flex_max_kw", "p_flex_min_kw", "e_flex_need_kwh")
EVSE_ATTRS = (
    "p_kw",
    "q_kvar",
    "p_batt_kw",
    "p_loss_kw",
    "p_curtailed_kw",
    "tripped",
    "p_tripped_kw",
)
#: the Area's scalar results the results file keeps (and v_pu, the loadings per element)
GRID_SCALARS = (
    "losses_kw",
    "p_slack_kw",
    "q_slack_kvar",
    "p_load_bg_kw",
    "p_gen_bg_kw",
    "converged",
)
GRID_ATTRS = ("v_pu", "line_loading_pct", "trafo_loading_pct", *GRID_SCALARS)


def build(
    world: Any,
    cfg: Config,
    *,
    recorder: Recorder | None,
    evse_overrides: dict[str, Any] | None = None,
) -> Parts:
    """Start and wire the base scenario's simulators in ``world``.

    ``evse_overrides`` replace charger settings of ``cfg.evse`` (e.g. a grid code that
    imposes Q(V) on every charger).
    """
    same_step = cfg.evse.qv_loop == "same_step"
    # a same-time loop (weak connection) needs the grid and the chargers in one group
    with world.group("qv_loop") if same_step else contextlib.nullcontext():
        grid_sim = start(
            world,
            cfg,
            "grid",
            network=cfg.grid.network,
            on_nonconvergence=cfg.grid.on_nonconvergence.value,
            profiles=cfg.grid.profiles,
            **cfg.grid.sim_params(),
        )
        evse_sim = start(world, cfg, "evse") if same_step else None
    area = grid_sim.Area()
    if recorder is not None:
        _record_grid(world, recorder=recorder, area=area)
    placement = generator(child_seed(cfg.scenario.seed, "placement"))
    buses, segments, n_public = charger_buses(cfg.fleet, area.extra_info, placement)
    if buses.size == 0:  # a reference run without EVs: the grid and its background only
        return Parts(grid=area)

    fleet = _add_fleet(world, cfg, segments=segments, n_public=n_public, buses=buses)
    evse_params = _evse_params(cfg, buses=buses, overrides=evse_overrides)
    bank = (evse_sim or start(world, cfg, "evse")).ChargerBank(**evse_params)
    link(world, fleet, bank)  # the EV state
    link(world, bank, fleet, time_shifted=True)  # the battery power delivered
    # an unbalanced grid takes each charger's power on its phase(s)
    to_grid = tuple(AREA_PHASE_INPUTS) if cfg.grid.unbalanced else ("p_kw", "q_kvar")
    link(world, bank, area, *to_grid, "bus_id")
    if same_step:  # local voltage control and protection act on this step's voltage
        _connect_loop(world, cfg, area=area, bank=bank)
    # local voltage control and undervoltage protection act on the voltage a step ago
    elif evse_params["q_mode"] in ("qv", "pv") or evse_params["uv_protection"]:
        # single-phase chargers act on their own phase voltage
        volts = ("v_pu", *PHASE_VOLTAGE_INPUTS) if cfg.grid.unbalanced else ("v_pu",)
        link(world, area, bank, *volts, "bus_id", time_shifted=True)

    if recorder is not None:
        _record_fleet(world, recorder=recorder, fleet=fleet, bank=bank, buses=buses, loop=same_step)
    return Parts(grid=area, fleet=fleet, bank=bank, n_ev=int(buses.size))


def _add_fleet(
    world: Any,
    cfg: Config,
    *,
    segments: list[dict[str, Any]],
    n_public: int,
    buses: NDArray[np.int64],
) -> Any:
    """The EV fleet, its EVs charging at ``buses``."""
    return start(world, cfg, "ev_fleet").Fleet(
        segments=segments,
        n_public=n_public,
        visitors={
            "sessions_per_day": cfg.fleet.visitor_sessions_per_day,
            "p_opt_out": cfg.fleet.p_opt_out,
        },
        climate=None if cfg.fleet.climate else False,
        ageing=None if cfg.fleet.ageing else False,
        charger_bus=buses.tolist(),
        warm_start_weeks=cfg.fleet.warm_start_weeks,
    )


def _evse_params(
    cfg: Config, *, buses: NDArray[np.int64], overrides: dict[str, Any] | None
) -> dict[str, Any]:
    """The ChargerBank's create params: one charger per bus, each on its phase(s)."""
    n_ev = int(buses.size)
    phases: dict[str, list[int]] = {}
    if cfg.evse.share_single_phase is not None:
        phase_rng = generator(child_seed(cfg.scenario.seed, "charger_phases"))
        phases = draw_charger_phases(n_ev, share_single=cfg.evse.share_single_phase, rng=phase_rng)
        single = np.asarray(phases["phases"]) == 1
        p_single = min(cfg.evse.p_rated_single_phase_kw, cfg.evse.p_rated_kw)
        phases["p_rated_kw"] = np.where(single, p_single, cfg.evse.p_rated_kw).tolist()
    return cfg.evse.create_params(bus_id=buses.tolist(), **phases, **(overrides or {}))


def _record_fleet(
    world: Any,
    *,
    recorder: Recorder,
    fleet: Any,
    bank: Any,
    buses: NDArray[np.int64],
    loop: bool,
) -> None:
    """The fleet's and chargers' series, the fleet and segment tables."""
    ev_ids = fleet.extra_info["ev_ids"]
    record(world, recorder, [fleet], FLEET_ATTRS, columns=ev_ids)
    record(world, recorder, [bank], EVSE_ATTRS, columns=bank.extra_info["charger_ids"])
    if loop:  # the same-step Q(V) loop's iterations
        record(world, recorder, [bank], ("loop_iter",))
    sim = recorder.sim
    sim.add_table(
        "fleet",
        {"ev_id": ev_ids, "home_bus": buses.tolist(), **_fleet_columns(fleet.extra_info)},
    )
    seg = fleet.children[0]
    names = seg.extra_info["segment_names"]
    record(world, recorder, [seg], SEGMENT_ATTRS, columns=names)
    sim.add_table("segments", {"name": names, "kind": seg.extra_info["segment_kinds"]})


def _connect_loop(world: Any, cfg: Config, *, area: Any, bank: Any) -> None:
    """Grid voltage -> chargers in the same step, chargers -> grid ``resolve`` (same_step.py)."""
    problems = []
    if cfg.grid.unbalanced:
        problems.append(
            ConfigProblem(
                "evse.qv_loop",
                "'same_step' works on balanced grids only (grid.unbalanced = true); "
                "set it to 'previous_step' or grid.unbalanced = false",
                "same_step",
            )
        )
    if not area.triggered_by("resolve"):
        problems.append(
            ConfigProblem(
                "evse.qv_loop",
                f"'same_step' needs a grid simulator whose Area takes the trigger input "
                f"'resolve' (solve again at the same time); {cfg.simulators['grid'].impl!r} "
                "does not: set it to 'previous_step'",
                "same_step",
            )
        )
    if problems:
        raise ConfigError(problems)
    # before the grid's first solve the loop inputs are empty (the chargers take 1.0 p.u.,
    # as the time-shifted connection's initial data), which mosaik would warn about
    warnings.filterwarnings(
        "ignore",
        message=r"Simulator \S+'s entity \S+ did not produce output on its persistent "
        r"attribute (v_pu|bus_id) ",
        category=UserWarning,
    )
    link(world, area, bank, ("v_pu", "v_loop_pu"), ("bus_id", "bus_id_loop"), weak=True)
    link(world, bank, area, "resolve")


def _record_grid(world: Any, *, recorder: Recorder, area: Any) -> None:
    info = area.extra_info
    sim = recorder.sim
    record(world, recorder, [area], ("v_pu",), columns=info["bus_id"])
    record(world, recorder, [area], ("line_loading_pct",), columns=info["line_id"])
    record(world, recorder, [area], ("trafo_loading_pct",), columns=info["trafo_id"])
    record(world, recorder, [area], GRID_SCALARS)
    sim.add_table("bus", {"bus_id": info["bus_id"], "name": info["bus_name"]})
    if "load_phase" in info:  # unbalanced: phase results per bus and the phase layout
        record(world, recorder, [area], tuple(AREA_PHASE_OUTPUTS), columns=info["bus_id"])
        sim.add_table("load_phase", {"phase": info["load_phase"]})
        sim.add_table("sgen_phase", {"phase": info["sgen_phase"]})


def _fleet_columns(info: dict[str, Any]) -> dict[str, list[Any]]:
    skip = {"ev_ids", "home_bus", "segment_names"}
    return {k: v for k, v in info.items() if k not in skip and isinstance(v, list)}


def run(
    cfg: Config, *, out: Path | None = None, raw_toml: str = "", progress: bool = True
) -> RunOutcome:
    """Build the world, run it for ``cfg.scenario.until`` and return the outcome."""
    return run_scenario(build, cfg, out=out, raw_toml=raw_toml, progress=progress)


if __name__ == "__main__":
    config_path = sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).with_suffix(".toml"))
    result = run(load_config(config_path), raw_toml=Path(config_path).read_text())
    print(f"{result.status}: {result.path}")

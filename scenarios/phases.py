"""Three-phase LV grid with phase balancing: the base scenario plus the phase balancer.

Port graph (DESIGN.md), for this scenario::

    grid ──v_a_pu, v_b_pu, v_c_pu (or v_pu)──(time-shifted)> phase_balance ──p_limit_kw──> evse
    evse ──p_kw──────────────────────────────(time-shifted)> phase_balance

The balancer caps single-phase charging per customer connection (the grid code) and
curtails the lowest-voltage phase first (the control); the chargers take the minimum of
its caps and any other limit. ``[phase_balance]`` sets which of the two run; with it
disabled the run is the base scenario. ``phases_family.toml`` runs the study.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from cosim.config import Config, load_config
from cosim.link import link
from scenarios import base
from scenarios.common import RunOutcome, record, run_scenario, start
from scenarios.parts import Parts, Recorder

__all__ = ["BALANCER_ATTRS", "add_phase_balancer", "build", "run"]

#: what the recorder keeps of the balancer besides its caps ``cap_kw`` (``p_limit_kw`` is in
#: the bank's ``p_curtailed_kw``)
BALANCER_ATTRS: tuple[str, ...] = ("n_limited", "p_shed_kw")


def build(world: Any, cfg: Config, *, recorder: Recorder | None) -> Parts:
    """The base scenario plus the phase balancer that ``cfg.phase_balance`` enables."""
    parts = base.build(world, cfg, recorder=recorder)
    if parts.n_ev == 0:
        return parts
    if recorder is not None:  # each charger's connection, for the results
        info = parts.bank.extra_info
        sim = recorder.sim
        sim.add_table("charger_phase", {k: info[k] for k in ("phase", "phases", "p_rated_kw")})
    if not cfg.phase_balance.enabled:
        return parts
    balancer = add_phase_balancer(world, cfg, area=parts.grid, bank=parts.bank, recorder=recorder)
    return replace(parts, phase_balance=balancer)


def add_phase_balancer(
    world: Any, cfg: Config, *, area: Any, bank: Any, recorder: Recorder | None
) -> Any:
    """Start the balancer over ``area`` and ``bank`` and wire it (measurements a step old)."""
    grid_info, bank_info = area.extra_info, bank.extra_info
    balancer = start(world, cfg, "phase_balance").PhaseBalancer(
        grid_bus_id=grid_info["bus_id"],
        charger_bus_id=bank_info["bus_id"],
        charger_phase=bank_info["phase"],
        charger_p_rated_kw=bank_info["p_rated_kw"],
        **cfg.phase_balance.create_params(),
    )
    # an unbalanced Area sends each phase's voltage, a balanced one its v_pu for all three
    volts = ("v_a_pu", "v_b_pu", "v_c_pu") if cfg.grid.unbalanced else ("v_pu",)
    link(world, area, balancer, *volts, time_shifted=True)
    link(world, bank, balancer, time_shifted=True)  # the chargers' power
    link(world, balancer, bank)  # the caps
    if recorder is not None:
        record(world, recorder, [balancer], ("cap_kw",), columns=["a", "b", "c", "abc"])
        record(world, recorder, [balancer], BALANCER_ATTRS)
    return balancer


def run(
    cfg: Config, *, out: Path | None = None, raw_toml: str = "", progress: bool = True
) -> RunOutcome:
    """Build the world, run it for ``cfg.scenario.until`` and return the outcome."""
    return run_scenario(build, cfg, out=out, raw_toml=raw_toml, progress=progress)


if __name__ == "__main__":
    config_path = sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).with_suffix(".toml"))
    result = run(load_config(config_path), raw_toml=Path(config_path).read_text())
    print(f"{result.status}: {result.path}")

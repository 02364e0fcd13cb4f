"""The phase balancer's rule with the scenario script (its section: controllers.phase_balance)."""

from __future__ import annotations

from typing import Any

from controllers.phase_balance.config import PhaseBalanceConfig
from cosim.errors import ConfigProblem

__all__ = ["PHASE_BALANCE_SCRIPTS", "PhaseBalanceConfig", "check_phase_balance"]


#: the scenario scripts that wire the phase balancer
PHASE_BALANCE_SCRIPTS: tuple[str, ...] = ("phases",)


def check_phase_balance(sections: dict[str, Any]) -> list[ConfigProblem]:
    """An enabled ``[phase_balance]`` needs a script that wires it, not a silent no-op."""
    section, scenario = sections.get("phase_balance"), sections.get("scenario")
    if section is None or scenario is None or not section.enabled:
        return []
    if scenario.script in PHASE_BALANCE_SCRIPTS:
        return []
    message = (
        f"[phase_balance] is enabled but scenario script {scenario.script!r} does not wire the "
        f"phase balancer, so the run would ignore it; set scenario.script = 'phases' (e.g. "
        "scenarios/phases.toml), or phase_balance.enabled = false"
    )
    return [ConfigProblem("phase_balance.enabled", message, True)]

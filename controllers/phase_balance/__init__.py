"""Phase balancing: a grid-code unbalance cap and a phase-aware curtailment of chargers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cosim.lazy import attach_stub

if TYPE_CHECKING:  # loaded on first use (cosim.lazy); listed here for type checkers
    from controllers.phase_balance.adapter import PhaseBalanceSim
    from controllers.phase_balance.model import (
        PhaseBalanceModel,
        PhaseBalanceParams,
        PhaseBalanceState,
        PhaseObservation,
        phase_limits,
    )
    from controllers.phase_balance.rule import (
        THREE_PHASE,
        VDE_4100_MAX_UNBALANCE_KVA,
        grid_code_limits,
    )

__all__ = [
    "THREE_PHASE",
    "VDE_4100_MAX_UNBALANCE_KVA",
    "PhaseBalanceModel",
    "PhaseBalanceParams",
    "PhaseBalanceSim",
    "PhaseBalanceState",
    "PhaseObservation",
    "grid_code_limits",
    "phase_limits",
]

__getattr__, __dir__ = attach_stub(__name__, __file__)

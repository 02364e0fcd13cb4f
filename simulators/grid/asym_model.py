"""Unbalanced grid model: background loads and PV on phases, per-phase injections per bus."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from cosim.errors import ModelError

from .asym_params import ZeroSequenceParams
from .asym_state import (
    AREA_PHASE_OUTPUTS,
    THREE_PHASE,
    AsymGridState,
    AsymInjections,
    assign_phases,
    spread_over_phases,
)
from .backends import Backend, GridState
from .model import GridModel, OnNonConvergence
from .network import PreparedNetwork
from .pgm_asym import ASYM_BACKEND_NAME, PgmAsymBackend
from .profiles import BackgroundProfiles

__all__ = [
    "ASYM_BACKEND_NAME",
    "AsymGridModel",
    "PhaseLayout",
    "PhaseParams",
    "combine_phases",
    "make_asym_model",
    "phase_output",
]

#: VDE-AR-N 4105:2018 5.7.1: generators up to 4.6 kVA may feed in on one phase.
PV_SINGLE_PHASE_MAX_KVA = 4.6


@dataclass(frozen=True)
class PhaseParams:
    """How the background elements of the grid are connected to the phases.

    Attributes
    ----------
    load_share_single : float
        Share [0, 1] of background loads connected on one phase, drawn with the grid's
        seed; the phase is uniform over a, b, c. Default 1.0: a household's demand is
        dominated by single-phase appliances, so each household is put on one phase (the
        upper bound of background unbalance; 0.0 keeps the background balanced).
    sgen_single_max_kva : float
        Static generators up to this rating [kVA] (``sn_mva``, else ``p_mw``) feed in on
        one random phase, larger ones on three. Default 4.6 kVA, the single-phase limit
        of VDE-AR-N 4105:2018; 0 keeps every generator three-phase.
    """

    load_share_single: float = 1.0
    sgen_single_max_kva: float = PV_SINGLE_PHASE_MAX_KVA

    def __post_init__(self) -> None:
        problems = []
        if not 0.0 <= self.load_share_single <= 1.0:
            problems.append(f"load_share_single={self.load_share_single!r} must be in [0, 1]")
        if not self.sgen_single_max_kva >= 0.0:
            problems.append(f"sgen_single_max_kva={self.sgen_single_max_kva!r} must be >= 0")
        if problems:
            raise ModelError("invalid phase parameters: " + "; ".join(problems))


@dataclass(frozen=True)
class PhaseLayout:
    """Phase of every background load and generator: 0, 1, 2 (a, b, c) or -1 (three-phase).

    Attributes
    ----------
    load_phase : NDArray[int8] (n_bg_load)
    sgen_phase : NDArray[int8] (n_sgen)
    """

    load_phase: NDArray[np.int8]
    sgen_phase: NDArray[np.int8]

    @classmethod
    def draw(
        cls, grid: PreparedNetwork, params: PhaseParams, rng: np.random.Generator
    ) -> PhaseLayout:
        """Seeded layout: loads by share, generators by rating (see :class:`PhaseParams`)."""
        load_phase = assign_phases(grid.n_bg_load, share_single=params.load_share_single, rng=rng)
        sgen = grid.tables.sgen
        n_sgen = len(sgen)
        rating = sgen["sn_mva"].to_numpy(float) if "sn_mva" in sgen else np.full(n_sgen, np.nan)
        rating = np.where(np.isfinite(rating), rating, np.abs(sgen["p_mw"].to_numpy(float)))
        drawn = assign_phases(n_sgen, share_single=1.0, rng=rng)
        small = rating * 1e3 <= params.sgen_single_max_kva
        sgen_phase = np.where(small, drawn, np.int8(THREE_PHASE)).astype(np.int8)
        return cls(load_phase=load_phase, sgen_phase=sgen_phase)

    @classmethod
    def balanced(cls, grid: PreparedNetwork) -> PhaseLayout:
        """Every background element three-phase."""
        n_sgen = len(grid.tables.sgen)
        return cls(
            load_phase=np.full(grid.n_bg_load, THREE_PHASE, dtype=np.int8),
            sgen_phase=np.full(n_sgen, THREE_PHASE, dtype=np.int8),
        )


class AsymGridModel(GridModel):
    """A :class:`GridModel` solved unbalanced (power-grid-model, ``symmetric=False``).

    Background loads and generators sit on the phases of ``layout``; the extra injections
    per bus come per phase, shape (n_bus, 3), or as totals (n_bus), split equally.

    Parameters
    ----------
    grid, profiles, on_nonconvergence
        As for :class:`GridModel`.
    zero_sequence : ZeroSequenceParams
        Zero-sequence and source assumptions.
    layout : PhaseLayout
        Phases of the background elements.
    """

    def __init__(
        self,
        grid: PreparedNetwork,
        profiles: BackgroundProfiles,
        *,
        zero_sequence: ZeroSequenceParams,
        layout: PhaseLayout,
        on_nonconvergence: OnNonConvergence | str = OnNonConvergence.RAISE,
    ) -> None:
        if layout.load_phase.shape != (grid.n_bg_load,) or layout.sgen_phase.shape != (
            len(grid.tables.sgen),
        ):
            raise ModelError("the phase layout does not fit this grid; draw it from the same grid")
        self._asym = PgmAsymBackend(grid, zero_sequence)
        super().__init__(
            grid,
            profiles,
            backend=cast(Backend, self._asym),  # solves Injections too (split equally)
            on_nonconvergence=on_nonconvergence,
        )
        self.layout = layout
        n_load = len(grid.tables.load)
        self._load_abc_p = np.zeros((n_load, 3))
        self._load_abc_q = np.zeros((n_load, 3))

    def step(  # type: ignore[override]  # a per-phase state
        self, time_s: int, p_inj_kw: NDArray[np.float64], q_inj_kvar: NDArray[np.float64]
    ) -> AsymGridState:
        """Solve at ``time_s`` [s] with extra load per bus row and phase [kW], [kvar].

        ``p_inj_kw``/``q_inj_kvar`` have shape (n_bus, 3) (phases a, b, c) or (n_bus)
        (split equally); consumer sign.
        """
        row = self.profiles.row(time_s)
        n_bg = self._n_bg
        lp, lq = self._load_abc_p, self._load_abc_q
        lp[:n_bg] = spread_over_phases(self.profiles.load_p_mw_at(row), self.layout.load_phase)
        lq[:n_bg] = spread_over_phases(self.profiles.load_q_mvar_at(row), self.layout.load_phase)
        lp[n_bg:] = _per_phase(p_inj_kw, self.n_bus, "p_inj_kw") * 1e-3
        lq[n_bg:] = _per_phase(q_inj_kvar, self.n_bus, "q_inj_kvar") * 1e-3
        sgen_p = self.profiles.sgen_p_mw_at(row)
        inj = AsymInjections(
            load_p_mw=lp,
            load_q_mvar=lq,
            sgen_p_mw=spread_over_phases(sgen_p, self.layout.sgen_phase),
            p_load_bg_kw=float(lp[:n_bg].sum(axis=1) @ self._bg_on) * 1e3,
            p_gen_bg_kw=float(sgen_p @ self._sgen_on) * 1e3,
        )
        state = self._asym.solve(inj)
        self._check_converged(time_s, state, float(np.sum(p_inj_kw)), inj.as_balanced())
        return state


def _per_phase(x: NDArray[np.float64], n_bus: int, name: str) -> NDArray[np.float64]:
    x = np.asarray(x, dtype=np.float64)
    if x.shape == (n_bus,):
        return np.repeat(x[:, np.newaxis] / 3.0, 3, axis=1)
    if x.shape == (n_bus, 3):
        return x
    raise ModelError(f"{name} has shape {x.shape}; give ({n_bus},) or ({n_bus}, 3)")


def make_asym_model(
    grid: PreparedNetwork,
    profiles: BackgroundProfiles,
    *,
    zero_sequence: dict[str, Any] | None,
    phases: dict[str, Any] | None,
    seed: list[int] | int | None,
    on_nonconvergence: OnNonConvergence | str,
) -> AsymGridModel:
    """The unbalanced model from JSON-safe settings; the layout is drawn with ``seed``."""
    layout = PhaseLayout.draw(grid, PhaseParams(**(phases or {})), np.random.default_rng(seed))
    return AsymGridModel(
        grid,
        profiles,
        zero_sequence=ZeroSequenceParams(**(zero_sequence or {})),
        layout=layout,
        on_nonconvergence=on_nonconvergence,
    )


def combine_phases(
    total: NDArray[np.float64], per_phase: NDArray[np.float64], *, unbalanced: bool
) -> NDArray[np.float64]:
    """Injections per bus for the model: (n_bus, 3) when unbalanced, else (n_bus) totals.

    ``total`` (n_bus) is split equally over the phases; ``per_phase`` (n_bus, 3) adds.
    """
    if unbalanced:
        return per_phase + total[:, np.newaxis] / 3.0
    return total + per_phase.sum(axis=1) if per_phase.any() else total


def phase_output(state: GridState, attr: str) -> NDArray[np.float64]:
    """An ``AREA_PHASE_OUTPUTS`` array; a balanced state has equal phases, no unbalance."""
    field, phase = AREA_PHASE_OUTPUTS[attr]
    if isinstance(state, AsymGridState):
        value = getattr(state, field)
        return np.ascontiguousarray(value[:, phase]) if phase is not None else value
    if phase is not None:
        return state.vm_pu
    return np.where(np.isnan(state.vm_pu), np.nan, 0.0)

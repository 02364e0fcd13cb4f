"""Phase balancer without mosaik: grid-code caps plus curtailment of the lowest-voltage phase."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import ArrayLike, NDArray

from controllers.dso.curtailment import water_fill_level

from .rule import THREE_PHASE, VDE_4100_MAX_UNBALANCE_KVA, grid_code_limits

__all__ = [
    "PhaseBalanceModel",
    "PhaseBalanceParams",
    "PhaseBalanceState",
    "PhaseObservation",
    "phase_limits",
]


@dataclass(frozen=True)
class PhaseBalanceParams:
    """Settings of the phase balancer; every bad field is reported at once.

    Parameters
    ----------
    rule : bool
        Apply the grid code: single-phase chargers of a connection share
        ``max_unbalance_kva`` per phase (:func:`~controllers.phase_balance.rule.grid_code_limits`).
    max_unbalance_kva : float
        Unbalance allowed per customer connection [kVA] (VDE-AR-N 4100: 4.6).
    control : bool
        Curtail the phase whose lowest voltage is below ``v_min_pu``.
    v_min_pu : float
        A phase is curtailed while its lowest voltage at a charger bus is below this [p.u.].
    v_release_pu : float
        A phase's cap is released once its lowest voltage is at or above this [p.u.].
    gain_kw_per_pu : float
        Power shed per p.u. the phase voltage is below ``v_min_pu``, each step [kW/p.u.].
    release_share : float
        Share of the phase's rated single-phase charging given back per step on release.
    """

    rule: bool = True
    max_unbalance_kva: float = VDE_4100_MAX_UNBALANCE_KVA
    control: bool = True
    v_min_pu: float = 0.95
    v_release_pu: float = 0.96
    gain_kw_per_pu: float = 500.0
    release_share: float = 0.1

    def __post_init__(self) -> None:
        problems = []
        if not self.max_unbalance_kva > 0:
            problems.append(f"max_unbalance_kva={self.max_unbalance_kva!r} must be > 0 [kVA]")
        if not 0 < self.v_min_pu < 1.1:
            problems.append(f"v_min_pu={self.v_min_pu!r} must be in (0, 1.1) [p.u.]")
        if not self.v_release_pu >= self.v_min_pu:
            problems.append(
                f"v_release_pu={self.v_release_pu!r} must be >= v_min_pu={self.v_min_pu!r}"
            )
        if not self.gain_kw_per_pu > 0:
            problems.append(f"gain_kw_per_pu={self.gain_kw_per_pu!r} must be > 0 [kW/p.u.]")
        if not 0 < self.release_share <= 1:
            problems.append(f"release_share={self.release_share!r} must be in (0, 1]")
        if problems:
            raise ValueError("invalid phase balancer settings: " + "; ".join(problems))

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The setting names (what the adapter's ``create`` accepts besides the chargers)."""
        return tuple(f.name for f in fields(cls))


@dataclass(frozen=True)
class PhaseObservation:
    """What the balancer sees at one step (measurements of the previous step).

    Attributes
    ----------
    v_abc_pu : ndarray (n, 3)
        Phase-to-earth voltage of phases a, b, c at each charger's bus [p.u.].
    p_kw : ndarray (n,)
        Active power each charger drew [kW] (consumer sign).
    """

    v_abc_pu: NDArray[np.float64]
    p_kw: NDArray[np.float64]


@dataclass(frozen=True)
class PhaseBalanceState:
    """Result of one step.

    Attributes
    ----------
    p_limit_kw : ndarray (n,)
        Cap per charger [kW], at most its rating (the rating itself: no cap).
    cap_kw : ndarray (4,)
        Cap on the single-phase charging of phases a, b, c and on the three-phase
        charging [kW] (``inf``: not capped).
    n_limited : int
        Chargers whose cap is below their rating.
    p_shed_kw : float
        Σ over chargers of max(last draw − cap, 0) [kW].
    """

    p_limit_kw: NDArray[np.float64]
    cap_kw: NDArray[np.float64]
    n_limited: int
    p_shed_kw: float


def phase_limits(p_kw: ArrayLike, cap_kw: float) -> float:
    """Common cap on a group of chargers so that their last draw fits within ``cap_kw``.

    Over the cap, the chargers drawing most are capped first (water-filling); under it,
    the headroom is shared equally above the largest draw. Either way, applying the
    returned level to the last draw keeps the group within ``cap_kw``.

    Parameters
    ----------
    p_kw : array_like (m,)
        Last draw of each charger of the group [kW] (negative counts as 0).
    cap_kw : float
        Cap on the group's total [kW]; ``inf`` for none.

    Returns
    -------
    float
        Level [kW] (``inf`` when not capped).

    Examples
    --------
    >>> phase_limits([6.0, 4.0, 0.0], 8.0)   # shed 2 kW from the largest draw
    4.0
    >>> phase_limits([3.0, 1.0], 6.0)        # 2 kW headroom shared: 3 + 2/2
    4.0
    """
    p = np.clip(np.asarray(p_kw, dtype=float), 0.0, None)
    if not np.isfinite(cap_kw) or p.size == 0:
        return float("inf")
    total = float(p.sum())
    if total > cap_kw:
        return water_fill_level(p, total - cap_kw)
    return float(p.max()) + (cap_kw - total) / p.size


class PhaseBalanceModel:
    """Per-charger caps from the grid code and a phase-aware voltage controller.

    Each step, for each phase whose lowest voltage at a charger bus is below ``v_min_pu``,
    the single-phase chargers on that phase shed ``gain_kw_per_pu × (v_min_pu − v)``; a
    phase's chargers are never curtailed for another phase's voltage. Only when a
    phase's single-phase charging is shed entirely do the three-phase chargers give up
    the rest, three times over (they load each phase with a third of their power). So
    the three-phase chargers keep charging while single-phase ones on a weak phase are
    curtailed: the weak phase gives up its own charging first, and what the grid still
    carries goes to the connections that load all phases equally.
    A phase's cap is raised by ``release_share`` of its rated single-phase charging per
    step once its voltage is back at ``v_release_pu``, and lifted once it reaches that
    rated total.

    Parameters
    ----------
    phase : array_like of int (n,)
        Grid phase of each charger: 0, 1, 2 (a, b, c) or -1 (three-phase).
    bus_id : array_like of int (n,)
        Bus of each charger.
    p_rated_kw : array_like (n,) or float
        Charger ratings [kW].
    params : PhaseBalanceParams
    """

    def __init__(
        self,
        phase: ArrayLike,
        bus_id: ArrayLike,
        p_rated_kw: ArrayLike,
        *,
        params: PhaseBalanceParams | None = None,
    ) -> None:
        self.params = params or PhaseBalanceParams()
        self.phase = np.asarray(phase, dtype=np.int64).reshape(-1)
        self.bus_id = np.asarray(bus_id, dtype=np.int64).reshape(-1)
        bad = sorted(set(self.phase.tolist()) - {THREE_PHASE, 0, 1, 2})
        if bad:
            raise ValueError(f"charger phase values {bad} invalid; use 0, 1, 2 (a, b, c) or -1")
        self.p_rated_kw = np.broadcast_to(
            np.asarray(p_rated_kw, dtype=float), self.phase.shape
        ).copy()
        prm = self.params
        self.base_limit_kw = (
            grid_code_limits(
                self.phase, self.bus_id, self.p_rated_kw, max_unbalance_kva=prm.max_unbalance_kva
            )
            if prm.rule
            else self.p_rated_kw.copy()
        )
        #: group of each charger: 0, 1, 2 single-phase on a, b, c; 3 three-phase
        self.group = np.where(self.phase == THREE_PHASE, 3, self.phase)
        self.rated_group_kw = np.bincount(self.group, self.base_limit_kw, minlength=4)
        self.cap_kw = np.full(4, np.inf)

    @property
    def n_charger(self) -> int:
        return int(self.phase.size)

    def step(self, obs: PhaseObservation) -> PhaseBalanceState:
        """Update the phase caps from ``obs`` and return the caps per charger."""
        p = np.clip(np.nan_to_num(np.asarray(obs.p_kw, dtype=float)), 0.0, None)
        if self.params.control and self.n_charger:
            self._update_caps(np.asarray(obs.v_abc_pu, dtype=float), p)
        limit = self.base_limit_kw.copy()
        for g in np.flatnonzero(np.isfinite(self.cap_kw)):
            members = self.group == g
            level = phase_limits(p[members], float(self.cap_kw[g]))
            limit[members] = np.minimum(limit[members], level)
        return PhaseBalanceState(
            p_limit_kw=limit,
            cap_kw=self.cap_kw.copy(),
            n_limited=int(np.count_nonzero(limit < self.p_rated_kw - 1e-9)),
            p_shed_kw=float(np.clip(p - limit, 0.0, None).sum()),
        )

    def _update_caps(self, v_abc_pu: NDArray[np.float64], p: NDArray[np.float64]) -> None:
        prm = self.params
        # a phase without a valid voltage (no converged solution) keeps its cap
        v_min = np.where(np.isnan(v_abc_pu), np.inf, v_abc_pu).min(axis=0, initial=np.inf)
        seen = np.isfinite(v_min)
        drawn = np.bincount(self.group, p, minlength=4)
        deficit = np.clip(prm.v_min_pu - v_min, 0.0, None)
        want = prm.gain_kw_per_pu * deficit
        shed1 = np.minimum(want, drawn[:3])
        low = deficit > 0
        self.cap_kw[:3][low] = np.minimum(self.cap_kw[:3][low], drawn[:3][low] - shed1[low])
        rest = float(np.max(want - shed1))
        if rest > 0 and self.rated_group_kw[3] > 0:  # a weak phase has nothing left to shed
            shed3 = min(3.0 * rest, float(drawn[3]))
            self.cap_kw[3] = min(self.cap_kw[3], float(drawn[3]) - shed3)
        ok = seen & (v_min >= prm.v_release_pu)
        self._release(np.flatnonzero(ok))
        if ok.all():
            self._release(np.array([3]))

    def _release(self, groups: NDArray[np.int64]) -> None:
        for g in groups:
            if np.isfinite(self.cap_kw[g]):
                step = self.params.release_share * self.rated_group_kw[g]
                self.cap_kw[g] += step
                if self.cap_kw[g] >= self.rated_group_kw[g]:
                    self.cap_kw[g] = np.inf

"""Vectorised charge points: power decision per charger from EV state, setpoints and limits.

Which side each limit applies to:

- ``p_rated_kw``, ``s_rated_kva``, ``p_set_kw``, ``p_limit_kw`` and the EV's on-board charger
  limit ``p_max_kw`` are all **AC side** (the on-board charger converts AC to DC, so its
  nameplate rating is an AC figure);
- the EV's energy need ``e_need_kwh`` is **battery side**: the AC power that meets it in one
  step is ``e_need_kwh / (eta * dt_h)``;
- the battery receives ``p_batt_kw = p_kw * eta`` (charging).

Uncontrolled charging (no setpoint) draws as much as every limit allows from plug-in until
the need is met, so an EV never charges beyond its target SoC.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cosim.errors import ModelError

__all__ = ["EVSEModel", "EVSEParams", "EVSEState", "charge_efficiency"]

log = logging.getLogger(__name__)


def charge_efficiency(
    p_ac_kw: NDArray[np.float64],
    p_rated_kw: NDArray[np.float64],
    eta_nominal: NDArray[np.float64],
) -> NDArray[np.float64]:
    """AC-to-battery charging efficiency at a given AC power.

    Constant (``eta_nominal``) in this version; the signature takes the operating point so
    that a part-load curve can replace it without changing callers.

    Parameters
    ----------
    p_ac_kw : ndarray (n,)
        AC charging power [kW].
    p_rated_kw : ndarray (n,)
        Charger rating [kW].
    eta_nominal : ndarray (n,)
        Nominal efficiency [-].

    Returns
    -------
    ndarray (n,)
        Efficiency [-] in (0, 1].

    Examples
    --------
    >>> charge_efficiency(np.array([5.0]), np.array([11.0]), np.array([0.92])).tolist()
    [0.92]
    """
    return np.broadcast_to(eta_nominal, np.shape(p_ac_kw)).astype(float)


def _as_array(value: ArrayLike, n: int, name: str) -> NDArray[np.float64]:
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return np.full(n, float(arr))
    if arr.shape != (n,):
        raise ValueError(f"EVSEParams.{name} has {arr.size} values for {n} chargers")
    return arr.copy()


@dataclass(frozen=True)
class EVSEParams:
    """Per-charger parameters (arrays of shape (n,); scalars broadcast).

    Parameters
    ----------
    bus_id : array_like of int (n,)
        Grid bus (pandapower index) of each charger; defines the number of chargers.
    p_rated_kw : float or array_like
        Rated AC active power [kW] (default 11 kW).
    s_rated_kva : float or array_like, optional
        Rated apparent power [kVA]; defaults to ``p_rated_kw``.
    efficiency : float or array_like
        Nominal AC-to-battery charging efficiency [-] (default 0.92).
    """

    bus_id: NDArray[np.int64]
    p_rated_kw: NDArray[np.float64] | float = 11.0
    s_rated_kva: NDArray[np.float64] | float | None = None
    efficiency: NDArray[np.float64] | float = 0.92

    def __post_init__(self) -> None:
        bus = np.asarray(self.bus_id, dtype=np.int64).reshape(-1)
        n = bus.size
        if n < 1:
            raise ValueError("EVSEParams.bus_id must list at least one charger")
        p = _as_array(self.p_rated_kw, n, "p_rated_kw")
        s = p.copy() if self.s_rated_kva is None else _as_array(self.s_rated_kva, n, "s_rated_kva")
        eta = _as_array(self.efficiency, n, "efficiency")
        problems = []
        if not (p > 0).all():
            problems.append(f"p_rated_kw must be > 0 kW (min given {p.min()})")
        if not (s >= p).all():
            problems.append("s_rated_kva must be >= p_rated_kw for every charger")
        if not ((eta > 0) & (eta <= 1)).all():
            problems.append(f"efficiency must be in (0, 1] (got {eta.min()}..{eta.max()})")
        if (bus < 0).any():
            problems.append("bus_id must be >= 0")
        if problems:
            raise ValueError("invalid EVSEParams: " + "; ".join(problems))
        for name, arr in (("bus_id", bus), ("p_rated_kw", p), ("s_rated_kva", s)):
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)
        eta.flags.writeable = False
        object.__setattr__(self, "efficiency", eta)

    @property
    def n(self) -> int:
        """Number of chargers."""
        return int(np.asarray(self.bus_id).size)


@dataclass(frozen=True)
class EVSEState:
    """Outputs of one EVSE step, for the interval ``[t, t + step_s)``."""

    time_s: int
    p_kw: NDArray[np.float64]
    q_kvar: NDArray[np.float64]
    p_batt_kw: NDArray[np.float64]
    ev_of_charger: NDArray[np.int64]


class EVSEModel:
    """A bank of ``n`` unidirectional chargers (struct of arrays).

    Parameters
    ----------
    params : EVSEParams
        Per-charger ratings, efficiency and buses.
    step_s : int
        Step length [s]; each decision holds for ``[t, t + step_s)``.

    Examples
    --------
    >>> bank = EVSEModel(EVSEParams(bus_id=[3, 4]), step_s=900)
    >>> out = bank.step(0, plugged=[1, 0], e_need_kwh=[20.0, 0.0], p_max_kw=[7.4, 11.0],
    ...                 charger_idx=[0, -1])
    >>> out.p_kw.tolist(), out.p_batt_kw.round(3).tolist()
    ([7.4, 0.0], [6.808, 0.0])
    """

    def __init__(self, params: EVSEParams, *, step_s: int = 900) -> None:
        if not step_s > 0:
            raise ValueError(f"step_s={step_s} s must be > 0")
        self.params = params
        self.step_s = int(step_s)
        self.n = params.n
        self._p_rated = np.asarray(params.p_rated_kw, dtype=float)
        self._p_cap = np.minimum(self._p_rated, np.asarray(params.s_rated_kva, dtype=float))
        self._eta = np.asarray(params.efficiency, dtype=float)

    def _map_evs(
        self, time_s: int, plugged: NDArray[np.bool_], charger_idx: NDArray[np.int64]
    ) -> NDArray[np.int64]:
        """Index of the EV at each charger (-1: free), checking the EV -> charger mapping."""
        ev = np.flatnonzero(plugged & (charger_idx >= 0))
        chg = charger_idx[ev]
        if (chg >= self.n).any():
            bad = int(ev[np.argmax(chg >= self.n)])
            raise ModelError(
                f"evse at t={time_s} s: EV {bad} uses charger {int(charger_idx[bad])} but "
                f"the bank has {self.n} chargers; create one charger per EV"
            )
        if np.unique(chg).size != chg.size:
            raise ModelError(
                f"evse at t={time_s} s: two plugged EVs share one charger "
                f"(charger_idx {np.sort(chg).tolist()[:10]}...)"
            )
        ev_of_charger = np.full(self.n, -1, dtype=np.int64)
        ev_of_charger[chg] = ev
        return ev_of_charger

    def step(
        self,
        time_s: int,
        *,
        plugged: ArrayLike,
        e_need_kwh: ArrayLike,
        p_max_kw: ArrayLike,
        charger_idx: ArrayLike,
        p_set_kw: ArrayLike | None = None,
        p_limit_kw: ArrayLike | None = None,
    ) -> EVSEState:
        """Decide the AC power of every charger for ``[time_s, time_s + step_s)``.

        Parameters
        ----------
        time_s : int
            Scenario time [s].
        plugged, e_need_kwh, p_max_kw, charger_idx : array_like (n_ev,)
            EV state (per EV): plugged flag, battery-side energy need [kWh], on-board
            charger AC limit [kW], charger used (-1: none).
        p_set_kw : array_like (n,), optional
            AC setpoint per charger [kW]; NaN or absent: uncontrolled (as fast as possible).
            Negative values are clipped to 0 (unidirectional chargers).
        p_limit_kw : array_like (n,), optional
            AC limit per charger [kW]; NaN or absent: no limit.

        Returns
        -------
        EVSEState
            ``p_kw``, ``q_kvar`` per charger and ``p_batt_kw`` per EV.
        """
        plugged_b = np.asarray(plugged).astype(bool)
        n_ev = plugged_b.size
        idx = np.asarray(charger_idx, dtype=np.int64).reshape(-1)
        ev_of = self._map_evs(time_s, plugged_b, idx)
        has_ev = ev_of >= 0
        need = np.zeros(self.n)
        need[has_ev] = np.asarray(e_need_kwh, dtype=float).reshape(-1)[ev_of[has_ev]]
        p_ev = np.zeros(self.n)
        p_ev[has_ev] = np.asarray(p_max_kw, dtype=float).reshape(-1)[ev_of[has_ev]]
        p = np.minimum(self._p_cap, p_ev)
        p = np.fmin(p, self._optional(p_limit_kw, "p_limit_kw"))
        p = np.fmin(p, np.maximum(self._optional(p_set_kw, "p_set_kw"), 0.0))
        eta = charge_efficiency(p, self._p_rated, self._eta)
        p = np.minimum(p, np.maximum(need, 0.0) / (eta * self.step_s / 3600.0))
        p_kw = np.where(has_ev, np.maximum(p, 0.0), 0.0)
        p_batt = np.zeros(n_ev)
        p_batt[ev_of[has_ev]] = p_kw[has_ev] * eta[has_ev]
        return EVSEState(
            time_s=int(time_s),
            p_kw=p_kw,
            q_kvar=np.zeros(self.n),
            p_batt_kw=p_batt,
            ev_of_charger=ev_of,
        )

    def _optional(self, value: ArrayLike | None, name: str) -> NDArray[np.float64]:
        """A per-charger array or all-NaN when the input is absent."""
        if value is None:
            return np.full(self.n, np.nan)
        arr = np.asarray(value, dtype=float)
        if arr.ndim == 0:
            return np.full(self.n, float(arr))
        if arr.shape != (self.n,):
            raise ModelError(
                f"evse: {name} has {arr.size} values for {self.n} chargers; send one per "
                "charger (NaN for no value)"
            )
        return arr

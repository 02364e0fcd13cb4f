"""Exact valley filling without an LP: water-filling best responses over EVs (Gauss–Seidel).

Valley filling schedules each EV ``i`` (AC power ``0 <= x_ik <= p_i`` in the steps
``k < W_i`` of its window, ``sum_k x_ik = d_i``) so that the total load
``L_k = bg_k + sum_i x_ik`` is as flat as possible. The aggregates ``x_k = sum_i x_ik``
that such schedules reach form the base polytope of a polymatroid (a bipartite flow from
EVs to steps), which has a *least majorized* element: one load profile that minimises
every symmetric separable convex cost ``sum_k f(L_k)`` at once — ``sum_k L_k**2``, the
peak ``max_k L_k``, and the convex piecewise-linear valley cost of the LP in
:mod:`controllers.aggregator.lp` alike [1]_. It is found here as the unique optimum of the
strictly convex ``sum_k L_k**2``, whose blocks (EVs) have separate constraints: block
coordinate descent, each EV in turn taking its exact best response to the others (pour
its energy into the valley of the others' load, a water level ``nu_i`` with
``x_ik = clip(nu_i - L_k + x_ik, 0, p_i)``), converges to it [2]_. A sweep that moves no
EV by more than ``tol_kw`` ends the iteration; started from the previous plan, one or two
sweeps usually suffice.

References
----------
.. [1] A. Tamir, "Least majorized elements and generalized polymatroids", Mathematics of
   Operations Research 20(3), 583–589, 1995.
.. [2] L. Gan, U. Topcu, S. H. Low, "Optimal decentralized protocol for electric vehicle
   charging", IEEE Transactions on Power Systems 28(2), 940–951, 2013.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from types import ModuleType

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "ValleyFillResult",
    "best_response_kw",
    "concentrate_first_step_kw",
    "valley_fill_kw",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def best_response_kw(base_kw: FloatArray, *, p_hi_kw: float, energy_kw_steps: float) -> FloatArray:
    """Fill ``energy_kw_steps`` into the valley of ``base_kw`` under a power limit [kW].

    Returns ``x_k = clip(nu - base_k, 0, p_hi)`` with ``sum_k x_k = energy`` (the water
    level ``nu`` found exactly from the sorted breakpoints), which minimises
    ``sum_k (base_k + x_k)**2``; the energy is clipped to ``[0, p_hi * K]``.

    Parameters
    ----------
    base_kw : ndarray (K,)
        Load of everything else in the steps the EV may use [kW].
    p_hi_kw : float
        AC power limit [kW].
    energy_kw_steps : float
        Energy to place, as AC power times steps [kW * step].

    Examples
    --------
    >>> best_response_kw(np.array([3.0, 1.0, 2.0]), p_hi_kw=5.0, energy_kw_steps=3.0).tolist()
    [0.0, 2.0, 1.0]
    """
    out = np.empty(base_kw.size)
    _kernels().best_response(
        _floats(base_kw), out.size, float(p_hi_kw), float(energy_kw_steps), out
    )
    return out


@dataclass(frozen=True)
class ValleyFillResult:
    """Schedules of :func:`valley_fill_kw`.

    Parameters
    ----------
    p_kw : ndarray (m, H)
        AC power per EV and step [kW]; 0 outside each window.
    sweeps : int
        Gauss–Seidel sweeps done.
    converged : bool
        The last sweep moved no EV by more than the tolerance.
    """

    p_kw: FloatArray
    sweeps: int
    converged: bool


def valley_fill_kw(
    bg_kw: FloatArray,
    window: IntArray,
    p_hi_kw: FloatArray,
    *,
    energy_kw_steps: FloatArray,
    warm_kw: FloatArray | None = None,
    tol_kw: float = 1e-6,
    max_sweeps: int = 200,
) -> ValleyFillResult:
    """Schedules that make ``bg + sum_i x_i`` as flat as possible (least majorized).

    Parameters
    ----------
    bg_kw : ndarray (H,)
        Background load per step [kW].
    window : ndarray of int (m,)
        Steps each EV may use, ``0 <= W_i <= H``.
    p_hi_kw : ndarray (m,)
        AC power limit [kW].
    energy_kw_steps : ndarray (m,)
        Energy each EV must take, as AC power times steps [kW * step] (``<= p_hi * W``).
    warm_kw : ndarray (m, H), optional
        Start from these schedules (any values; each EV's first best response replaces
        its row). EVs are visited in row order: put the changed ones first.
    tol_kw : float
        Stop after a sweep that changes no schedule by more than this [kW].
    max_sweeps : int
        Most sweeps; the result is feasible after the first one.

    Returns
    -------
    ValleyFillResult
        Schedules, sweeps done and whether they converged.

    Examples
    --------
    >>> r = valley_fill_kw(np.array([2.0, 0.0, 1.0]), np.array([3, 2]), np.array([2.0, 2.0]),
    ...                    energy_kw_steps=np.array([2.0, 1.0]))
    >>> (np.array([2.0, 0.0, 1.0]) + r.p_kw.sum(axis=0)).round(6).tolist()
    [2.0, 2.0, 2.0]
    """
    m, horizon = window.size, bg_kw.size
    x = np.zeros((m, horizon)) if warm_kw is None else np.array(warm_kw, dtype=float, order="C")
    x[np.arange(horizon)[None, :] >= window[:, None]] = 0.0
    load = bg_kw + x.sum(axis=0)
    # an EV with nothing to place whose schedule is zero keeps it: its best response is
    # zero and leaves the load as it is (``load - 0 + 0``)
    idle = (energy_kw_steps <= 0.0) | (p_hi_kw <= 0.0)
    if idle.any():
        idle &= ~x.any(axis=1)
    visit = np.flatnonzero(~idle & (window > 0))
    sweeps, converged = _kernels().sweeps(
        x, load, _steps(window, horizon), _floats(p_hi_kw),
        _floats(energy_kw_steps), visit, float(tol_kw), int(max_sweeps),
    )  # fmt: skip
    return ValleyFillResult(p_kw=x, sweeps=int(sweeps), converged=bool(converged))


def concentrate_first_step_kw(
    p_kw: FloatArray,
    window: IntArray,
    p_hi_kw: FloatArray,
    *,
    tol_kw: float = 1e-6,
    in_place: bool = False,
) -> FloatArray:
    """Same totals per EV and per step, but step 0 at full power or off where it can be.

    Valley filling fixes the total per step, not who delivers it. Spread thinly, a step's
    total would reach chargers as many small setpoints, each raised to the charger's
    minimum power (6 A) on the way: far more than planned. The EVs planned part-load now
    are set, highest first, to full power until the step's total is reached (the rest
    off); each later step, in turn, then hands back what this moved: the EVs that now
    take more give up power there, the ones that now take less take it, as far as the
    power limits and windows allow (what cannot be handed back stays in step 0). Every
    EV's energy and every step's total stay as they were (the aggregate stays optimal);
    only the split changes.

    Parameters
    ----------
    p_kw : ndarray (m, H)
        Feasible schedules [kW] (0 outside each window).
    window : ndarray of int (m,)
        Steps each EV may use.
    p_hi_kw : ndarray (m,)
        AC power limit [kW].
    tol_kw : float
        Power below which an entry counts as 0 or full [kW].
    in_place : bool
        Exchange in ``p_kw`` itself (a float64 array) instead of a copy.

    Returns
    -------
    ndarray (m, H)
        The exchanged schedules (``p_kw`` itself when ``in_place``, else a copy).

    Examples
    --------
    >>> concentrate_first_step_kw(np.array([[1.0, 1.0], [1.0, 1.0]]), np.array([2, 2]),
    ...                           np.array([2.0, 2.0])).tolist()
    [[2.0, 0.0], [0.0, 2.0]]
    """
    x = p_kw if in_place else np.array(p_kw, dtype=float)
    if x.shape[1] < 2:
        return x
    first = x[:, 0]
    frac = ((first > tol_kw) & (first < p_hi_kw - tol_kw)).nonzero()[0]
    if frac.size < 2:
        return x
    order = frac[(-first[frac]).argsort(kind="stable")]
    _kernels().concentrate(x, order, _steps(window, x.shape[1]), _floats(p_hi_kw), float(tol_kw))
    return x


def _floats(values: FloatArray) -> FloatArray:
    return np.ascontiguousarray(values, dtype=np.float64)


def _steps(window: IntArray, horizon: int) -> IntArray:
    """Windows as the compiled loops index them: int64, at most ``horizon``."""
    return np.minimum(window, horizon).astype(np.int64, copy=False)


@functools.cache
def _kernels() -> ModuleType:
    """The compiled loops, imported on first use (numba takes ~0.5 s to import)."""
    from controllers.aggregator import water_fill_kernels

    return water_fill_kernels

"""The fleet scheduling LP: sparse, built vectorised, solved with HiGHS (scipy ``linprog``).

Variables, for every scheduled EV ``i`` and step ``k`` of its window ``k < W_i``:

- ``c_ik`` in ``[0, p_hi_i]`` AC charging power [kW];
- ``g_ik`` in ``[0, p_hi_i]`` AC discharging power [kW] (only EVs allowed to do V2G);
- ``e_ik`` battery energy added since now, after step ``k`` [kWh], bounded by
  ``[e_lo_i, e_hi_i]`` (``e_lo = -(soc - soc_min) * capacity``: never below the V2G floor;
  ``e_hi = need``: never above the target, which the charger would refuse anyway);
- ``s_i >= 0`` shortfall at the end of the window [kWh], priced at ``penalty_eur_kwh`` so
  the LP stays feasible when a fleet power cap makes some need unreachable;
- valley filling only: ``u_kj`` segments of a convex piecewise-linear cost of the total load.

Constraints: energy balance ``e_ik = e_i,k-1 + eta_i dt c_ik - dt g_ik / eta_i`` (the same
efficiency both ways), terminal need ``e_i,W-1 + s_i >= need_req_i``, optional fleet cap
``sum_i (c_ik - g_ik) <= cap_k`` and, for valley filling,
``sum_i (c_ik - g_ik) - sum_j u_kj <= level_0 - bg_k``.

Objective: ``sum price_k dt (c - g) + wear dt g`` [EUR/MWh * kWh] plus a tie-break that
prefers earlier charging among equal prices, plus the shortfall penalty and the valley cost.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    import scipy.sparse as sp

__all__ = ["TIE_EUR_MWH", "ScheduleProblem", "ScheduleResult", "ValleyTerms", "solve_schedule"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: tie-break cost per step index [EUR/MWh]: earliest charging among equal prices
TIE_EUR_MWH = 1e-3


@dataclass(frozen=True)
class ValleyTerms:
    """Convex piecewise-linear cost of the total load (valley filling).

    Parameters
    ----------
    bg_kw : ndarray (H,)
        Forecast net background load per step [kW].
    level_kw : ndarray (J + 1,)
        Increasing breakpoints of the total load [kW]; the cost slope between breakpoints
        ``j`` and ``j + 1`` is ``j + 1`` and above the last one ``J + 1`` (times ``slope``).
    slope : float
        Cost per kW per step of the first segment [EUR/MWh * kWh units].
    """

    bg_kw: FloatArray
    level_kw: FloatArray
    slope: float = 1.0


@dataclass(frozen=True)
class ScheduleProblem:
    """One scheduling problem over ``m`` EVs and ``H`` steps (arrays have shape (m,)).

    Parameters
    ----------
    price_eur_mwh : ndarray (H,)
        Energy price per step [EUR/MWh].
    window : ndarray of int
        Steps each EV may use, ``1 <= W_i <= H``.
    p_hi_kw, eta : ndarray
        AC power limit [kW] and efficiency [-].
    need_req_kwh : ndarray
        Battery energy required by the end of the window [kWh].
    e_hi_kwh, e_lo_kwh : ndarray
        Upper (>= need_req) and lower (<= 0) bound of the added battery energy [kWh].
    v2g : ndarray of bool
        EV may discharge.
    dt_h : float
        Step length [h].
    cap_kw : ndarray (H,), optional
        Fleet limit on the net AC power per step [kW].
    valley : ValleyTerms, optional
        Valley-filling cost; ``None`` for pure cost minimisation.
    wear_eur_mwh : float
        Cost per MWh discharged (battery wear) [EUR/MWh].
    penalty_eur_kwh : float
        Cost of a kWh short at the end of the window [EUR/MWh * kWh units].
    """

    price_eur_mwh: FloatArray
    window: IntArray
    p_hi_kw: FloatArray
    eta: FloatArray
    need_req_kwh: FloatArray
    e_hi_kwh: FloatArray
    e_lo_kwh: FloatArray
    v2g: NDArray[np.bool_]
    dt_h: float
    cap_kw: FloatArray | None = None
    valley: ValleyTerms | None = None
    wear_eur_mwh: float = 0.0
    penalty_eur_kwh: float = 1e6


@dataclass(frozen=True)
class ScheduleResult:
    """Solution of a :class:`ScheduleProblem`.

    Parameters
    ----------
    p_kw : ndarray (m, H)
        Net AC power per EV and step [kW] (< 0: discharge); 0 outside each window.
    shortfall_kwh : ndarray (m,)
        Need the LP could not meet by the end of the window [kWh].
    solve_ms : float
        Wall time of building and solving [ms].
    ok : bool
        HiGHS reported an optimal solution.
    message : str
        HiGHS status message.
    objective : float
        Objective value (price, wear, tie-break, shortfall penalty and valley cost; NaN
        when unknown).
    """

    p_kw: FloatArray
    shortfall_kwh: FloatArray
    solve_ms: float
    ok: bool
    message: str
    objective: float = float("nan")


@dataclass(frozen=True)
class _Index:
    """Flat variable indices of the (EV, step) pairs."""

    ev: IntArray  # EV of every (i, k) pair, shape (nc,)
    k: IntArray  # step of every pair
    first: IntArray  # flat index of (i, 0), shape (m,)
    last: IntArray  # flat index of (i, W_i - 1)
    g_pair: IntArray  # pair index of every discharge variable


def _index(window: IntArray, v2g: NDArray[np.bool_]) -> _Index:
    m = window.size
    first = np.concatenate(([0], np.cumsum(window)[:-1])).astype(np.int64)
    ev = np.repeat(np.arange(m, dtype=np.int64), window)
    k = np.arange(ev.size, dtype=np.int64) - first[ev]
    return _Index(ev=ev, k=k, first=first, last=first + window - 1, g_pair=np.flatnonzero(v2g[ev]))


def _aggregate_rows(idx: _Index, horizon: int, n_var: int, ng_off: int) -> sp.csr_array:
    """(H, n_var) matrix of the fleet's net AC power per step: +c, -g."""
    import scipy.sparse as sp

    nc, ng = idx.ev.size, idx.g_pair.size
    rows = np.concatenate((idx.k, idx.k[idx.g_pair]))
    cols = np.concatenate((np.arange(nc), ng_off + np.arange(ng)))
    vals = np.concatenate((np.ones(nc), -np.ones(ng)))
    return sp.csr_array((vals, (rows, cols)), shape=(horizon, n_var))


@dataclass(frozen=True)
class _Layout:
    """Offsets of the variable blocks ``c | g | e | s | u`` in the LP's variable vector."""

    nc: int  # number of (EV, step) pairs: c and e variables
    o_g: int  # first discharge variable
    o_e: int  # first energy variable
    o_s: int  # first shortfall variable
    o_u: int  # first valley segment variable
    n_var: int  # all variables, the u included


def _layout(idx: _Index, n_u: int) -> _Layout:
    """Variable offsets for the pairs of ``idx`` and ``n_u`` valley segment variables."""
    nc, ng, m = idx.ev.size, idx.g_pair.size, idx.first.size
    o_g, o_e, o_s = nc, nc + ng, 2 * nc + ng
    o_u = o_s + m
    return _Layout(nc=nc, o_g=o_g, o_e=o_e, o_s=o_s, o_u=o_u, n_var=o_u + n_u)


def solve_schedule(prob: ScheduleProblem) -> ScheduleResult:
    """Build the sparse LP of ``prob`` and solve it with HiGHS.

    Returns
    -------
    ScheduleResult
        Net power per EV and step; on a solver failure ``ok`` is False and ``p_kw`` zero.
    """
    # scipy's sparse matrices and optimiser (~0.3-0.7 s to import) only when an LP is solved:
    # policies that never build one (uncontrolled, ToU, per-EV cost-min) start without them
    from scipy.optimize import linprog

    t0 = time.perf_counter()
    horizon, m = prob.price_eur_mwh.size, prob.window.size
    if m == 0:
        return ScheduleResult(np.zeros((0, horizon)), np.zeros(0), 0.0, ok=True, message="empty")
    idx = _index(prob.window, prob.v2g)
    lay = _layout(idx, 0 if prob.valley is None else horizon * prob.valley.level_kw.size)
    a_eq = _balance_rows(prob, idx, lay=lay)
    cost, lb, ub = _costs_and_bounds(prob, idx, lay=lay)
    a_ub, b_ub = _inequality_rows(prob, idx, lay=lay, cost=cost, ub=ub)
    res = linprog(
        cost,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=np.zeros(lay.nc),
        bounds=np.column_stack((lb, ub)),
        method="highs",
    )
    p = np.zeros((m, horizon))
    short = np.zeros(m)
    objective = float("nan")
    if res.status == 0:
        p, short, objective = _solution(prob, idx, lay=lay, x=res.x, fun=float(res.fun))
    ms = (time.perf_counter() - t0) * 1e3
    return ScheduleResult(
        p_kw=p,
        shortfall_kwh=short,
        solve_ms=ms,
        ok=res.status == 0,
        message=str(res.message),
        objective=objective,
    )


def _balance_rows(prob: ScheduleProblem, idx: _Index, *, lay: _Layout) -> sp.csr_array:
    """(nc, n_var) equality rows of the energy balance of every (EV, step) pair."""
    import scipy.sparse as sp

    nc, dt = lay.nc, prob.dt_h
    eta = prob.eta[idx.ev]
    # energy balance: e_r - e_(r-1) - eta dt c_r + dt/eta g = 0 (e_(-1) = 0 at each window start)
    r = np.arange(nc)
    prev = r[idx.k > 0]
    gp = idx.g_pair
    eq_rows = np.concatenate((r, prev, r, gp))
    eq_cols = np.concatenate((lay.o_e + r, lay.o_e + prev - 1, r, lay.o_g + np.arange(gp.size)))
    eq_vals = np.concatenate((np.ones(nc), -np.ones(prev.size), -eta * dt, dt / eta[gp]))
    return sp.csr_array((eq_vals, (eq_rows, eq_cols)), shape=(nc, lay.n_var))


def _costs_and_bounds(
    prob: ScheduleProblem, idx: _Index, *, lay: _Layout
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Objective coefficients and lower and upper bounds of every variable but the ``u``."""
    nc, o_g, o_e, o_s = lay.nc, lay.o_g, lay.o_e, lay.o_s
    dt, gp = prob.dt_h, idx.g_pair
    cost = np.zeros(lay.n_var)
    tie = TIE_EUR_MWH * dt * idx.k
    cost[:nc] = prob.price_eur_mwh[idx.k] * dt + tie
    cost[o_g:o_e] = (prob.wear_eur_mwh - prob.price_eur_mwh[idx.k[gp]]) * dt + tie[gp]
    cost[o_s : lay.o_u] = prob.penalty_eur_kwh
    lb = np.zeros(lay.n_var)
    ub = np.full(lay.n_var, np.inf)
    ub[:nc] = prob.p_hi_kw[idx.ev]
    ub[o_g:o_e] = prob.p_hi_kw[idx.ev[gp]]
    lb[o_e:o_s] = prob.e_lo_kwh[idx.ev]
    ub[o_e:o_s] = prob.e_hi_kwh[idx.ev]
    return cost, lb, ub


def _inequality_rows(
    prob: ScheduleProblem,
    idx: _Index,
    *,
    lay: _Layout,
    cost: FloatArray,
    ub: FloatArray,
) -> tuple[sp.csr_array, FloatArray]:
    """Rows and right-hand side of the terminal need, the fleet cap and the valley cost.

    Fills ``cost`` and ``ub`` of the ``u`` variables in place.
    """
    import scipy.sparse as sp

    horizon, m = prob.price_eur_mwh.size, prob.window.size
    # terminal need: -e_last - s <= -need_req
    ub_blocks = [
        sp.csr_array(
            (
                -np.ones(2 * m),
                (
                    np.tile(np.arange(m), 2),
                    np.concatenate((lay.o_e + idx.last, lay.o_s + np.arange(m))),
                ),
            ),
            shape=(m, lay.n_var),
        )
    ]
    ub_rhs = [-prob.need_req_kwh]
    agg = _aggregate_rows(idx, horizon, lay.n_var, lay.o_g)
    if prob.cap_kw is not None:
        ub_blocks.append(agg)
        ub_rhs.append(prob.cap_kw)
    if prob.valley is not None:
        block, rhs = _valley_rows(prob.valley, agg, lay.o_u, horizon, cost, ub)
        ub_blocks.append(block)
        ub_rhs.append(rhs)
    return sp.vstack(ub_blocks, format="csr"), np.concatenate(ub_rhs)


def _solution(
    prob: ScheduleProblem, idx: _Index, *, lay: _Layout, x: FloatArray, fun: float
) -> tuple[FloatArray, FloatArray, float]:
    """Net power per EV and step, shortfall per EV and objective of an optimal ``x``."""
    nc, o_g, o_e, o_s, o_u = lay.nc, lay.o_g, lay.o_e, lay.o_s, lay.o_u
    gp = idx.g_pair
    p = np.zeros((prob.window.size, prob.price_eur_mwh.size))
    p[idx.ev, idx.k] = x[:nc]
    np.subtract.at(p, (idx.ev[gp], idx.k[gp]), x[o_g:o_e])
    short = np.maximum(x[o_s:o_u], 0.0)
    # a shortfall of -1e-8 kWh (HiGHS's tolerance) would count -0.01 EUR at the penalty
    objective = fun + prob.penalty_eur_kwh * float(np.sum(short - x[o_s:o_u]))
    return p, short, objective


def _valley_rows(
    valley: ValleyTerms,
    agg: sp.csr_array,
    o_u: int,
    horizon: int,
    cost: FloatArray,
    ub: FloatArray,
) -> tuple[sp.csr_array, FloatArray]:
    """Rows ``net_k - sum_j u_kj <= level_0 - bg_k`` and the segment costs and widths.

    Fills ``cost`` and ``ub`` of the ``u`` variables in place.
    """
    import scipy.sparse as sp

    n_seg = valley.level_kw.size
    width = np.append(np.diff(valley.level_kw), np.inf)
    k = np.repeat(np.arange(horizon), n_seg)
    cols = o_u + np.arange(horizon * n_seg)
    cost[cols] = np.tile(np.arange(1, n_seg + 1, dtype=float), horizon) * valley.slope
    ub[cols] = np.tile(width, horizon)
    seg = sp.csr_array((-np.ones(cols.size), (k, cols)), shape=agg.shape)
    rhs = valley.level_kw[0] - valley.bg_kw
    return (agg + seg).tocsr(), rhs

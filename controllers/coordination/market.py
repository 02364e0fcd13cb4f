"""Common TSO–DSO market: both operators' needs cleared in one least-cost LP.

SmartNet's "common TSO-DSO market" scheme (Gerard, Rivero, Six, Utilities Policy 50 (2018))
restricted to one fleet and one step.

Cost model (rates in EUR/h; prices in EUR/MWh, powers in kW, hence 1/1000)::

    min  c_act·Σ_i (u_i + d_i) + c_F·(|F| − |f|) + c_D·Σ_z (|r_z| − |g_z|) + c_pen·Σ_z s_z

over per-charger increase ``u_i ∈ [0, p_up_i]`` and decrease ``d_i ∈ [0, p_down_i]``
(``adj = u − d``), served FCR ``f`` between 0 and the request ``F``, served DSO ``g_z``
between 0 and each zone's request ``r_z``, and overload slack ``s_z >= 0``, subject to

- balance: ``Σ_i adj_i = f + Σ_z g_z`` (each kW is served to one operator);
- the DSO meters its zone: ``Σ_{i∈z} adj_i <= g_z`` for a reduction request (``>=`` for an
  increase), so FCR moves that cancel the DSO's relief cannot count as DSO service;
- headroom (finite zones): ``Σ_{i∈z} adj_i − s_z <= max(headroom_z, 0)``; ``c_pen`` makes it
  a soft limit so the LP stays feasible when a zone's violation predates the dispatch.

``c_F``, ``c_D`` are the values of lost service (``fcr_value_eur_mwh``,
``dso_value_eur_mwh``), ``c_act`` the activation cost, ``c_pen`` the overload penalty. The
objective equals :func:`controllers.coordination.dispatch.dispatch_cost` (minus its
constant), so the LP's cost is at most that of any other dispatch in its feasible set.

The metering constraint means the market never moves a zone with a DSO award against that
award (in a common market the award is firm). A heuristic that does (TSO first or a green
zone under the traffic light lets FCR move a requesting zone the other way) lies outside
the LP's set and may then cost less than the LP by the cost model; with the default prices
and a congested zone (overload penalty above the value of FCR) it usually costs more.
Allowing such moves exactly would need one binary per zone (a MILP).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from cosim.errors import ModelError

from .dispatch import spread_dso
from .observation import CoordinationObservation

if TYPE_CHECKING:
    from scipy import sparse

__all__ = ["common_market"]

log = logging.getLogger(__name__)


def _zone_matrix(obs: CoordinationObservation) -> sparse.csr_matrix:
    """(Z, N) incidence matrix: 1 where charger i lies in zone z."""
    from scipy import sparse

    zc = obs.zone_of_charger
    cols = np.flatnonzero(zc >= 0)
    data = np.ones(cols.size)
    return sparse.csr_matrix((data, (zc[cols], cols)), shape=(obs.n_zone, obs.n_charger))


def common_market(
    obs: CoordinationObservation,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Least-cost adjustment per charger serving FCR and DSO requests together.

    Returns the FCR and DSO parts per charger [kW], each (N,); the DSO part of a zone is its
    served amount spread over the zone's chargers moving the requested way.

    >>> import numpy as np
    >>> o = CoordinationObservation(0, np.zeros(2), [4.0, 4.0], [4.0, 4.0], 3.0, [-2.0],
    ...                             [0, -1], [True, False], [-2.0])
    >>> [np.round(p, 6).tolist() for p in common_market(o)]  # FCR from the green one
    [[0.0, 3.0], [-2.0, 0.0]]
    """
    # imported when a market clears: scipy.optimize costs ~0.3 s
    from scipy.optimize import linprog

    finite = np.flatnonzero(np.isfinite(obs.headroom_kw))
    ns = finite.size
    # variable layout: u (n) | d (n) | f (1) | g (nz) | s (ns)
    a_ub, b_ub = _inequality_rows(obs, finite)
    res = linprog(
        _costs(obs, ns=ns),
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=_balance_row(obs, ns=ns),
        b_eq=[0.0],
        bounds=_bounds(obs, ns=ns),
        method="highs",
    )
    if res.status != 0:
        raise ModelError(
            f"common market LP failed at t={obs.time_s} s: {res.message} "
            "(check p_up_kw/p_down_kw >= 0 and finite requests)"
        )
    n, nz = obs.n_charger, obs.n_zone
    x = res.x
    adj = np.asarray(x[:n] - x[n : 2 * n], dtype=float)
    p_dso = spread_dso(obs, adj, np.asarray(x[2 * n + 1 : 2 * n + 1 + nz], dtype=float))
    return adj - p_dso, p_dso


def _costs(obs: CoordinationObservation, *, ns: int) -> NDArray[np.float64]:
    """Objective coefficients [EUR/MWh] of u, d, f, g and the ``ns`` overload slacks."""
    return np.concatenate(
        [
            np.full(2 * obs.n_charger, obs.activation_cost_eur_mwh),
            [-obs.fcr_value_eur_mwh * np.sign(obs.fcr_req_kw)],
            -obs.dso_value_eur_mwh * np.sign(obs.dso_req_kw),
            np.full(ns, obs.overload_penalty_eur_mwh),
        ]
    )


def _balance_row(obs: CoordinationObservation, *, ns: int) -> sparse.csr_matrix:
    """(1, n_var) equality row ``Σ_i (u_i − d_i) − f − Σ_z g_z = 0``."""
    from scipy import sparse

    n, nz = obs.n_charger, obs.n_zone
    a_eq = sparse.hstack(
        [
            sparse.csr_matrix(np.concatenate([np.ones(n), -np.ones(n), [-1.0], -np.ones(nz)])),
            sparse.csr_matrix((1, ns)),
        ]
    )
    return a_eq.tocsr()


def _inequality_rows(
    obs: CoordinationObservation, finite: NDArray[np.intp]
) -> tuple[sparse.csr_matrix | None, NDArray[np.float64] | None]:
    """Metering rows of the requesting zones and headroom rows of the ``finite`` zones.

    Returns the rows and their right-hand side, or ``(None, None)`` when there are none.
    """
    from scipy import sparse

    nz, r, h = obs.n_zone, obs.dso_req_kw, obs.headroom_kw
    ns = finite.size
    zm = _zone_matrix(obs)
    zone_adj = sparse.hstack([zm, -zm]).tocsr()
    rows, rhs = [], []
    req = np.flatnonzero(r != 0)
    if req.size:
        sgn = sparse.diags(np.sign(r[req]))
        g_sel = sparse.csr_matrix((np.ones(req.size), (np.arange(req.size), req)), (req.size, nz))
        rows.append(
            sparse.hstack(
                [
                    -sgn @ zone_adj[req],
                    sparse.csr_matrix((req.size, 1)),
                    sgn @ g_sel,
                    sparse.csr_matrix((req.size, ns)),
                ]
            )
        )
        rhs.append(np.zeros(req.size))
    if ns:
        rows.append(
            sparse.hstack([zone_adj[finite], sparse.csr_matrix((ns, 1 + nz)), -sparse.identity(ns)])
        )
        rhs.append(np.maximum(h[finite], 0.0))
    if not rows:
        return None, None
    return sparse.vstack(rows).tocsr(), np.concatenate(rhs)


def _bounds(obs: CoordinationObservation, *, ns: int) -> NDArray[np.float64]:
    """(n_var, 2) lower and upper bound of every variable [kW]."""
    F, r = obs.fcr_req_kw, obs.dso_req_kw
    return np.column_stack(  # (lower, upper) per variable, one array: no per-charger tuples
        [
            np.concatenate(
                [np.zeros(2 * obs.n_charger), [min(0.0, F)], np.fmin(r, 0.0), np.zeros(ns)]
            ),
            np.concatenate(
                [obs.p_up_kw, obs.p_down_kw, [max(0.0, F)], np.fmax(r, 0.0), np.full(ns, np.inf)]
            ),
        ]
    )

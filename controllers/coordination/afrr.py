"""aFRR in the coordinator: dispatched after FCR and the DSO, from what they leave.

aFRR is the slower product (full activation in 5 min against FCR's 30 s) and its band is
sold from the room FCR leaves (:mod:`controllers.aggregator.afrr`), so each step the scheme
first decides FCR and the DSO as it always has, then runs once more for the aFRR request on
the remaining flexibility:

- each charger keeps the capacity the first decision did not use in each direction,
  ``up − max(adj, 0)`` and ``down − max(−adj, 0)`` (a move is never reversed to make room,
  so the charger's total stays within ``[−down, up]``);
- each zone keeps the headroom the first decision left, ``headroom − Σ_z adj``;
- the scheme's own rules then apply to the aFRR request as to FCR (pro rata for TSO-first,
  the red zones' headroom for the traffic light, least cost for the common market), and a
  scheme that protects the DSO's requests (the traffic light in red zones, the common
  market everywhere: its awards are firm) never moves a requesting zone against it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .observation import EPS_KW, CoordinationObservation, per_charger, sign_of, zone_sum

__all__ = ["AFRRPass", "afrr_pass"]

Parts = tuple[NDArray[np.float64], NDArray[np.float64]]


@dataclass(frozen=True, slots=True)
class AFRRPass:
    """The aFRR part of one step's dispatch.

    Attributes
    ----------
    p_afrr_kw : array (N,)
        Adjustment per charger for aFRR [kW].
    served_kw : float
        aFRR delivered [kW], same sign as the request, at most its size.
    blocked_kw : float
        aFRR the remaining capacity could have delivered but the scheme did not [kW], >= 0.
    """

    p_afrr_kw: NDArray[np.float64]
    served_kw: float
    blocked_kw: float


def afrr_pass(
    obs: CoordinationObservation,
    scheme: Callable[[CoordinationObservation], Parts],
    p_adj_kw: NDArray[np.float64],
    *,
    protected_zones: NDArray[np.bool_],
) -> AFRRPass:
    """Dispatch ``obs.afrr_req_kw`` with ``scheme`` on what ``p_adj_kw`` leaves.

    Parameters
    ----------
    obs : CoordinationObservation
        The step as the scheme saw it.
    scheme : callable
        The scheme's policy (``obs -> (tso part, dso part)``); it sees the aFRR request as
        its TSO request, the remaining capacity and headroom, and no DSO request.
    p_adj_kw : array (N,)
        The FCR and DSO adjustment already decided [kW].
    protected_zones : array of bool (Z,)
        Zones whose DSO request aFRR may not oppose.

    Examples
    --------
    Two chargers with 4 kW up each; FCR already took 3 kW on the first:

    >>> from controllers.coordination.schemes import tso_first
    >>> o = CoordinationObservation(0, np.zeros(2), [4.0, 4.0], [4.0, 4.0], 3.0, [0.0],
    ...                             [0, 0], [False, False], [np.inf], afrr_req_kw=3.0)
    >>> a = afrr_pass(o, tso_first, np.array([3.0, 0.0]), protected_zones=np.zeros(1, bool))
    >>> a.p_afrr_kw.tolist(), a.served_kw, a.blocked_kw
    ([0.6, 2.4], 3.0, 0.0)
    """
    req = obs.afrr_req_kw
    s = sign_of(req)
    up = np.maximum(obs.p_up_kw - np.maximum(p_adj_kw, 0.0), 0.0)
    down = np.maximum(obs.p_down_kw - np.maximum(-p_adj_kw, 0.0), 0.0)
    deliverable = min(abs(req), float((up if s > 0 else down).sum()))
    opposed = protected_zones & (np.sign(obs.dso_req_kw) * s < 0)
    if opposed.any():
        keep = per_charger(obs, ~opposed) > 0
        keep |= obs.zone_of_charger < 0
        up, down = np.where(keep, up, 0.0), np.where(keep, down, 0.0)
    rest = obs.evolve(
        p_up_kw=up,
        p_down_kw=down,
        fcr_req_kw=req,
        dso_req_kw=np.zeros(obs.n_zone),
        headroom_kw=obs.headroom_kw - zone_sum(obs, p_adj_kw),
    )
    tso_part, dso_part = scheme(rest)
    p_afrr = tso_part + dso_part  # no DSO request: the whole move is aFRR
    served = s * min(abs(req), max(s * float(p_afrr.sum()), 0.0))
    blocked = max(0.0, deliverable - abs(served))
    return AFRRPass(p_afrr, served, blocked if blocked > EPS_KW else 0.0)

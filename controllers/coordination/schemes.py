"""DSO–TSO coordination schemes: pure ``resolve(observation, scheme) -> Dispatch``.

Three schemes after SmartNet (Gerard, Rivero, Six, Utilities Policy 50 (2018)), reviewed in
Gonzalez Venegas et al., RSER 145 (2021) 111060, §5.2.2:

- ``tso_first``: the FCR request is spread over all chargers pro rata to their available
  up/down capacity, ignoring the DSO; DSO requests get what is left (a zone whose chargers
  already move against its request for FCR gets nothing, since any DSO action there would
  first cancel delivered FCR).
- ``traffic_light`` (DSO first): DSO requests in red zones (a charger behind a congested
  element) are served first; FCR increases in a red zone are limited to the zone's headroom
  (after the DSO's relief), FCR moves against a red zone's request are blocked, and red
  chargers in no zone take no increase. The blocked part is re-dispatched to the other
  chargers; what they cannot take is not delivered (``fcr_blocked_kw``). Green zones' DSO
  requests come after FCR, as in ``tso_first``.
- ``common_market``: one LP clears both needs at least total cost
  (:mod:`controllers.coordination.market`).

Every scheme proposes FCR and DSO parts per charger; served amounts come from the shared accounting
(:func:`controllers.coordination.dispatch.account`) and conflicts from the
scheme-independent :func:`controllers.coordination.conflicts.detect`, given the FCR the
same scheme serves without the DSO's requests (solved again only when a DSO change opposes
an FCR request that falls short).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from . import conflict_kernels, share_kernels
from .afrr import afrr_pass
from .choices import Scheme
from .conflicts import detect, tso_aggravates_only
from .dispatch import Dispatch, account, first_dispatch
from .market import common_market
from .observation import (
    EPS_KW,
    CoordinationObservation,
    capacity_towards,
    per_charger,
    sign_of,
    zone_sum,
)

__all__ = [
    "SCHEMES",
    "Scheme",
    "accounted",
    "resolve",
    "scheme_from_name",
    "traffic_light",
    "tso_first",
]

Parts = tuple[NDArray[np.float64], NDArray[np.float64]]
SchemeFn = Callable[[CoordinationObservation], Parts]


def _dir_cap(
    obs: CoordinationObservation, sign: NDArray[np.float64] | float
) -> NDArray[np.float64]:
    """Capacity of each charger in direction ``sign`` (>0 up, <0 down, 0 none) [kW]."""
    if isinstance(sign, float | int) or np.ndim(sign) == 0:  # one direction for every charger
        return capacity_towards(obs, float(sign)).copy()  # type: ignore[arg-type]
    sign = np.asarray(sign, dtype=float)
    if sign.shape != obs.p_up_kw.shape:
        sign = np.broadcast_to(sign, obs.p_up_kw.shape)
    return np.where(sign > 0, obs.p_up_kw, np.where(sign < 0, obs.p_down_kw, 0.0))


def _pro_rata(amount_kw: float, cap_kw: NDArray[np.float64]) -> NDArray[np.float64]:
    """Share ``amount_kw`` pro rata to ``cap_kw`` (capacities within the tolerance take none)."""
    return share_kernels.pro_rata(float(amount_kw), cap_kw)


def _capped_pro_rata(
    amount_kw: float,
    cap_kw: NDArray[np.float64],
    zone: NDArray[np.int64],
    zone_cap_kw: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Share ``amount_kw`` pro rata to ``cap_kw``, no zone taking more than its cap.

    A zone that would exceed its cap is filled to it and the rest re-dispatched to the
    others (water filling); each pass fixes at least one zone.

    >>> import numpy as np
    >>> _capped_pro_rata(6.0, np.full(3, 4.0), np.array([0, 1, 1]),
    ...                  np.array([1.0, np.inf])).tolist()
    [1.0, 2.5, 2.5]
    """
    return share_kernels.capped_pro_rata(
        float(amount_kw),
        np.asarray(cap_kw, dtype=float),
        np.asarray(zone, dtype=np.int64),
        np.asarray(zone_cap_kw, dtype=float),
    )


def _serve_dso(
    obs: CoordinationObservation, p_now_kw: NDArray[np.float64], zones: NDArray[np.bool_]
) -> NDArray[np.float64]:
    """DSO adjustments in ``zones`` from the capacity ``p_now_kw`` leaves, pro rata."""
    r = obs.dso_req_kw
    if not np.count_nonzero(r):  # no request: nothing to serve (the common case)
        return np.zeros(obs.n_charger)
    share_z = zone_sum(obs, p_now_kw)
    usable = zones & (r != 0) & ~(np.sign(share_z) * np.sign(r) < 0)
    if not np.count_nonzero(usable):
        return np.zeros(obs.n_charger)
    dir_c = per_charger(obs, np.where(usable, np.sign(r), 0.0))
    left = np.maximum(_dir_cap(obs, dir_c) - np.maximum(dir_c * p_now_kw, 0.0), 0.0)
    left_z = zone_sum(obs, left)
    frac_z = np.minimum(
        1.0, np.divide(np.abs(r), left_z, out=np.zeros_like(r), where=left_z > EPS_KW)
    )
    return dir_c * left * per_charger(obs, frac_z)


def tso_first(obs: CoordinationObservation) -> Parts:
    """TSO first: FCR pro rata over every charger, then the DSO with what is left.

    Returns the FCR and DSO parts of the adjustment per charger [kW], each (N,).

    >>> import numpy as np
    >>> o = CoordinationObservation(0, np.zeros(2), [4.0, 4.0], [4.0, 4.0], 6.0, [-2.0],
    ...                             [0, -1], [True, False], [-1.0])
    >>> [p.tolist() for p in tso_first(o)]  # zone 0 moves up for FCR: no DSO part there
    [[3.0, 3.0], [0.0, 0.0]]
    """
    s = sign_of(obs.fcr_req_kw)
    cap = _dir_cap(obs, s)
    total = float(cap.sum())
    frac = min(1.0, abs(obs.fcr_req_kw) / total) if total > 0 else 0.0
    p_fcr = s * cap * frac
    return p_fcr, _serve_dso(obs, p_fcr, np.ones(obs.n_zone, dtype=bool))


def _red_zones(obs: CoordinationObservation) -> NDArray[np.bool_]:
    zc, red = obs.zone_of_charger, obs.congested_mask
    if not np.count_nonzero(red):  # no red charger (the common case): no red zone
        return np.zeros(obs.n_zone, dtype=bool)
    sel = red & (zc >= 0)
    return np.bincount(zc[sel], minlength=obs.n_zone) > 0


def _limits_nothing(obs: CoordinationObservation, s: float) -> bool:
    """The traffic light has nothing to limit (the common case): no DSO request, and no red
    zone or no FCR increase (``s``, the request's sign) for one to limit. No zone is capped
    and the DSO gets nothing, so FCR is one pro-rata pass over every charger."""
    return not np.count_nonzero(obs.dso_req_kw) and (
        s <= 0 or not np.count_nonzero(obs.congested_mask)
    )


def traffic_light(obs: CoordinationObservation) -> Parts:
    """DSO first in red zones, FCR limited there by the headroom and re-dispatched.

    Returns the FCR and DSO parts of the adjustment per charger [kW], each (N,).

    >>> import numpy as np
    >>> o = CoordinationObservation(0, np.zeros(2), [4.0, 4.0], [4.0, 4.0], 6.0, [0.0],
    ...                             [0, -1], [True, False], [1.0])
    >>> traffic_light(o)[0].tolist()  # the red zone takes 1 kW, the green charger the rest
    [1.0, 4.0]
    """
    s = sign_of(obs.fcr_req_kw)
    if _limits_nothing(obs, s):
        return s * _pro_rata(abs(obs.fcr_req_kw), capacity_towards(obs, s)), np.zeros(obs.n_charger)
    red_z = _red_zones(obs)
    p_first = _serve_dso(obs, np.zeros(obs.n_charger), red_z)
    cap = _dir_cap(obs, s)  # a copy
    if np.count_nonzero(p_first):  # the DSO took some of it first
        cap = np.maximum(cap - np.maximum(s * p_first, 0.0), 0.0)
    zone_cap = np.full(obs.n_zone, np.inf)
    if np.count_nonzero(obs.congested_mask):  # else no red zone and no red charger
        if s > 0:
            room = obs.headroom_kw - zone_sum(obs, p_first)
            zone_cap[red_z] = np.maximum(room[red_z], 0.0)
            cap[obs.congested_mask & (obs.zone_of_charger < 0)] = 0.0
        zone_cap[red_z & (np.sign(obs.dso_req_kw) * s < 0)] = 0.0
    p_fcr = s * _capped_pro_rata(abs(obs.fcr_req_kw), cap, obs.zone_of_charger, zone_cap)
    p_now = p_first + p_fcr
    return p_fcr, p_first + _serve_dso(obs, p_now, ~red_z)


#: each scheme's name, read once (an enum's ``.value`` is a property call)
_NAMES = {sch: sch.value for sch in Scheme}

#: the registry: scheme -> policy deciding the per-charger adjustment
SCHEMES: dict[Scheme, SchemeFn] = {
    Scheme.TSO_FIRST: tso_first,
    Scheme.TRAFFIC_LIGHT: traffic_light,
    Scheme.COMMON_MARKET: common_market,
}


def scheme_from_name(name: str | Scheme) -> Scheme:
    """The :class:`Scheme` called ``name``; an unknown name lists the valid ones.

    >>> scheme_from_name("traffic_light") is Scheme.TRAFFIC_LIGHT
    True
    """
    try:
        return Scheme(name)
    except ValueError as err:
        valid = [s.value for s in Scheme]
        raise ValueError(f"unknown coordination scheme {name!r}; valid: {valid}") from err


def resolve(
    obs: CoordinationObservation,
    scheme: Scheme | str,
    *,
    true_headroom_kw: NDArray[np.float64] | None = None,
) -> Dispatch:
    """Decide one step with ``scheme``, account who was served and detect conflicts.

    Parameters
    ----------
    obs : CoordinationObservation
        The step's fleet availability, TSO and DSO requests and DSO constraints, as the
        scheme sees them (its ``headroom_kw`` may be a forecast).
    scheme : Scheme or str
        ``tso_first``, ``traffic_light`` or ``common_market``.
    true_headroom_kw : array (Z,) or None
        The headroom conflicts are judged on (what the step really leaves); None: the one
        the scheme saw.

    Returns
    -------
    Dispatch
        ``fcr_blocked_kw`` is the FCR the fleet had capacity for but did not deliver:
        ``max(0, min(|F|, Σ cap in F's direction) − |f|)``. An aFRR request is dispatched
        after FCR and the DSO on what they leave (:mod:`controllers.coordination.afrr`).
    """
    sch = scheme if isinstance(scheme, Scheme) else scheme_from_name(scheme)
    judged = _judged(obs, true_headroom_kw)
    if (
        sch is Scheme.TRAFFIC_LIGHT
        and obs.afrr_req_kw == 0.0
        and _limits_nothing(obs, sign_of(obs.fcr_req_kw))
    ):
        return _fcr_only(obs, judged)
    dispatch = _first_pass(obs, sch)
    alone = _fcr_without_dso(obs, sch, dispatch)
    afrr_alone = None
    if obs.afrr_req_kw != 0.0:
        dispatch = _with_afrr(obs, sch, dispatch)
        afrr_alone = _afrr_without_dso(obs, sch, dispatch)
    conflicts = detect(judged, dispatch, fcr_alone_kw=alone, afrr_alone_kw=afrr_alone)
    return replace(dispatch, conflicts=conflicts) if conflicts else dispatch


def _judged(
    obs: CoordinationObservation, true_headroom_kw: NDArray[np.float64] | None
) -> CoordinationObservation:
    """The observation conflicts are judged on: ``obs`` with the true headroom."""
    if true_headroom_kw is None or true_headroom_kw is obs.headroom_kw:
        return obs
    true = np.asarray(true_headroom_kw, dtype=float).reshape(-1)
    if true.size != obs.n_zone:
        raise ValueError(f"true_headroom_kw has {true.size} zones, the observation {obs.n_zone}")
    return obs.evolve(headroom_kw=true)


def _fcr_only(obs: CoordinationObservation, judged: CoordinationObservation) -> Dispatch:
    """:func:`resolve` of a traffic-light step the light limits nothing in, without aFRR
    (most steps): FCR pro rata, accounted, and its conflict check in one compiled call.
    Without a DSO request nobody counteracts FCR and nothing is claimed twice; FCR's served
    amount is all there is, so the counterfactual without the DSO is not needed."""
    req = obs.fcr_req_kw
    s = sign_of(req)
    p_fcr, p_adj, f, cap_kw, beyond, loaded, p_dso, dso_served = conflict_kernels.fcr_only_judged(
        s,
        float(abs(req)),
        capacity_towards(obs, s),
        judged.zone_of_charger,
        judged.dso_req_kw,
        judged.headroom_kw,
    )
    dispatch = accounted(req, Scheme.TRAFFIC_LIGHT, p_adj, p_fcr, p_dso, f, dso_served, cap_kw)
    conflicts = tso_aggravates_only(judged, p_fcr, beyond if loaded else None)
    return replace(dispatch, conflicts=conflicts) if conflicts else dispatch


def _first_pass(obs: CoordinationObservation, sch: Scheme) -> Dispatch:
    """FCR and the DSO's requests as ``sch`` decides them, accounted."""
    req = obs.fcr_req_kw
    s = sign_of(req)
    if sch is Scheme.TRAFFIC_LIGHT and _limits_nothing(obs, s):
        # the traffic light's parts and the unrequested accounting below, in one call
        p_fcr, p_adj, f, cap_kw = share_kernels.fcr_only_pass(
            s, float(abs(req)), capacity_towards(obs, s)
        )
        return accounted(
            req, sch, p_adj, p_fcr, np.zeros(p_adj.size), f, np.zeros(obs.n_zone), cap_kw
        )
    fcr_part, dso_part = SCHEMES[sch](obs)
    cap = capacity_towards(obs, req)
    fcr_part = np.ascontiguousarray(fcr_part, dtype=float)
    dso_part = np.ascontiguousarray(dso_part, dtype=float)
    if fcr_part.shape == dso_part.shape == cap.shape and not np.count_nonzero(obs.dso_req_kw):
        # no DSO request (most steps): what account and the sums below make of it, in one call
        p_fcr, p_adj = np.empty(cap.size), np.empty(cap.size)
        f, cap_kw = share_kernels.account_unrequested(fcr_part, dso_part, cap, p_fcr, p_adj)
        g, p_dso = np.zeros(obs.n_zone), np.zeros(cap.size)
    else:
        f, g, p_fcr, p_dso = account(obs, fcr_part, dso_part)
        p_adj = p_fcr + p_dso
        cap_kw = float(cap.sum())
    return accounted(req, sch, p_adj, p_fcr, p_dso, f, g, cap_kw)


def accounted(
    fcr_req_kw: float,
    sch: Scheme,
    p_adj: NDArray[np.float64],
    p_fcr: NDArray[np.float64],
    p_dso: NDArray[np.float64],
    f: float,
    g: NDArray[np.float64],
    cap_kw: float,
) -> Dispatch:
    """The first pass's dispatch: its parts, with the FCR the fleet had capacity for
    (``cap_kw`` towards the request ``fcr_req_kw``) but did not deliver."""
    deliverable = min(abs(fcr_req_kw), cap_kw)
    blocked = max(0.0, deliverable - abs(f))
    blocked = blocked if blocked > EPS_KW else 0.0
    return first_dispatch(p_adj, p_fcr, p_dso, f, g, blocked, _NAMES[sch])


def _protected_zones(obs: CoordinationObservation, sch: Scheme) -> NDArray[np.bool_]:
    """Zones whose DSO request aFRR may not move against: the traffic light's red zones,
    every requesting zone in the common market (its awards are firm), none for TSO-first."""
    if sch is Scheme.TRAFFIC_LIGHT:
        return _red_zones(obs)
    return np.full(obs.n_zone, sch is Scheme.COMMON_MARKET)


def _with_afrr(obs: CoordinationObservation, sch: Scheme, first: Dispatch) -> Dispatch:
    """``first`` with the aFRR request dispatched on what it leaves."""
    a = afrr_pass(obs, SCHEMES[sch], first.p_adj_kw, protected_zones=_protected_zones(obs, sch))
    return replace(
        first,
        p_adj_kw=first.p_adj_kw + a.p_afrr_kw,
        p_afrr_kw=a.p_afrr_kw,
        afrr_served_kw=a.served_kw,
        afrr_blocked_kw=a.blocked_kw,
    )


def _afrr_without_dso(obs: CoordinationObservation, sch: Scheme, dispatch: Dispatch) -> float:
    """aFRR served [kW] by ``sch`` in the same step without the DSO's requests (solved only
    when a DSO change opposes an aFRR request that falls short, as for FCR)."""
    s = sign_of(obs.afrr_req_kw)
    opposing = bool(np.any(-s * dispatch.dso_served_kw > EPS_KW))
    if not opposing or abs(dispatch.afrr_served_kw) >= abs(obs.afrr_req_kw) - EPS_KW:
        return dispatch.afrr_served_kw
    alone = obs.evolve(dso_req_kw=np.zeros(obs.n_zone))
    return _with_afrr(alone, sch, _first_pass(alone, sch)).afrr_served_kw


def _fcr_without_dso(obs: CoordinationObservation, sch: Scheme, dispatch: Dispatch) -> float:
    """FCR served [kW] by ``sch`` in the same step without the DSO's requests.

    Solved only when a DSO change opposes an FCR request that is not fully served (else
    the DSO cannot have cost the TSO anything and the served FCR is returned as is).
    """
    if not np.count_nonzero(dispatch.dso_served_kw):  # no DSO change: nothing opposes
        return dispatch.fcr_served_kw
    s = sign_of(obs.fcr_req_kw)
    opposing = bool(np.any(-s * dispatch.dso_served_kw > EPS_KW))
    if not opposing or abs(dispatch.fcr_served_kw) >= abs(obs.fcr_req_kw) - EPS_KW:
        return dispatch.fcr_served_kw
    alone = obs.evolve(dso_req_kw=np.zeros(obs.n_zone))
    fcr_part, dso_part = SCHEMES[sch](alone)
    return account(alone, fcr_part, dso_part)[0]

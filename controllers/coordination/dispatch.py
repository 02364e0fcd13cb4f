"""What a DSO–TSO coordination scheme decides, and who was served: dispatch and accounting.

The accounting is shared by every scheme (so their results are comparable): a scheme only
chooses the per-charger adjustment ``p_adj_kw``; :func:`account` then says who was served.

Accounting rule ("the DSO meters its zone"): the DSO's served amount in zone ``z`` is the
zone's net change in the requested direction, capped at the request; the FCR served amount
is the rest of the fleet's change. Hence ``sum(p_adj_kw) == fcr_served_kw +
sum(dso_served_kw)`` always, and an FCR activation that moves a zone against its DSO request
shows up as a DSO shortfall rather than being counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cosim.records import frozen_record

from . import share_kernels
from .observation import CoordinationObservation, per_charger, zone_sum

__all__ = ["Dispatch", "account", "dispatch_cost", "first_dispatch", "overload_kw", "spread_dso"]

#: the aFRR part of a first dispatch: empty, so one array serves every step (nothing can be
#: written into it)
_NO_AFRR = np.zeros(0)


@dataclass(frozen=True)
class Dispatch:
    """A scheme's decision for one step and its accounting.

    Attributes
    ----------
    p_adj_kw : array (N,)
        Adjustment added to each charger's baseline [kW] (>0 consume more).
    p_fcr_kw, p_dso_kw : array (N,)
        The adjustment split by operator (``p_adj_kw = p_fcr_kw + p_dso_kw``, plus
        ``p_afrr_kw`` when aFRR was requested) per :func:`account`.
    fcr_served_kw : float
        FCR change delivered [kW], same sign as the request, never beyond it.
    dso_served_kw : array (Z,)
        DSO change delivered per zone [kW], same sign as each request.
    fcr_blocked_kw : float
        FCR the fleet had capacity for but did not deliver [kW], >= 0.
    conflicts : tuple of Conflict
        Conflicts detected in this step (see :mod:`controllers.coordination.conflicts`).
    scheme : str
        Name of the scheme that decided.
    p_afrr_kw : array (N,)
        The aFRR part of the adjustment per charger [kW], dispatched after FCR and the DSO
        (included in ``p_adj_kw``; empty when no aFRR was requested).
    afrr_served_kw : float
        aFRR change delivered [kW], same sign as the request, never beyond it.
    afrr_blocked_kw : float
        aFRR the fleet had capacity for after FCR but did not deliver [kW], >= 0.
    """

    p_adj_kw: NDArray[np.float64]
    p_fcr_kw: NDArray[np.float64]
    p_dso_kw: NDArray[np.float64]
    fcr_served_kw: float
    dso_served_kw: NDArray[np.float64]
    fcr_blocked_kw: float
    conflicts: tuple[Any, ...] = ()
    scheme: str = ""
    p_afrr_kw: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    afrr_served_kw: float = 0.0
    afrr_blocked_kw: float = 0.0


def first_dispatch(
    p_adj_kw: NDArray[np.float64],
    p_fcr_kw: NDArray[np.float64],
    p_dso_kw: NDArray[np.float64],
    fcr_served_kw: float,
    dso_served_kw: NDArray[np.float64],
    fcr_blocked_kw: float,
    scheme: str,
) -> Dispatch:
    """``Dispatch(p_adj_kw, ..., fcr_blocked_kw, scheme=scheme)`` (no aFRR, no conflicts
    yet) as a :func:`~cosim.records.frozen_record`, built at every step."""
    return frozen_record(
        Dispatch,
        p_adj_kw=p_adj_kw,
        p_fcr_kw=p_fcr_kw,
        p_dso_kw=p_dso_kw,
        fcr_served_kw=fcr_served_kw,
        dso_served_kw=dso_served_kw,
        fcr_blocked_kw=fcr_blocked_kw,
        conflicts=(),
        scheme=scheme,
        p_afrr_kw=_NO_AFRR,  # what the field's default factory makes
        afrr_served_kw=0.0,
        afrr_blocked_kw=0.0,
    )


def spread_dso(
    obs: CoordinationObservation, weight_kw: NDArray[np.float64], served: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Spread each zone's served DSO amount over its chargers pro rata to ``weight_kw``
    taken in the requested direction (only chargers moving that way take a share) (N,)."""
    sign_c = per_charger(obs, np.sign(obs.dso_req_kw))
    moved = np.maximum(sign_c * weight_kw, 0.0)
    moved_z = zone_sum(obs, moved)
    frac_z = np.divide(np.abs(served), moved_z, out=np.zeros_like(moved_z), where=moved_z > 0)
    return sign_c * moved * per_charger(obs, frac_z)


def account(
    obs: CoordinationObservation, p_fcr_kw: NDArray[np.float64], p_dso_kw: NDArray[np.float64]
) -> tuple[float, NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Who was served: ``(fcr_served_kw, dso_served_kw, p_fcr_kw, p_dso_kw)``, accounted.

    A scheme proposes an FCR and a DSO part per charger. The DSO is credited with its own
    part in each zone, but no more than the zone's net change in the requested direction
    (an FCR move against the request cancels DSO relief first, as the DSO's zone meter would
    see it); FCR is credited with the rest of the fleet's change, so ``sum(p_adj) ==
    fcr_served + sum(dso_served)``.

    >>> import numpy as np
    >>> o = CoordinationObservation(0, np.zeros(3), [5.0] * 3, [5.0] * 3, 4.0, [-3.0],
    ...                             [0, 0, -1], [True, True, False], [np.inf])
    >>> f, g, _, _ = account(o, np.array([1.0, 0.0, 3.0]), np.array([0.0, -3.0, 0.0]))
    >>> f, g.tolist()  # FCR's +1 kW in zone 0 cancels 1 kW of the DSO's 3 kW relief
    (3.0, [-2.0])
    """
    p_fcr_kw = np.asarray(p_fcr_kw, dtype=float).reshape(-1)
    p_dso_kw = np.asarray(p_dso_kw, dtype=float).reshape(-1)
    p_adj = p_fcr_kw + p_dso_kw
    if not np.count_nonzero(obs.dso_req_kw):  # no request: the DSO is served nothing
        return float(p_adj.sum()), np.zeros(obs.n_zone), p_adj.copy(), np.zeros(p_adj.size)
    fcr, served, p_fcr, p_dso = share_kernels.account(
        p_fcr_kw, p_dso_kw, obs.dso_req_kw, obs.zone_of_charger
    )
    return float(fcr), served, p_fcr, p_dso


def dispatch_cost(obs: CoordinationObservation, dispatch: Dispatch) -> float:
    """Total cost rate of a dispatch under the common-market cost model [EUR/h].

    ``cost = c_F·|F − f| + c_D·Σ_z |r_z − g_z| + c_act·Σ_i |adj_i| + c_pen·Σ_z overload_z``,
    prices in EUR/MWh, powers in kW (hence the 1/1000), where ``overload_z = max(0,
    Σ_{i∈z} adj_i − max(headroom_z, 0))`` is what the dispatch adds beyond the headroom (a
    violation that exists without the dispatch is not charged to it).
    """
    unmet_fcr = abs(obs.fcr_req_kw - dispatch.fcr_served_kw)
    unmet_dso = float(np.abs(obs.dso_req_kw - dispatch.dso_served_kw).sum())
    activation = float(np.abs(dispatch.p_adj_kw).sum())
    overload = float(overload_kw(obs, dispatch.p_adj_kw).sum())
    return (
        obs.fcr_value_eur_mwh * unmet_fcr
        + obs.dso_value_eur_mwh * unmet_dso
        + obs.activation_cost_eur_mwh * activation
        + obs.overload_penalty_eur_mwh * overload
    ) / 1000.0


def overload_kw(obs: CoordinationObservation, p_adj_kw: NDArray[np.float64]) -> NDArray[np.float64]:
    """Consumption the adjustment adds beyond each zone's non-negative headroom [kW] (Z,)."""
    net_z = zone_sum(obs, np.asarray(p_adj_kw, dtype=float).reshape(-1))
    limit = np.maximum(obs.headroom_kw, 0.0)
    return np.where(np.isfinite(limit), np.maximum(net_z - limit, 0.0), 0.0)

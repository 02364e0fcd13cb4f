"""Detection of DSO–TSO conflicts in a dispatch, independent of the scheme that made it.

Conflicts arise when the same EVs serve the TSO (frequency containment) and the DSO
(congestion) at once (Gonzalez Venegas et al., RSER 145 (2021) 111060, §5.2.2). Three kinds:

- ``tso_aggravates_dso``: the FCR part of a zone's adjustment moves the zone in the
  direction that loads its DSO-relevant element (the tightest element upstream, whose margin
  is the zone's ``headroom_kw``) and the element ends the step at or over its limit: the
  zone's net adjustment in that direction is at least its headroom. So the element was
  already at or over its limit (headroom <= 0), or the activation pushes it there; an FCR
  move where every element keeps a margin is no conflict, whatever the DSO requested.
  The loading direction is "more consumption", unless the DSO asked the zone for more
  consumption (a reverse-flow constraint): then it is "less consumption" (the headroom is
  an apparent-power margin, the same either way). MW = the FCR part beyond the headroom,
  ``min(FCR part, net − headroom)`` in that direction.
- ``dso_counteracts_tso``: the DSO's served change in a zone goes against the FCR request
  *and* the fleet delivers less FCR than the same scheme delivers in the same step without
  the DSO's requests (``fcr_alone_kw``). MW = that reduction, shared over the zones whose
  DSO change opposes the FCR in proportion to it, and at most it.
- ``double_claim``: a zone's chargers hold an FCR band and a DSO award that together exceed
  the capacity available in the award's direction: ``Σ band + |award| > Σ p_down`` (or
  ``p_up``). MW = the excess, at most the band (the part claimed by both).

aFRR, dispatched after FCR and the DSO, has the same three kinds under its own names:
``afrr_aggravates_dso`` (the aFRR part judged on the zone's net adjustment after all three),
``dso_counteracts_afrr`` (against the aFRR the same scheme serves without the DSO's
requests) and ``afrr_double_claim`` (the FCR band holds its capacity first: MW =
``min(Σ fcr band + Σ afrr band + |award| − cap, Σ afrr band)``, the excess the aFRR band
adds). The FCR kinds are judged on the FCR and DSO dispatch alone, so aFRR never changes
them.

References
----------
Gerard, Rivero, Six, "Basic schemes for TSO-DSO coordination and ancillary services
provision", SmartNet D1.3 (2016); Utilities Policy 50 (2018) 40-48.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from . import conflict_kernels
from .dispatch import Dispatch
from .observation import EPS_KW, CoordinationObservation, capacity_towards, sign_of, zone_sum

__all__ = ["Conflict", "ConflictKind", "count_by_kind", "detect", "events_table"]


class ConflictKind(StrEnum):
    """The kinds of DSO–TSO conflict that are counted."""

    TSO_AGGRAVATES_DSO = "tso_aggravates_dso"
    DSO_COUNTERACTS_TSO = "dso_counteracts_tso"
    DOUBLE_CLAIM = "double_claim"
    AFRR_AGGRAVATES_DSO = "afrr_aggravates_dso"
    DSO_COUNTERACTS_AFRR = "dso_counteracts_afrr"
    AFRR_DOUBLE_CLAIM = "afrr_double_claim"


@dataclass(frozen=True)
class Conflict:
    """One conflict: when, what, where and how big.

    Attributes
    ----------
    time_s : int
        Scenario time of the step [s].
    kind : ConflictKind
        Which conflict.
    zone : int
        Zone index (the DSO's location).
    charger_ids : tuple of int
        Indices of the chargers involved (rows of the per-charger arrays).
    mw : float
        Size of the conflict [MW], > 0.
    """

    time_s: int
    kind: ConflictKind
    zone: int
    charger_ids: tuple[int, ...]
    mw: float


def _tso_aggravates_kw(
    obs: CoordinationObservation, p_part_kw: NDArray[np.float64], p_adj_kw: NDArray[np.float64]
) -> NDArray[np.float64] | None:
    """A TSO part (FCR or aFRR) beyond each zone's headroom, in the direction that loads its
    element (more consumption, unless the DSO asked the zone for more: reverse flow), with
    ``p_adj_kw`` the zones' net adjustment [kW] (Z,); None: in no zone."""
    beyond, loaded = conflict_kernels.tso_aggravates(
        p_part_kw, p_adj_kw, obs.zone_of_charger, obs.dso_req_kw, obs.headroom_kw
    )
    return beyond if loaded else None


def _dso_counteracts_kw(
    obs: CoordinationObservation,
    dispatch: Dispatch,
    fcr_alone_kw: float | None,
    *,
    req_kw: float | None = None,
    served_kw: float | None = None,
) -> NDArray[np.float64] | None:
    """FCR (or, with ``req_kw``/``served_kw``, aFRR) the DSO's opposing changes cost, shared
    over the zones that oppose it [kW] (Z,); None: none opposes."""
    if not np.count_nonzero(dispatch.dso_served_kw):  # no DSO change: none opposes
        return None
    req = obs.fcr_req_kw if req_kw is None else req_kw
    served = dispatch.fcr_served_kw if served_kw is None else served_kw
    f_sign = sign_of(req)
    against = np.maximum(-f_sign * dispatch.dso_served_kw, 0.0)
    total = float(against.sum())
    if total <= EPS_KW:
        return None
    if fcr_alone_kw is None:
        fcr_alone_kw = f_sign * min(abs(req), float(capacity_towards(obs, f_sign).sum()))
    lost = f_sign * (fcr_alone_kw - served)
    if lost <= EPS_KW:
        return None
    return against * min(1.0, lost / total)


def _double_claim_kw(
    obs: CoordinationObservation,
    band_kw: NDArray[np.float64],
    claimed_kw: NDArray[np.float64] | None = None,
) -> NDArray[np.float64] | None:
    """Excess of ``band_kw`` + the award over the capacity in the award's direction, at most
    the band; ``claimed_kw``: bands that hold the capacity first (aFRR after FCR) [kW] (Z,);
    None: no award."""
    # an award beyond availability with no FCR band in the zone is the aggregator
    # over-committing (a delivery shortfall the market penalises), not a claim by both
    r = obs.dso_req_kw
    if not np.count_nonzero(r):  # no award: nothing claimed twice
        return None
    band_z = zone_sum(obs, band_kw)
    cap_z = np.where(r < 0, zone_sum(obs, obs.p_down_kw), zone_sum(obs, obs.p_up_kw))
    if claimed_kw is not None:
        cap_z = cap_z - zone_sum(obs, claimed_kw)
    excess = np.minimum(band_z + np.abs(r) - cap_z, band_z)
    return np.where((r != 0) & (excess > EPS_KW), excess, 0.0)


def _build(
    obs: CoordinationObservation,
    kind: ConflictKind,
    kw_z: NDArray[np.float64] | None,
    involved: Callable[[], NDArray[np.bool_]],
) -> tuple[Conflict, ...]:
    """The conflicts of ``kind`` in the zones where ``kw_z`` exceeds the tolerance, each
    naming the chargers of its zone for which ``involved()`` is True (read only then);
    ``kw_z`` None: in no zone (the common case, without an array pass)."""
    if kw_z is None:
        return ()
    over = kw_z > EPS_KW
    if not np.count_nonzero(over):
        return ()
    zones = np.flatnonzero(over)
    zc = obs.zone_of_charger
    ids = np.flatnonzero(involved() & (zc >= 0))
    ids = ids[np.argsort(zc[ids], kind="stable")]  # grouped by zone, ascending within each
    lo = np.searchsorted(zc[ids], zones, side="left").tolist()
    hi = np.searchsorted(zc[ids], zones, side="right").tolist()
    listed = ids.tolist()
    return tuple(
        Conflict(obs.time_s, kind, z, tuple(listed[a:b]), float(kw_z[z]) / 1e3)
        for z, a, b in zip(zones.tolist(), lo, hi, strict=True)
    )


def detect(
    obs: CoordinationObservation,
    dispatch: Dispatch,
    *,
    fcr_alone_kw: float | None = None,
    afrr_alone_kw: float | None = None,
) -> tuple[Conflict, ...]:
    """Every conflict of one step, ordered by kind then zone.

    Parameters
    ----------
    obs : CoordinationObservation
        What the scheme saw.
    dispatch : Dispatch
        What it decided, with the shared accounting (``p_fcr_kw``, ``p_dso_kw``,
        ``dso_served_kw``) and the aFRR part dispatched after them (``p_afrr_kw``).
    fcr_alone_kw : float or None
        FCR [kW] the same scheme serves in this step without the DSO's requests (the
        counterfactual of ``dso_counteracts_tso``). None: the most the fleet could serve,
        ``sign(F)·min(|F|, Σ capacity towards F)``, an upper bound that counts any FCR
        shortfall as the DSO's doing.
    afrr_alone_kw : float or None
        The same for aFRR (``dso_counteracts_afrr``).

    Returns
    -------
    tuple of Conflict

    Examples
    --------
    An FCR increase of 2 kW in a zone with 1.5 kW headroom: 0.5 kW beyond it.

    >>> import numpy as np
    >>> o = CoordinationObservation(0, [0.0], [4.0], [4.0], 2.0, [0.0], [0], [True], [1.5])
    >>> d = Dispatch(np.array([2.0]), np.array([2.0]), np.zeros(1), 2.0, np.zeros(1), 0.0)
    >>> [(c.kind.value, c.mw * 1e3) for c in detect(o, d)]
    [('tso_aggravates_dso', 0.5)]
    """
    p_afrr = dispatch.p_afrr_kw
    p_first = dispatch.p_adj_kw - p_afrr if p_afrr.size else dispatch.p_adj_kw
    found = (
        _build(
            obs,
            ConflictKind.TSO_AGGRAVATES_DSO,
            _tso_aggravates_kw(obs, dispatch.p_fcr_kw, p_first),
            lambda: np.abs(dispatch.p_fcr_kw) > EPS_KW,
        )
        + _build(
            obs,
            ConflictKind.DSO_COUNTERACTS_TSO,
            _dso_counteracts_kw(obs, dispatch, fcr_alone_kw),
            lambda: np.abs(dispatch.p_dso_kw) > EPS_KW,
        )
        + _build(
            obs,
            ConflictKind.DOUBLE_CLAIM,
            _double_claim_kw(obs, obs.fcr_band_kw),
            lambda: obs.fcr_band_kw > 0,
        )
    )
    if not (p_afrr.size or np.count_nonzero(obs.afrr_band_kw)):
        return found
    return found + _afrr_conflicts(obs, dispatch, afrr_alone_kw)


def tso_aggravates_only(
    obs: CoordinationObservation,
    p_fcr_kw: NDArray[np.float64],
    beyond_kw: NDArray[np.float64] | None,
) -> tuple[Conflict, ...]:
    """What :func:`detect` finds in a step without DSO request, aFRR request or aFRR part
    (every other kind needs one of them), with ``beyond_kw`` the FCR part ``p_fcr_kw`` beyond
    each zone's headroom as :func:`_tso_aggravates_kw` gives it (None: in no zone)."""
    return _build(
        obs, ConflictKind.TSO_AGGRAVATES_DSO, beyond_kw, lambda: np.abs(p_fcr_kw) > EPS_KW
    )


def _afrr_conflicts(
    obs: CoordinationObservation, dispatch: Dispatch, afrr_alone_kw: float | None
) -> tuple[Conflict, ...]:
    """The aFRR kinds (see the module docstring)."""
    p_afrr = dispatch.p_afrr_kw if dispatch.p_afrr_kw.size else np.zeros(obs.n_charger)
    counteracts = None
    if obs.afrr_req_kw != 0.0:
        counteracts = _dso_counteracts_kw(
            obs,
            dispatch,
            afrr_alone_kw,
            req_kw=obs.afrr_req_kw,
            served_kw=dispatch.afrr_served_kw,
        )
    band = obs.afrr_band_kw
    return (
        _build(
            obs,
            ConflictKind.AFRR_AGGRAVATES_DSO,
            _tso_aggravates_kw(obs, p_afrr, dispatch.p_adj_kw),
            lambda: np.abs(p_afrr) > EPS_KW,
        )
        + _build(
            obs,
            ConflictKind.DSO_COUNTERACTS_AFRR,
            counteracts,
            lambda: np.abs(dispatch.p_dso_kw) > EPS_KW,
        )
        + _build(
            obs,
            ConflictKind.AFRR_DOUBLE_CLAIM,
            _double_claim_kw(obs, band, obs.fcr_band_kw),
            lambda: band > 0,
        )
    )


#: each kind's name, read once (an enum's ``.value`` is a property call)
_KIND_NAMES = {kind: kind.value for kind in ConflictKind}


def count_by_kind(conflicts: Iterable[Conflict]) -> dict[str, int]:
    """Number of conflicts of each kind (every kind present, zeros included).

    >>> count_by_kind([])["double_claim"]
    0
    """
    counts = dict.fromkeys(_KIND_NAMES.values(), 0)
    for c in conflicts:
        counts[_KIND_NAMES[c.kind]] += 1
    return counts


def events_table(
    conflicts: Iterable[Conflict],
    *,
    zone_names: list[str] | None = None,
    charger_labels: list[object] | None = None,
) -> dict[str, list[object]]:
    """The conflicts as columns ``{time_s, kind, zone, zone_name, mw, chargers}``.

    ``chargers`` is a ``;``-separated string of charger labels (indices when no labels are
    given; HDF5-friendly).
    """
    rows = list(conflicts)
    names = zone_names or []
    labels = charger_labels

    def chargers(c: Conflict) -> str:
        return ";".join(str(labels[i] if labels is not None else i) for i in c.charger_ids)

    return {
        "time_s": [c.time_s for c in rows],
        "kind": [c.kind.value for c in rows],
        "zone": [c.zone for c in rows],
        "zone_name": [names[c.zone] if c.zone < len(names) else str(c.zone) for c in rows],
        "mw": [c.mw for c in rows],
        "chargers": [chargers(c) for c in rows],
    }

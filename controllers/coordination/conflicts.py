"""Detection of DSO–TSO conflicts in a dispatch, independent of the scheme that made it.

Conflicts arise when the same EVs serve the TSO (frequency containment) and the DSO
(congestion) at once (Gonzalez Venegas et al., RSER 145 (2021) 111060, §5.2.2). Three kinds:

- ``tso_aggravates_dso``: the FCR part of a zone's adjustment increases consumption beyond
  the zone's headroom (any increase when the headroom is already negative), or moves the
  zone against its DSO request (e.g. reduces consumption where the DSO asked for more).
  MW = the FCR part beyond the headroom, or the whole opposing FCR part.
- ``dso_counteracts_tso``: the DSO's served change in a zone goes against the FCR request
  at the same time. MW = the DSO's served change.
- ``double_claim``: a zone's chargers hold an FCR band and a DSO award that together exceed
  the capacity available in the award's direction: ``Σ band + |award| > Σ p_down`` (or
  ``p_up``). MW = the excess, at most the band (the part claimed by both).

References
----------
Gerard, Rivero, Six, "Basic schemes for TSO-DSO coordination and ancillary services
provision", SmartNet D1.3 (2016); Utilities Policy 50 (2018) 40-48.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from .observation import EPS_KW, CoordinationObservation, Dispatch, zone_sum

__all__ = ["Conflict", "ConflictKind", "count_by_kind", "detect", "events_table"]


class ConflictKind(StrEnum):
    """The kinds of DSO–TSO conflict that are counted."""

    TSO_AGGRAVATES_DSO = "tso_aggravates_dso"
    DSO_COUNTERACTS_TSO = "dso_counteracts_tso"
    DOUBLE_CLAIM = "double_claim"


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


def _tso_aggravates_kw(obs: CoordinationObservation, dispatch: Dispatch) -> NDArray[np.float64]:
    fcr_z = zone_sum(obs, dispatch.p_fcr_kw)
    net_z = zone_sum(obs, dispatch.p_adj_kw)
    beyond = np.where(np.isfinite(obs.headroom_kw), net_z - obs.headroom_kw, 0.0)
    over = np.where(fcr_z > EPS_KW, np.minimum(fcr_z, np.maximum(beyond, 0.0)), 0.0)
    against = np.sign(fcr_z) * np.sign(obs.dso_req_kw) < 0
    return np.where(against & (np.abs(fcr_z) > EPS_KW), np.abs(fcr_z), over)


def _double_claim_kw(obs: CoordinationObservation) -> NDArray[np.float64]:
    # an award beyond availability with no FCR band in the zone is the aggregator
    # over-committing (a delivery shortfall the market penalises), not a claim by both
    r = obs.dso_req_kw
    band_z = zone_sum(obs, obs.fcr_band_kw)
    cap_z = np.where(r < 0, zone_sum(obs, obs.p_down_kw), zone_sum(obs, obs.p_up_kw))
    excess = np.minimum(band_z + np.abs(r) - cap_z, band_z)
    return np.where((r != 0) & (excess > EPS_KW), excess, 0.0)


def _build(
    obs: CoordinationObservation,
    kind: ConflictKind,
    kw_z: NDArray[np.float64],
    involved: NDArray[np.bool_],
) -> Iterable[Conflict]:
    zones = np.flatnonzero(kw_z > EPS_KW)
    if zones.size == 0:
        return
    zc = obs.zone_of_charger
    ids = np.flatnonzero(involved & (zc >= 0))
    ids = ids[np.argsort(zc[ids], kind="stable")]  # grouped by zone, ascending within each
    lo = np.searchsorted(zc[ids], zones, side="left").tolist()
    hi = np.searchsorted(zc[ids], zones, side="right").tolist()
    listed = ids.tolist()
    for z, a, b in zip(zones.tolist(), lo, hi, strict=True):
        yield Conflict(obs.time_s, kind, z, tuple(listed[a:b]), float(kw_z[z]) / 1e3)


def detect(obs: CoordinationObservation, dispatch: Dispatch) -> tuple[Conflict, ...]:
    """Every conflict of one step, ordered by kind then zone.

    Parameters
    ----------
    obs : CoordinationObservation
        What the scheme saw.
    dispatch : Dispatch
        What it decided, with the shared accounting (``p_fcr_kw``, ``p_dso_kw``,
        ``dso_served_kw``).

    Returns
    -------
    tuple of Conflict
    """
    f_sign = np.sign(obs.fcr_req_kw)
    dso_against = np.sign(dispatch.dso_served_kw) * f_sign < 0
    dso_kw = np.where(dso_against, np.abs(dispatch.dso_served_kw), 0.0)
    return (
        *_build(
            obs,
            ConflictKind.TSO_AGGRAVATES_DSO,
            _tso_aggravates_kw(obs, dispatch),
            np.abs(dispatch.p_fcr_kw) > EPS_KW,
        ),
        *_build(obs, ConflictKind.DSO_COUNTERACTS_TSO, dso_kw, np.abs(dispatch.p_dso_kw) > EPS_KW),
        *_build(obs, ConflictKind.DOUBLE_CLAIM, _double_claim_kw(obs), obs.fcr_band_kw > 0),
    )


def count_by_kind(conflicts: Iterable[Conflict]) -> dict[str, int]:
    """Number of conflicts of each kind (every kind present, zeros included).

    >>> count_by_kind([])["double_claim"]
    0
    """
    counts = {k.value: 0 for k in ConflictKind}
    for c in conflicts:
        counts[c.kind.value] += 1
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

"""Traffic-light signals for DSO–TSO coordination: red chargers and headroom per zone."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cosim.records import frozen_record

from . import light_kernels
from .cover import ChargerCover, as_cover
from .zone_map import ZoneMap

__all__ = ["HEADROOM_UNCONSTRAINED_KW", "LightPlan", "TrafficLight", "traffic_light"]

#: headroom of a zone with no measured element upstream [kW] (JSON has no infinity)
HEADROOM_UNCONSTRAINED_KW = light_kernels.HEADROOM_UNCONSTRAINED_KW


@dataclass(frozen=True)
class TrafficLight:
    """Signals for one step.

    Attributes
    ----------
    congested_mask : ndarray of bool (C,)
        Charger is downstream of an element congested now or forecast congested (red).
    headroom_kw : ndarray (Z,)
        Extra consumption each zone can take before its tightest upstream element reaches
        the limit [kW]; negative when over; ``HEADROOM_UNCONSTRAINED_KW`` when unknown.
    """

    congested_mask: NDArray[np.bool_]
    headroom_kw: NDArray[np.float64]


def traffic_light(
    loading_pct: ArrayLike,
    forecast_pct: ArrayLike | None,
    *,
    rating_kva: ArrayLike,
    mask: ChargerCover | NDArray[np.bool_],
    zone_map: ZoneMap,
    baseline_kw: ArrayLike | None = None,
    loading_limit_pct: float = 100.0,
    hysteresis_pct: float = 10.0,
) -> TrafficLight:
    """Red chargers and zone headroom from the measured (and forecast) element loadings.

    A charger is red when an element upstream of it is measured above ``limit −
    hysteresis`` (so the light stays red while the DSO's own caps hold the element just
    under the limit) or forecast above ``limit``. An element's headroom is ``(limit −
    L)/100 × rating`` with ``L`` the larger of measurement and forecast; an element feeding
    several zones shares it in proportion to their declared baselines (by charger count
    when unknown), so the shares add up to the element's headroom. A zone's headroom is the
    smallest share over the elements feeding any of its chargers. Loading is an
    apparent-power ratio: reading its excess as active power is exact at unity power factor.

    Parameters
    ----------
    loading_pct : array_like (E,)
        Measured loading of lines then trafos [%] (NaN: unknown).
    forecast_pct : array_like (E,) or None
        Forecast loading for this step [%] (NaN or None: none).
    rating_kva : array_like (E,)
        Element ratings [kVA].
    mask : ChargerCover or ndarray of bool (E, C)
        Charger ``c`` is downstream of element ``e``.
    zone_map : ZoneMap
        Zone membership behind each element.
    baseline_kw : array_like (Z,) or None
        Declared baseline per zone [kW].
    loading_limit_pct, hysteresis_pct : float
        Loading limit and the band below it that keeps the light red [%].

    Examples
    --------
    >>> m = ZoneMap.build(np.array([[True, False], [True, True]]), [0, 1], 2)
    >>> tl = traffic_light([95.0, 50.0], None, rating_kva=[100.0, 400.0],
    ...     mask=np.array([[True, False], [True, True]]), zone_map=m)
    >>> tl.congested_mask.tolist(), tl.headroom_kw.tolist()
    ([True, False], [5.0, 100.0])
    """
    plan = LightPlan(
        rating_kva=rating_kva,
        mask=mask,
        zone_map=zone_map,
        loading_limit_pct=loading_limit_pct,
        hysteresis_pct=hysteresis_pct,
    )
    return plan(loading_pct, forecast_pct, baseline_kw)


class LightPlan:
    """:func:`traffic_light` with its fixed arguments (ratings, cover, zone map, limits)
    looked up once: an operator calls it at every step with the step's loadings, forecast
    and baselines only. The ratings, the cover and the zone map are an operator's, fixed at
    its creation (none of them is changed in place)."""

    def __init__(
        self,
        *,
        rating_kva: ArrayLike,
        mask: ChargerCover | NDArray[np.bool_],
        zone_map: ZoneMap,
        loading_limit_pct: float = 100.0,
        hysteresis_pct: float = 10.0,
    ) -> None:
        self.cover = as_cover(mask)
        self.zone_map = zone_map
        self._rating = np.ascontiguousarray(rating_kva, dtype=float).reshape(-1)
        self._limits = (float(loading_limit_pct), float(hysteresis_pct))
        self._n_charger = self.cover.n_charger

    def __call__(
        self, loading_pct: ArrayLike, forecast_pct: ArrayLike | None, baseline_kw: ArrayLike | None
    ) -> TrafficLight:
        """The signals of one step (see :func:`traffic_light`)."""
        loading = np.ascontiguousarray(loading_pct, dtype=float).reshape(-1)
        n = loading.size
        if forecast_pct is None:
            forecast = np.full_like(loading, np.nan)
        else:
            forecast = _per_element(forecast_pct, n)
        rating = self._rating
        if rating.size != n:  # one rating for every element
            rating = _per_element(rating, n)
        cover, m = self.cover, self.zone_map
        congested, head_z, entry_kw, zero_tie = light_kernels.traffic_light(
            loading,
            forecast,
            rating,
            self._limits,
            cover.indptr,
            cover.indices,
            self._n_charger,
            m.ptr,
            m.zone,
            m.entry_fraction,
            m.entry_by_count,
            m.baseline(baseline_kw),
            m.zone_ptr,
            m.by_zone,
        )
        if zero_tie:  # numpy's minimum picks between 0.0 and -0.0 by position: let it pick
            head_z = m.zone_min(entry_kw, initial=np.inf)
            head_z = np.minimum(head_z, HEADROOM_UNCONSTRAINED_KW)
        return frozen_record(TrafficLight, congested_mask=congested, headroom_kw=head_z)


def _per_element(values: ArrayLike, n: int) -> NDArray[np.float64]:
    """``values`` as a contiguous float (n,) array (broadcast if it is not one already)."""
    arr = np.ascontiguousarray(values, dtype=float).reshape(-1)
    return arr if arr.size == n else np.ascontiguousarray(np.broadcast_to(arr, (n,)))

"""Traffic-light signals for DSO–TSO coordination: red chargers and headroom per zone."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cosim.records import frozen_record

from . import light_kernels
from .cover import ChargerCover, as_cover
from .zone_map import ZoneMap

__all__ = [
    "HEADROOM_UNCONSTRAINED_KW",
    "NO_PROFILE",
    "NO_ROW",
    "LightPlan",
    "TrafficLight",
    "traffic_light",
]

#: headroom of a zone with no measured element upstream [kW] (JSON has no infinity)
HEADROOM_UNCONSTRAINED_KW = light_kernels.HEADROOM_UNCONSTRAINED_KW
#: :meth:`LightPlan.observed`'s targets when there is nothing to record (never written:
#: an empty row is not taken, a profile not added to at hour -1)
NO_ROW = np.empty(0)
NO_PROFILE = (np.zeros((2, 24, 0)), np.zeros((2, 24, 1)))


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
        self._limit, self._hysteresis = float(loading_limit_pct), float(hysteresis_pct)
        self._n_charger = self.cover.n_charger

    def __call__(
        self, loading_pct: ArrayLike, forecast_pct: ArrayLike | None, baseline_kw: ArrayLike | None
    ) -> TrafficLight:
        """The signals of one step (see :func:`traffic_light`)."""
        loading, forecast, rating = self._per_step(loading_pct, forecast_pct)
        congested, head_z = self._light(loading, forecast, rating, baseline_kw)
        return frozen_record(TrafficLight, congested_mask=congested, headroom_kw=head_z)

    def counted(
        self,
        loading: NDArray[np.float64],
        forecast_pct: ArrayLike | None,
        baseline_kw: NDArray[np.float64] | None,
        v_pu: NDArray[np.float64],
        v_band_pu: tuple[float, float],
    ) -> tuple[tuple[int, int, int], tuple[NDArray[np.bool_], NDArray[np.float64]]]:
        """The violation counts of the operator's step
        (:func:`controllers.dso.light_kernels.violation_counts` of ``loading`` and ``v_pu``
        on the loading limit and ``v_band_pu``) and its signals (``congested_mask``,
        ``headroom_kw``), in one compiled call where the declared baselines need no
        clipping; ``loading``, ``v_pu`` and ``baseline_kw`` float (n,) arrays."""
        counts, light, _ = self.observed(
            loading, forecast_pct, baseline_kw, v_pu, v_band_pu, NO_ROW, NO_PROFILE, -1
        )
        return counts, light

    def observed(
        self,
        loading: NDArray[np.float64],
        forecast_pct: ArrayLike | None,
        baseline_kw: NDArray[np.float64] | None,
        v_pu: NDArray[np.float64],
        v_band_pu: tuple[float, float],
        seen_row: NDArray[np.float64],
        profile: tuple[NDArray[np.float64], NDArray[np.float64]],
        add_at: int,
    ) -> tuple[tuple[int, int, int], tuple[NDArray[np.bool_], NDArray[np.float64]], bool]:
        """:meth:`counted`, and in the same compiled call what the operator records of the
        step (:func:`controllers.dso.light_kernels.observed_light`): the loadings into
        ``seen_row`` (its persistence forecast's row; empty: none) when any was measured,
        and ``baseline_kw`` into ``profile`` (the planner's hourly sums and counts) at hour
        ``add_at`` (-1: none). The third value says whether the row took the loadings."""
        loading, forecast, rating = self._per_step(loading, forecast_pct)
        m, cover = self.zone_map, self.cover
        *counts, done, congested, head_z, entry_kw, zero_tie, seen = light_kernels.observed_light(
            loading, forecast, v_pu, v_band_pu[0], v_band_pu[1], rating, self._limit,
            self._hysteresis, cover.indptr, cover.indices, self._n_charger, m.ptr, m.zone,
            m.entry_fraction, m.entry_by_count,
            m.baseline(None) if baseline_kw is None else baseline_kw,
            baseline_kw is not None, m.zone_ptr, m.by_zone, seen_row, *profile, add_at,
        )  # fmt: skip
        n_congested, n_v, n_seen = counts
        if not done:  # a baseline to clip first
            light = self._light(loading, forecast, rating, baseline_kw)
            return (n_congested, n_v, n_seen), light, seen
        if zero_tie:
            head_z = self._zone_min(entry_kw)
        return (n_congested, n_v, n_seen), (congested, head_z), seen

    def _per_step(
        self, loading_pct: ArrayLike, forecast_pct: ArrayLike | None
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """The step's loadings, forecast and the ratings as the compiled loop reads them."""
        loading = np.ascontiguousarray(loading_pct, dtype=float).reshape(-1)
        n = loading.size
        if forecast_pct is None:
            forecast = np.full_like(loading, np.nan)
        else:
            forecast = _per_element(forecast_pct, n)
        rating = self._rating
        if rating.size != n:  # one rating for every element
            rating = _per_element(rating, n)
        return loading, forecast, rating

    def _light(
        self,
        loading: NDArray[np.float64],
        forecast: NDArray[np.float64],
        rating: NDArray[np.float64],
        baseline_kw: ArrayLike | None,
    ) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
        cover, m = self.cover, self.zone_map
        congested, head_z, entry_kw, zero_tie = light_kernels.traffic_light(
            loading,
            forecast,
            rating,
            self._limit,
            self._hysteresis,
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
        return congested, (self._zone_min(entry_kw) if zero_tie else head_z)

    def _zone_min(self, entry_kw: NDArray[np.float64]) -> NDArray[np.float64]:
        """The zone headroom from numpy's minimum, which picks between 0.0 and -0.0 by
        position (the compiled loop cannot repeat it)."""
        head_z = self.zone_map.zone_min(entry_kw, initial=np.inf)
        return np.minimum(head_z, HEADROOM_UNCONSTRAINED_KW)


def _per_element(values: ArrayLike, n: int) -> NDArray[np.float64]:
    """``values`` as a contiguous float (n,) array (broadcast if it is not one already)."""
    arr = np.ascontiguousarray(values, dtype=float).reshape(-1)
    return arr if arr.size == n else np.ascontiguousarray(np.broadcast_to(arr, (n,)))

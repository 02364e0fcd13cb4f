"""Traffic-light signals for DSO–TSO coordination: red chargers and headroom per zone."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .cover import ChargerCover, as_cover
from .zone_map import ZoneMap

__all__ = ["HEADROOM_UNCONSTRAINED_KW", "TrafficLight", "traffic_light"]

#: headroom of a zone with no measured element upstream [kW] (JSON has no infinity)
HEADROOM_UNCONSTRAINED_KW = 1e6


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
    loading = np.asarray(loading_pct, dtype=float).reshape(-1)
    forecast = np.full_like(loading, np.nan) if forecast_pct is None else np.asarray(forecast_pct)
    forecast = np.asarray(forecast, dtype=float).reshape(-1)
    # comparisons with NaN (unknown) are False and never warn
    red_e = (loading > loading_limit_pct - hysteresis_pct) | (forecast > loading_limit_pct)
    congested = as_cover(mask).any_of(red_e)
    effective = np.fmax(loading, forecast)
    head_e = (loading_limit_pct - effective) / 100.0 * np.asarray(rating_kva, dtype=float)
    # per stored (element, zone) entry, i.e. per zone behind the element; NaN: unknown
    share = zone_map.share_data(baseline_kw) * head_e[zone_map.rows]
    head_z = zone_map.zone_min(np.where(np.isfinite(share), share, np.inf), initial=np.inf)
    head_z = np.minimum(head_z, HEADROOM_UNCONSTRAINED_KW)  # a new float array
    return TrafficLight(np.asarray(congested, dtype=bool), head_z)

"""The DSO's "market" framework, pure part: congestion forecast → flexibility requests.

Forecast model (baseline-corrected persistence). The loading of element ``e`` is read as a
background part plus the fleet's part, which the fleet declares per zone as its baseline
``B_z``. The forecast for hour ``h`` of the delivery day is the loading measured in hour ``h``
of the reference day (the last complete day; hourly peaks of
:class:`~controllers.dso.vcc.PersistenceForecast`) plus the change of the fleet's part::

    L̂_e(h) = L_e,ref(h) + 100 / S_e · Σ_z f_ez · (B̂_z(h) − B_z,ref(h))

with ``S_e`` the rating [kVA], ``f_ez`` the fraction of zone ``z``'s chargers fed through
``e`` and ``B̂_z(h)`` the latest baseline declared for that hour of day. Reading a kW change
as a loading change is exact at unity power factor.

Requests. Where ``L̂_e(h)`` exceeds ``limit − margin``, the element's overload
``(L̂ − limit + margin)/100 · S_e`` [kW] is owed by the zones it feeds, shared in proportion
to their baselines (one zone for a feeder line, every feeder zone for the trafo). A zone's
relief in an hour is the largest share over its elements (relieving the tightest element
relieves the others). Contiguous hours with relief form a window (optionally cut into
windows of ``window_steps`` steps); each window gives one ``down`` request of its peak relief.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from cosim.timebase import DAY_S

from .detection import nan_to_num
from .zone_map import ZoneMap

__all__ = [
    "MarketParams",
    "build_requests",
    "day_start_s",
    "forecast_loading",
    "make_request",
    "zone_relief_kw",
]

HOUR_S = 3600


@dataclass(frozen=True)
class MarketParams:
    """Settings of the DSO's market framework; every bad field is reported at once.

    Parameters
    ----------
    price_cap_eur_mwh : float
        Highest price the DSO pays [EUR/MWh], finite, >= 0.
    request_hour : float
        Local hour at which the day-ahead requests for the next day are issued [h], in
        [0, 24); keep it before the market's day-ahead gate (12:00 by default).
    margin_pct : float
        Requests start ``margin_pct`` below the loading limit and ask this much extra
        [% of rating], >= 0.
    intraday : bool
        Also request intraday when a measurement shows congestion the day-ahead missed.
    window_steps : int
        Longest request window [steps]; 0 = one window per contiguous congested period.
    intraday_lead_s : int
        Intraday window starts this long after the measurement is seen [s], >= 0; at least
        the market's intraday gate lead.
    min_request_kw : float
        Smaller reliefs are not requested [kW], > 0.
    call_off : bool
        Send the same requests as call-offs of the DSO's tender contracts (gate
        ``call_off``) instead of day-ahead and intraday requests to the short-term market.
    """

    price_cap_eur_mwh: float = 300.0
    request_hour: float = 11.0
    margin_pct: float = 5.0
    intraday: bool = False
    window_steps: int = 0
    intraday_lead_s: int = 3600
    min_request_kw: float = 0.1
    call_off: bool = False

    def __post_init__(self) -> None:
        rules = [
            ("price_cap_eur_mwh", math.isfinite(self.price_cap_eur_mwh), "finite"),
            ("request_hour", 0.0 <= self.request_hour < 24.0, "0 <= h < 24"),
            ("margin_pct", self.margin_pct >= 0, ">= 0"),
            ("window_steps", int(self.window_steps) == self.window_steps >= 0, "integer >= 0"),
            ("intraday_lead_s", int(self.intraday_lead_s) == self.intraday_lead_s >= 0, ">= 0"),
            ("min_request_kw", self.min_request_kw > 0, "> 0"),
        ]
        bad = [f"{n}={getattr(self, n)!r} (allowed: {a})" for n, ok, a in rules if not ok]
        if bad:
            raise ValueError("MarketParams: " + "; ".join(bad))


def forecast_loading(
    reference_pct: ArrayLike,
    *,
    baseline_ref_kw: ArrayLike | None,
    baseline_new_kw: ArrayLike | None,
    rating_kva: ArrayLike,
    fraction: NDArray[np.float64] | sp.sparray,
) -> NDArray[np.float64]:
    """Baseline-corrected persistence forecast of element loadings [%], shape (H, E).

    Parameters
    ----------
    reference_pct : array_like (H, E)
        Loadings of the reference day [%] (NaN: not measured, stays NaN).
    baseline_ref_kw, baseline_new_kw : array_like (H, Z) or None
        Fleet baseline per zone on the reference day and expected for the delivery day
        [kW]; NaN or None: no correction.
    rating_kva : array_like (E,)
        Element ratings [kVA].
    fraction : ndarray or scipy.sparse array (E, Z)
        Fraction of each zone's chargers fed through each element.

    Examples
    --------
    >>> f = np.array([[1.0, 0.5]])  # one trafo: all of zone 0 and half of zone 1
    >>> forecast_loading([[90.0]], baseline_ref_kw=[[10.0, 20.0]],
    ...     baseline_new_kw=[[30.0, 20.0]], rating_kva=[200.0], fraction=f).tolist()
    [[100.0]]
    """
    ref = np.atleast_2d(np.asarray(reference_pct, dtype=float))
    if baseline_ref_kw is None or baseline_new_kw is None:
        return ref.copy()
    delta = nan_to_num(
        np.atleast_2d(np.asarray(baseline_new_kw, float) - np.asarray(baseline_ref_kw, float))
    )
    moved = np.asarray(fraction @ delta.T).T if sp.issparse(fraction) else delta @ fraction.T
    return ref + 100.0 * moved / np.asarray(rating_kva, dtype=float)


def zone_relief_kw(
    forecast_pct: ArrayLike,
    *,
    rating_kva: ArrayLike,
    zone_map: ZoneMap,
    baseline_kw: ArrayLike | None,
    threshold_pct: float,
) -> NDArray[np.float64]:
    """Relief each zone owes per hour [kW], shape (H, Z) (see the module docstring).

    Parameters
    ----------
    forecast_pct : array_like (H, E)
        Forecast loadings [%] (NaN: no forecast, no relief).
    rating_kva : array_like (E,)
        Element ratings [kVA].
    zone_map : ZoneMap
        Zone membership behind each element.
    baseline_kw : array_like (H, Z) or None
        Expected baseline per zone, for sharing an element's overload.
    threshold_pct : float
        Loading above which relief is asked: limit − margin [%].

    Examples
    --------
    >>> m = ZoneMap.build(np.array([[True, True]]), [0, 1], 2)  # a trafo over two feeders
    >>> zone_relief_kw([[110.0], [90.0]], rating_kva=[100.0], zone_map=m,
    ...     baseline_kw=[[30.0, 10.0], [1.0, 1.0]], threshold_pct=95.0).tolist()
    [[11.25, 3.75], [0.0, 0.0]]
    """
    fc = np.atleast_2d(np.asarray(forecast_pct, dtype=float))
    over = np.clip(nan_to_num(fc - threshold_pct), 0.0, None) / 100.0
    over_kw = over * np.asarray(rating_kva, dtype=float)
    base = None if baseline_kw is None else np.atleast_2d(np.asarray(baseline_kw, dtype=float))
    relief = np.zeros((fc.shape[0], zone_map.size.size))
    for h in np.flatnonzero(over_kw.max(axis=1, initial=0.0) > 0):  # congested hours only
        shares = zone_map.share_data(None if base is None else base[h])
        over_e = over_kw[h, zone_map.rows]
        owed = np.where(over_e > 0, shares * over_e, 0.0)  # per (element, zone) entry
        relief[h] = zone_map.zone_max(owed, initial=0.0)
    return relief


def build_requests(
    relief_kw: ArrayLike,
    *,
    day_start_s: int,
    zone_names: Sequence[str],
    zone_buses: Sequence[Sequence[int]],
    step_s: int,
    params: MarketParams,
    gate: str = "day_ahead",
    prefix: str = "dso",
) -> list[dict[str, Any]]:
    """Request dicts (``simulators.flex_market.orders`` format) from hourly relief.

    Parameters
    ----------
    relief_kw : array_like (H, Z)
        Relief per zone in hour ``h`` of the delivery day [kW].
    day_start_s : int
        Scenario time of local midnight of the delivery day [s]; windows before scenario
        time 0 are dropped.
    zone_names, zone_buses : sequences (Z,)
        Names and original bus ids of the zones.
    step_s : int
        Step length [s] (for ``window_steps``).
    params : MarketParams
    gate : str
        Gate of the requests.
    prefix : str
        Start of every request id (the operator's eid); ids are ``<prefix>-<gate>-<zone>-
        <t_start_s>``: deterministic and unique per zone and window.

    Examples
    --------
    >>> r = np.zeros((24, 1)); r[17:19, 0] = [4.0, 6.0]
    >>> reqs = build_requests(r, day_start_s=86400, zone_names=["feeder_1"],
    ...     zone_buses=[[1, 2]], step_s=900, params=MarketParams())
    >>> [(q["t_start_s"] - 86400) / 3600 for q in reqs], reqs[0]["t_end_s"] - 86400, reqs[0]["p_kw"]
    ([17.0], 68400, 6.0)
    """
    relief = np.atleast_2d(np.asarray(relief_kw, dtype=float))
    chunk_s = int(params.window_steps) * int(step_s)
    out: list[dict[str, Any]] = []
    for z, name in enumerate(zone_names):
        on = relief[:, z] >= params.min_request_kw
        for a, b in _runs(on):
            t0, t1 = day_start_s + a * HOUR_S, day_start_s + b * HOUR_S
            for s in range(t0, t1, chunk_s or (t1 - t0)):
                e = min(s + (chunk_s or (t1 - t0)), t1)
                if s < 0:
                    continue
                h0, h1 = (s - day_start_s) // HOUR_S, -(-(e - day_start_s) // HOUR_S)
                p_kw = float(relief[h0:h1, z].max())
                out.append(
                    make_request(
                        zone=str(name),
                        buses=zone_buses[z],
                        window_s=(s, e),
                        p_kw=p_kw,
                        price_cap_eur_mwh=params.price_cap_eur_mwh,
                        gate=gate,
                        prefix=prefix,
                    )
                )
    return out


def make_request(
    *,
    zone: str,
    buses: Sequence[int],
    window_s: tuple[int, int],
    p_kw: float,
    price_cap_eur_mwh: float,
    gate: str,
    prefix: str,
) -> dict[str, Any]:
    """One ``down`` request dict, id ``<prefix>-<gate>-<zone>-<t_start_s>``, p_kw to 1 W."""
    t0, t1 = int(window_s[0]), int(window_s[1])
    return {
        "id": f"{prefix}-{gate}-{zone}-{t0}",
        "zone": zone,
        "buses": [int(x) for x in buses],
        "t_start_s": t0,
        "t_end_s": t1,
        "p_kw": round(float(p_kw), 3),
        "direction": "down",
        "price_cap_eur_mwh": float(price_cap_eur_mwh),
        "gate": gate,
    }


def _runs(on: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """``[start, end)`` of each run of True."""
    edges = np.diff(np.concatenate([[0], on.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()
    return list(zip(starts, ends, strict=True))


def day_start_s(day: int, start_sod_s: int) -> int:
    """Scenario time of local midnight of ``day`` [s] (day 0 = the scenario's first day)."""
    return int(day) * DAY_S - int(start_sod_s)

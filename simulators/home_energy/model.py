"""Home batteries run for self-consumption beside rooftop PV, per home (struct of arrays).

Each step the battery charges from the PV surplus over the home's load and discharges to
cover the load the PV leaves: it never charges from the grid nor discharges into it. With
``dt`` the step [h] and one-way efficiency ``eta``:

- surplus ``s = p_pv - p_load > 0``: charge ``p_ch = min(s, p_max, (e_max - e) / (eta dt))``;
- deficit ``d = p_load - p_pv > 0``: discharge ``p_dis = min(d, p_max, (e - e_min) eta / dt)``;
- ``e' = e + (eta p_ch - p_dis / eta) dt``.

The home's own devices then draw ``p_kw = p_batt - p_pv`` from the grid (consumer sign,
``p_batt > 0`` charging). Typical German home storage is 5-10 kWh and 3-5 kW with ~90 %
round-trip efficiency (Figgener et al. [1]_); the defaults take 8 kWh, 4 kW, 0.95 each way.

References
----------
.. [1] J. Figgener et al., "The development of stationary battery storage systems in
   Germany - status 2020", J. Energy Storage 33 (2021) 101982.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from .solar import SolarSite, clear_sky_ghi_w_m2, cos_zenith, daily_clearness

__all__ = ["HomeEnergyModel", "HomeParams", "HomeState", "self_consume"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class HomeParams:
    """Per-home PV and battery ratings, arrays of equal length (one entry per home).

    Parameters
    ----------
    pv_kwp : (n,) [kWp]
        Rated PV power (0: no PV).
    batt_kwh : (n,) [kWh]
        Usable battery energy (0: no battery).
    batt_kw : (n,) [kW]
        Battery power limit, charge and discharge.
    eta : float
        One-way efficiency of the battery, in (0, 1].
    soc_min, soc_init : float
        Lowest and initial state of charge, fractions of ``batt_kwh``.
    """

    pv_kwp: FloatArray
    batt_kwh: FloatArray
    batt_kw: FloatArray
    eta: float = 0.95
    soc_min: float = 0.05
    soc_init: float = 0.5

    def __post_init__(self) -> None:
        n = self.pv_kwp.shape
        problems = [
            f"{name} has shape {arr.shape}, pv_kwp {n}: give one value per home"
            for name, arr in (("batt_kwh", self.batt_kwh), ("batt_kw", self.batt_kw))
            if arr.shape != n
        ]
        for name, arr in (
            ("pv_kwp", self.pv_kwp),
            ("batt_kwh", self.batt_kwh),
            ("batt_kw", self.batt_kw),
        ):
            if arr.size and not (np.isfinite(arr).all() and (arr >= 0).all()):
                problems.append(f"{name} must be finite and >= 0 (got {arr.tolist()})")
        if not 0.0 < self.eta <= 1.0:
            problems.append(f"eta={self.eta} must be in (0, 1]")
        if not 0.0 <= self.soc_min <= self.soc_init <= 1.0:
            problems.append(
                f"need 0 <= soc_min ({self.soc_min}) <= soc_init ({self.soc_init}) <= 1"
            )
        if problems:
            raise ValueError("; ".join(problems))


@dataclass(frozen=True)
class HomeState:
    """One step of every home, arrays (n,)."""

    p_kw: FloatArray  # net draw of PV and battery from the grid [kW], consumer sign
    p_pv_kw: FloatArray  # PV generation [kW], >= 0
    p_batt_kw: FloatArray  # battery power [kW], > 0 charging
    soc: FloatArray  # battery state of charge after the step, fraction (0 without battery)
    e_self_kwh: FloatArray  # cumulative PV energy used at home (load or battery) [kWh]
    e_pv_kwh: FloatArray  # cumulative PV energy [kWh]


def self_consume(
    p_load_kw: FloatArray,
    p_pv_kw: FloatArray,
    e_kwh: FloatArray,
    *,
    params: HomeParams,
    dt_h: float,
) -> tuple[FloatArray, FloatArray]:
    """Battery power [kW] (> 0 charging) and energy after the step [kWh] of each home.

    >>> p = HomeParams(np.array([5.0]), np.array([10.0]), np.array([3.0]), eta=1.0)
    >>> self_consume(np.array([1.0]), np.array([5.0]), np.array([5.0]), params=p, dt_h=1.0)
    (array([3.]), array([8.]))
    """
    eta = params.eta
    e_min = params.soc_min * params.batt_kwh
    surplus = p_pv_kw - p_load_kw
    room_kw = np.maximum(params.batt_kwh - e_kwh, 0.0) / (eta * dt_h)
    avail_kw = np.maximum(e_kwh - e_min, 0.0) * eta / dt_h
    p_ch = np.minimum(np.minimum(np.maximum(surplus, 0.0), params.batt_kw), room_kw)
    p_dis = np.minimum(np.minimum(np.maximum(-surplus, 0.0), params.batt_kw), avail_kw)
    e_next = np.clip(e_kwh + (eta * p_ch - p_dis / eta) * dt_h, 0.0, params.batt_kwh)
    return p_ch - p_dis, e_next


class HomeEnergyModel:
    """PV and self-consumption batteries of ``n`` homes, stepped in fixed steps.

    Parameters
    ----------
    params : HomeParams
        Ratings per home.
    site : SolarSite
        Location, PV performance and weather statistics.
    start : datetime
        Time of ``time_s = 0`` (timezone-aware).
    step_s : int
        Step [s].
    rng : numpy.random.Generator
        Draws the daily clearness (one value per day for all homes).
    """

    def __init__(
        self,
        params: HomeParams,
        *,
        site: SolarSite,
        start: datetime,
        step_s: int,
        rng: np.random.Generator,
    ) -> None:
        if start.tzinfo is None:
            raise ValueError(f"start={start.isoformat()} needs a UTC offset (e.g. +01:00)")
        self.params, self.site, self.step_s = params, site, int(step_s)
        self._t0_utc_s = int(start.timestamp())
        self._rng = rng
        self._clearness = np.zeros(0)
        self._e_kwh = params.soc_init * params.batt_kwh
        n = params.pv_kwp.shape
        self._e_self, self._e_pv = np.zeros(n), np.zeros(n)

    def _clearness_of_day(self, day: int) -> float:
        """Clearness of UTC day ``day`` since the first day of the run (drawn in order)."""
        if day >= self._clearness.size:
            more = daily_clearness(self._rng, day + 1 - self._clearness.size, self.site)
            self._clearness = np.concatenate([self._clearness, more])
        return float(self._clearness[day])

    def pv_kw(self, time_s: int) -> FloatArray:
        """Mean PV power [kW] of each home over the step starting at ``time_s`` (midpoint)."""
        site = self.site
        mid = self._t0_utc_s + int(time_s) + self.step_s // 2
        ghi = clear_sky_ghi_w_m2(
            cos_zenith(mid, latitude_deg=site.latitude_deg, longitude_deg=site.longitude_deg)
        )
        day = (mid // 86_400) - (self._t0_utc_s // 86_400)
        k = self._clearness_of_day(int(day))
        return self.params.pv_kwp * (float(ghi) / 1000.0 * site.performance_ratio * k)

    def step(self, time_s: int, p_load_kw: FloatArray) -> HomeState:
        """Generate, store or serve, and report the homes' net draw for ``[time_s, +step)``."""
        dt_h = self.step_s / 3600.0
        pv = self.pv_kw(time_s)
        p_batt, self._e_kwh = self_consume(
            p_load_kw, pv, self._e_kwh, params=self.params, dt_h=dt_h
        )
        self._e_pv += pv * dt_h
        self._e_self += (
            np.minimum(pv, np.maximum(p_load_kw, 0.0)) + np.maximum(p_batt, 0.0)
        ) * dt_h
        cap = self.params.batt_kwh
        soc = np.divide(self._e_kwh, cap, out=np.zeros_like(cap), where=cap > 0)
        return HomeState(
            p_kw=p_batt - pv,
            p_pv_kw=pv,
            p_batt_kw=p_batt,
            soc=soc,
            e_self_kwh=self._e_self.copy(),
            e_pv_kwh=self._e_pv.copy(),
        )

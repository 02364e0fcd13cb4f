"""Synthetic hourly day-ahead prices: daily shape, weekly/seasonal level, AR(1) noise, spikes.

Hourly price of hour ``h`` on day ``d`` (local time)::

    price = level * season(d) * week(d) + x_d          # daily level, AR(1) over days
          + amp * shape(hour, d)                         # morning/evening peaks, solar dip
          + y_h                                          # hourly AR(1) noise
          + spike_h                                      # rare positive spikes
    clipped to the harmonised SDAC limits [-500, 4000] EUR/MWh

- ``shape`` is a sum of Gaussian bumps: a morning peak (08:00), an evening peak (19:00), a
  night trough (03:00) and a midday solar dip (13:00) whose depth follows the sun
  (deepest at the June solstice); the shape is centred so that ``level`` stays the mean.
- ``season`` is ``1 + seasonal_amplitude * cos(2π (doy - 15) / 365)`` (dearer in January).
- ``x_d`` (day-to-day weather regimes, e.g. windy weeks) and ``y_h`` are AR(1) processes
  with stationary standard deviations ``daily_noise_eur_mwh`` and ``hourly_noise_eur_mwh``.
- Negative hours emerge where a deep solar dip meets a low (windy, weekend) day.

Calibration targets (EPEX Spot day-ahead, bidding zone DE-LU, hourly, base = annual mean):

==========  ==================  ==================  ===========================
year        mean [EUR/MWh]      negative hours      source
==========  ==================  ==================  ===========================
2019        37.7                211 (2.4 %)         Bundesnetzagentur/SMARD; Argus (2020)
2023        95.2                301 (3.4 %)         FfE, "German electricity prices on
                                                    EPEX Spot 2023" (2024); SMARD
2024        79.6                ~460 (5.2 %)        FfE, "... on EPEX Spot 2024" (2025)
==========  ==================  ==================  ===========================

Peak/base ratios (weekdays 08–20 h over all hours) were 1.1–1.2 (FfE). Hourly standard
deviations were roughly 15–20 EUR/MWh in 2019 and 45–50 EUR/MWh in 2023 (approximate, from
the hourly SMARD series; check against the data before relying on them).

What the presets give over simulated years (8 seeds, mean [min–max]):

============  ==============  =============  ================  ==========
preset        mean [EUR/MWh]  std [EUR/MWh]  negative hours    peak/base
============  ==============  =============  ================  ==========
de_lu_2023    95 [91–102]     51 [49–53]     3.2 % [2.4–4.1]   1.04
de_lu_2019    38 [36–40]      19 [18–19]     2.3 % [1.6–3.1]   1.04
============  ==============  =============  ================  ==========

``tests/unit/test_tariff_synthetic.py`` holds the generator to these bands (mean ±10 %,
std ±25 %, negative share 1–6 %). Peak/base is slightly low (1.04 against 1.1): the midday
solar dip that produces the negative hours also pulls the peak window down. This is a
stylised generator for studies of price-responsive charging, not a price forecast.

References
----------
.. [1] FfE, "German electricity prices on EPEX Spot 2023", 13 March 2024.
.. [2] Bundesnetzagentur | SMARD.de, "Großhandelspreise", hourly DE-LU day-ahead prices.
.. [3] Weron, R., "Electricity price forecasting: A review of the state-of-the-art with a
   look into the future", Int. J. Forecasting 30 (2014) 1030–1081 (AR models, spikes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from simulators.tariff.clock import Calendar
from simulators.tariff.series import PriceSeries

__all__ = ["PRESETS", "SyntheticPriceParams", "SyntheticPrices", "synthetic_params"]

PRICE_FLOOR_EUR_MWH = -500.0
PRICE_CAP_EUR_MWH = 4000.0
_BLOCK_H = 7 * 24


@dataclass(frozen=True)
class SyntheticPriceParams:
    """Parameters of the synthetic day-ahead price generator (magnitudes: DE-LU 2023).

    Parameters
    ----------
    level_eur_mwh : float
        Mean price level before spikes [EUR/MWh].
    daily_amplitude_eur_mwh : float
        Scale of the intra-day shape [EUR/MWh].
    morning_peak, evening_peak, night_trough, solar_dip : float
        Relative weights of the shape's bumps [-].
    seasonal_amplitude : float
        Relative winter/summer level swing [-], in [0, 1).
    saturday_factor, sunday_factor : float
        Level on weekends relative to weekdays [-].
    daily_noise_eur_mwh, daily_phi : float
        Stationary std [EUR/MWh] and lag-1 autocorrelation [-] of the daily level noise.
    hourly_noise_eur_mwh, hourly_phi : float
        Stationary std [EUR/MWh] and lag-1 autocorrelation [-] of the hourly noise.
    spike_prob : float
        Probability of a price spike per hour [-].
    spike_mean_eur_mwh : float
        Mean height of a spike (exponentially distributed) [EUR/MWh].
    """

    level_eur_mwh: float = 95.0
    daily_amplitude_eur_mwh: float = 30.0
    morning_peak: float = 1.5
    evening_peak: float = 1.8
    night_trough: float = 0.8
    solar_dip: float = 2.5
    seasonal_amplitude: float = 0.12
    saturday_factor: float = 0.88
    sunday_factor: float = 0.75
    daily_noise_eur_mwh: float = 36.0
    daily_phi: float = 0.7
    hourly_noise_eur_mwh: float = 12.0
    hourly_phi: float = 0.8
    spike_prob: float = 0.002
    spike_mean_eur_mwh: float = 120.0

    def __post_init__(self) -> None:
        problems = []
        for name in ("daily_amplitude_eur_mwh", "daily_noise_eur_mwh", "hourly_noise_eur_mwh",
                     "spike_mean_eur_mwh", "morning_peak", "evening_peak", "night_trough",
                     "solar_dip"):  # fmt: skip
            if not getattr(self, name) >= 0:
                problems.append(f"{name}={getattr(self, name)} must be >= 0")
        for name in ("daily_phi", "hourly_phi", "seasonal_amplitude"):
            if not 0 <= getattr(self, name) < 1:
                problems.append(f"{name}={getattr(self, name)} must be in [0, 1)")
        for name in ("saturday_factor", "sunday_factor"):
            if not 0 < getattr(self, name) <= 2:
                problems.append(f"{name}={getattr(self, name)} must be in (0, 2]")
        if not 0 <= self.spike_prob <= 0.1:
            problems.append(f"spike_prob={self.spike_prob} must be in [0, 0.1] per hour")
        if not np.isfinite(self.level_eur_mwh):
            problems.append(f"level_eur_mwh={self.level_eur_mwh} must be finite")
        if problems:
            raise ValueError("invalid SyntheticPriceParams: " + "; ".join(problems))


#: calibrated parameter sets (targets in the module docstring)
PRESETS: dict[str, SyntheticPriceParams] = {
    "de_lu_2023": SyntheticPriceParams(),
    "de_lu_2019": SyntheticPriceParams(
        level_eur_mwh=37.7,
        daily_amplitude_eur_mwh=11.0,
        daily_noise_eur_mwh=13.0,
        hourly_noise_eur_mwh=5.0,
        spike_prob=0.001,
        spike_mean_eur_mwh=30.0,
    ),
}


def synthetic_params(
    spec: str | Mapping[str, Any] | SyntheticPriceParams | None,
) -> SyntheticPriceParams:
    """Parameters from a preset name, a dict of overrides of the default, or pass through."""
    if spec is None:
        return PRESETS["de_lu_2023"]
    if isinstance(spec, SyntheticPriceParams):
        return spec
    if isinstance(spec, str):
        if spec not in PRESETS:
            raise ValueError(f"unknown synthetic price preset {spec!r}; presets: {sorted(PRESETS)}")
        return PRESETS[spec]
    spec = dict(spec)
    base = asdict(PRESETS[str(spec.pop("preset", "de_lu_2023"))])
    unknown = set(spec) - set(base)
    if unknown:
        raise ValueError(
            f"synthetic: unknown key(s) {sorted(unknown)}; allowed: preset, {sorted(base)}"
        )
    return SyntheticPriceParams(**{**base, **spec})


def _bump(hour: NDArray[np.float64], centre: float, width: float) -> NDArray[np.float64]:
    d = (hour - centre + 12.0) % 24.0 - 12.0
    return np.exp(-0.5 * (d / width) ** 2)


def daily_shape(
    hour: NDArray[np.float64], day_of_year: NDArray[np.int64], params: SyntheticPriceParams
) -> NDArray[np.float64]:
    """Centred intra-day shape [-] at local ``hour`` [h] (mean over a day ≈ 0).

    >>> h = np.arange(24.0)
    >>> s = daily_shape(h, np.full(24, 172), SyntheticPriceParams())
    >>> bool(s[19] > s[3]) and bool(s[13] < s[8])
    True
    """
    sun = 0.5 + 0.5 * np.cos(2 * np.pi * (day_of_year - 172) / 365.0)
    raw = (
        params.morning_peak * _bump(hour, 8.0, 1.5)
        + params.evening_peak * _bump(hour, 19.0, 2.0)
        - params.night_trough * _bump(hour, 3.0, 2.5)
        - params.solar_dip * (0.3 + 0.7 * sun) * _bump(hour, 13.0, 2.5)
    )
    hours = np.arange(24.0)
    mean = (
        params.morning_peak * _bump(hours, 8.0, 1.5).mean()
        + params.evening_peak * _bump(hours, 19.0, 2.0).mean()
        - params.night_trough * _bump(hours, 3.0, 2.5).mean()
        - params.solar_dip * (0.3 + 0.7 * sun) * _bump(hours, 13.0, 2.5).mean()
    )
    return raw - mean


def _ar1(innov: NDArray[np.float64], phi: float, x0: float) -> NDArray[np.float64]:
    out = np.empty_like(innov)
    x = x0
    for i, e in enumerate(innov):  # sequential by nature; a week of hours per call
        x = phi * x + e
        out[i] = x
    return out


class SyntheticPrices:
    """Hourly synthetic prices on scenario time, generated week by week on demand.

    Generation is block-wise in time order, so the same seed gives the same series however
    far ahead a caller looks.

    Parameters
    ----------
    params : SyntheticPriceParams
        Generator parameters.
    rng : numpy.random.Generator
        Random stream (from :func:`cosim.seeding.generator`).
    clock : callable
        Scenario seconds → local :class:`Calendar`.
    first_hour_s : int
        Start of the first hourly interval [s since scenario start], ``<= 0``.
    """

    def __init__(
        self,
        params: SyntheticPriceParams,
        rng: np.random.Generator,
        *,
        clock: Callable[[NDArray[np.int64]], Calendar],
        first_hour_s: int = 0,
    ) -> None:
        self.params = params
        self._rng = rng
        self._clock = clock
        self._x_day = rng.normal(0.0, params.daily_noise_eur_mwh)
        self._y_hour = rng.normal(0.0, params.hourly_noise_eur_mwh)
        t, price, end_s = self._block(first_hour_s)
        self.series = PriceSeries(t, price, end_s=end_s, source="synthetic prices")

    def _block(self, t0_s: int) -> tuple[NDArray[np.int64], NDArray[np.float64], int]:
        p, rng = self.params, self._rng
        t = t0_s + 3600 * np.arange(_BLOCK_H, dtype=np.int64)
        cal = self._clock(t)
        e_day = rng.normal(0.0, p.daily_noise_eur_mwh * np.sqrt(1 - p.daily_phi**2), _BLOCK_H // 24)
        x_day = _ar1(e_day, p.daily_phi, self._x_day)
        e_hour = rng.normal(0.0, p.hourly_noise_eur_mwh * np.sqrt(1 - p.hourly_phi**2), _BLOCK_H)
        y_hour = _ar1(e_hour, p.hourly_phi, self._y_hour)
        spikes = (rng.random(_BLOCK_H) < p.spike_prob) * rng.exponential(
            p.spike_mean_eur_mwh, _BLOCK_H
        )
        self._x_day, self._y_hour = float(x_day[-1]), float(y_hour[-1])
        season = 1.0 + p.seasonal_amplitude * np.cos(2 * np.pi * (cal.day_of_year - 15) / 365.0)
        week = np.select(
            [cal.weekday == 5, cal.weekday == 6], [p.saturday_factor, p.sunday_factor], 1.0
        )
        week /= (5.0 + p.saturday_factor + p.sunday_factor) / 7.0  # weekly mean stays ``level``
        price = (
            p.level_eur_mwh * season * week
            + np.repeat(x_day, 24)
            + p.daily_amplitude_eur_mwh * daily_shape(cal.hour, cal.day_of_year, p)
            + y_hour
            + spikes
        )
        price = np.clip(price, PRICE_FLOOR_EUR_MWH, PRICE_CAP_EUR_MWH)
        return t, price, int(t[-1]) + 3600

    def ensure(self, until_s: int) -> PriceSeries:
        """Generate until the series covers ``[.., until_s)``; return the series."""
        while self.series.end_s < until_s:
            t, price, end_s = self._block(self.series.end_s)
            self.series.extend(t, price, end_s=end_s)
        return self.series

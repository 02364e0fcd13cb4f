"""Ambient temperature by day of year and the seasonal EV consumption it causes (pure).

**Temperature.** Long-term monthly mean air temperatures of Germany (area mean, DWD
climate normals 1991-2020, rounded to 0.1 °C; Deutscher Wetterdienst, "Zeitreihen und
Trends", Gebietsmittel Deutschland). The values are attached to mid-month and linearly
interpolated over the (non-leap, cyclic) year, so the temperature has no jumps at month
boundaries. Another climate is a 12-value tuple in :class:`ClimateParams`.

**Consumption.** Driving consumption rises in the cold (cabin heating, battery losses)
and, less, in the heat (air conditioning). A V-shaped factor around an optimum
temperature reproduces the published fleet data to first order:

.. math::

    f(T) = 1 + c_{cold} \\max(T_{opt} - T, 0) + c_{hot} \\max(T - T_{opt}, 0)

With ``T_opt = 21.5 °C``, ``c_cold = 0.010 /K`` and ``c_hot = 0.012 /K`` the factor is
1.22 at 0 °C, 1.37 at -15 °C and 1.16 at 35 °C. Geotab's analysis of 4,200 connected EVs
(2019) finds 100 % of rated range near 21.5 °C and about 80 % near 0 °C (i.e. ~1.25 x
consumption); AAA (2019) measured +12-20 % consumption around -7 °C without heating and up
to +40 % with heating, and ~+17 % at 35 °C with A/C. Yuksel & Michalek (2015) show the
same V shape for the Nissan Leaf. The coefficients are a rounded fit to these, not a
regression: treat the factor as +-5 pp uncertain.

References
----------
.. [1] Deutscher Wetterdienst, climate normals 1991-2020, monthly area means for Germany.
.. [2] T. Yuksel, J. J. Michalek, "Effects of regional temperature on electric vehicle
   efficiency, range, and emissions in the United States", Environ. Sci. Technol. 49
   (2015) 3974-3980, doi:10.1021/es505621s.
.. [3] Geotab, "To what degree does temperature impact EV range?" (2019, 4,200 EVs).
.. [4] AAA, "Electric vehicle range testing" (2019).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "GERMANY_1991_2020_C",
    "ClimateCurve",
    "ClimateParams",
    "ambient_temp_c",
    "consumption_factor",
]

GERMANY_1991_2020_C: tuple[float, ...] = (
    0.9,
    1.5,
    4.6,
    8.9,
    12.9,
    16.3,
    18.3,
    17.9,
    14.1,
    9.5,
    5.0,
    1.9,
)
"""Monthly mean air temperature of Germany, January ... December [°C] (DWD 1991-2020)."""

_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)
_MID_DOY = np.cumsum(_MONTH_DAYS) - _MONTH_DAYS / 2.0  # mid-month, days since 1 Jan 00:00
_YEAR_D = 365.0


@dataclass(frozen=True)
class ClimateParams:
    """Climate and temperature sensitivity of consumption.

    Parameters
    ----------
    monthly_temp_c : tuple of 12 float
        Monthly mean ambient temperature, January first [°C].
    t_opt_c : float
        Temperature of the lowest consumption [°C].
    cold_per_k, hot_per_k : float
        Relative consumption increase per kelvin below / above ``t_opt_c`` [1/K].
    battery_offset_k : float
        Mean battery temperature above ambient, used for ageing [K] (parked cars sit near
        ambient; heat from driving and charging adds a few kelvin).
    """

    monthly_temp_c: tuple[float, ...] = GERMANY_1991_2020_C
    t_opt_c: float = 21.5
    cold_per_k: float = 0.010
    hot_per_k: float = 0.012
    battery_offset_k: float = 3.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "monthly_temp_c", tuple(float(t) for t in self.monthly_temp_c))
        problems = []
        if len(self.monthly_temp_c) != 12:
            problems.append(f"monthly_temp_c has {len(self.monthly_temp_c)} values; give 12")
        elif not all(-40.0 <= t <= 50.0 for t in self.monthly_temp_c):
            problems.append(f"monthly_temp_c={self.monthly_temp_c} must be in [-40, 50] °C")
        if not -10.0 <= self.t_opt_c <= 40.0:
            problems.append(f"t_opt_c={self.t_opt_c} must be in [-10, 40] °C")
        for name in ("cold_per_k", "hot_per_k"):
            if not 0.0 <= getattr(self, name) <= 0.1:
                problems.append(f"{name}={getattr(self, name)} must be in [0, 0.1] 1/K")
        if not 0.0 <= self.battery_offset_k <= 20.0:
            problems.append(f"battery_offset_k={self.battery_offset_k} must be in [0, 20] K")
        if problems:
            raise ValueError("invalid ClimateParams: " + "; ".join(problems))


def ambient_temp_c(day_of_year: ArrayLike, params: ClimateParams) -> NDArray[np.float64]:
    """Ambient temperature on ``day_of_year`` (days since 1 January 00:00, cyclic) [°C].

    >>> p = ClimateParams()
    >>> float(ambient_temp_c(196.5, p))  # mid-July
    18.3
    """
    doy = np.mod(np.asarray(day_of_year, dtype=float), _YEAR_D)
    xs, ys = _nodes(params)
    return np.interp(doy, xs, ys)


def _nodes(params: ClimateParams) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Interpolation nodes (mid-month days, cyclic) and their temperatures [d], [°C]."""
    xs = np.concatenate([[_MID_DOY[-1] - _YEAR_D], _MID_DOY, [_MID_DOY[0] + _YEAR_D]])
    temps = np.asarray(params.monthly_temp_c)
    ys = np.concatenate([[temps[-1]], temps, [temps[0]]])
    return xs, ys


def consumption_factor(temp_c: ArrayLike, params: ClimateParams) -> NDArray[np.float64]:
    """Consumption relative to its value at the optimum temperature [-].

    >>> round(float(consumption_factor(0.0, ClimateParams())), 3)
    1.215
    """
    t = np.asarray(temp_c, dtype=float)
    cold = params.cold_per_k * np.maximum(params.t_opt_c - t, 0.0)
    hot = params.hot_per_k * np.maximum(t - params.t_opt_c, 0.0)
    return 1.0 + cold + hot


class ClimateCurve:
    """:func:`ambient_temp_c` and :func:`consumption_factor` for one scalar time, fast.

    The interpolation nodes are built once and a per-step call interpolates in plain
    Python with the arithmetic of ``np.interp``; the results are bit-identical to the two
    functions.

    >>> curve = ClimateCurve(ClimateParams())
    >>> curve.temp_c(196.5), round(curve.consumption_factor(0.0), 3)
    (18.3, 1.215)
    """

    def __init__(self, params: ClimateParams) -> None:
        self.params = params
        xs, ys = _nodes(params)
        self._xs: list[float] = xs.tolist()
        self._ys: list[float] = ys.tolist()

    def temp_c(self, day_of_year: float) -> float:
        """Ambient temperature on ``day_of_year`` (cyclic) [°C]."""
        # float % is np.mod for floats (both floor-mod, same rounding), without an array
        x = float(day_of_year) % _YEAR_D
        xs, ys = self._xs, self._ys
        j = bisect_right(xs, x) - 1  # xs[j] <= x < xs[j + 1]; the nodes span the year
        if x == xs[j]:
            return ys[j]
        # np.interp's formula (numpy/_core/src/multiarray/compiled_base.c), for one value
        slope = (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j])
        return slope * (x - xs[j]) + ys[j]

    def consumption_factor(self, temp_c: float) -> float:
        """Consumption relative to its value at the optimum temperature [-]."""
        p = self.params
        cold = p.cold_per_k * max(p.t_opt_c - temp_c, 0.0)
        hot = p.hot_per_k * max(temp_c - p.t_opt_c, 0.0)
        return 1.0 + cold + hot

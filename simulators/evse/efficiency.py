"""Part-load conversion efficiency of a charge point (charging and V2G discharging).

The losses of a power-electronic converter are modelled with the three-term loss model
widely used for inverters and chargers (Schmidt & Sauer 1996):

.. math::

    \\frac{P_\\mathrm{loss}}{P_\\mathrm{rated}} = c_0 + c_1 x + c_2 x^2,
    \\qquad x = \\frac{|P_\\mathrm{AC}|}{P_\\mathrm{rated}},

where :math:`c_0` is the no-load loss (control electronics, magnetising losses) while the
converter runs, :math:`c_1` the loss proportional to current (switching, diode drops) and
:math:`c_2` the ohmic loss. It reproduces the shape every measured charger curve has: a
steep drop of efficiency at low part load and a flat top near rated power.

- **charging** (``p_ac > 0``): the battery receives ``p_ac - loss`` (never below 0), so
  ``eta_ch = 1 - loss / p_ac``;
- **discharging** (V2G, ``p_ac < 0``): the battery delivers ``|p_ac| + loss``, so the battery
  side power is ``p_ac / eta_dis`` with ``eta_dis = |p_ac| / (|p_ac| + loss)``.

A constant efficiency ``eta`` is the special case ``c_0 = c_2 = 0``, ``c_1 = 1 - eta``
(charging) and ``c_1 = 1 / eta - 1`` (discharging). An idle converter (``p_ac = 0``) has no
loss: standby consumption of an empty charge point is not modelled.

Presets (``EFFICIENCY_CURVES``):

``"obc_typical"``
    Project default for an AC charge point with the EV's on-board charger (OBC). The
    coefficients are *not fitted to one data set*; they were chosen to reproduce the figures
    reported in the literature: η ≈ 0.93 at rated power, ≈ 0.92 at half load, ≈ 0.89 at a
    quarter load and ≈ 0.80 at 10 % load (charging); discharging about one point lower
    (Apostolaki-Iosifidou et al. 2017 measured higher losses at low power and a slightly
    lower efficiency for discharging than for charging; Sears et al. 2014 report 85-90 %
    for Level-2 AC charging).
``"dc_typical"``
    An off-board (DC, bidirectional) converter: flatter curve, η ≈ 0.95 at rated power.
    Project default in the same spirit.

References
----------
.. [1] H. Schmidt, D. U. Sauer, "Wechselrichter-Wirkungsgrade: Praxisgerechte Modellierung
   und Abschätzung", Sonnenenergie 4 (1996) 43-47.
.. [2] E. Apostolaki-Iosifidou, P. Codani, W. Kempton, "Measurement of power loss during
   electric vehicle charging and discharging", Energy 127 (2017) 730-742.
.. [3] J. Sears, D. Roberts, K. Glitman, "A comparison of electric vehicle Level 1 and
   Level 2 charging efficiency", IEEE Conf. Technologies for Sustainability (2014).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "EFFICIENCY_CURVES",
    "SPARSE_MIN",
    "LossCurve",
    "ac_power_for_battery",
    "battery_power",
    "efficiency",
    "max_discharge_ac",
]

FloatArray = NDArray[np.float64]

#: banks of at least this many chargers read the connected EVs only (``EVMap``: fewer,
#: larger array operations); smaller ones over all chargers (fewer numpy calls)
SPARSE_MIN = 256


@dataclass(frozen=True)
class LossCurve:
    """Loss coefficients of one direction, per unit of rated power (see module docstring).

    Parameters
    ----------
    c0, c1, c2 : float
        No-load, linear and quadratic loss coefficients [-], all finite and ``>= 0``.
    """

    c0: float
    c1: float
    c2: float

    def __post_init__(self) -> None:
        coeffs = (self.c0, self.c1, self.c2)
        if not np.isfinite(coeffs).all() or min(coeffs) < 0:
            raise ValueError(f"LossCurve coefficients (c0, c1, c2) = {coeffs} must be finite, >= 0")

    def as_array(self, n: int = 1) -> NDArray[np.float64]:
        """Coefficients as a (3, n) array, the layout the vectorised functions take."""
        return np.repeat(np.array([[self.c0], [self.c1], [self.c2]]), n, axis=1)

    @classmethod
    def flat_charge(cls, eta: float) -> LossCurve:
        """Constant charging efficiency ``eta`` [-] (battery gets ``eta * p_ac``)."""
        return cls(0.0, 1.0 - eta, 0.0)

    @classmethod
    def flat_discharge(cls, eta: float) -> LossCurve:
        """Constant discharging efficiency ``eta`` [-] (battery gives ``|p_ac| / eta``)."""
        return cls(0.0, 1.0 / eta - 1.0, 0.0)


#: named (charge, discharge) curves; see the module docstring for their sources
EFFICIENCY_CURVES: dict[str, tuple[LossCurve, LossCurve]] = {
    "obc_typical": (LossCurve(0.015, 0.045, 0.010), LossCurve(0.021, 0.050, 0.012)),
    "dc_typical": (LossCurve(0.008, 0.030, 0.012), LossCurve(0.009, 0.033, 0.013)),
}


def _loss_kw(p_abs_kw: FloatArray, p_rated_kw: FloatArray, c: FloatArray) -> FloatArray:
    """Converter loss [kW] at ``|p_ac|`` for coefficients ``c`` of shape (3, n)."""
    x = p_abs_kw / p_rated_kw
    loss = p_rated_kw * (c[0] + c[1] * x + c[2] * x * x)
    return np.where(p_abs_kw > 0, loss, 0.0)


def battery_power(
    p_ac_kw: FloatArray, p_rated_kw: FloatArray, c_ch: FloatArray, c_dis: FloatArray
) -> FloatArray:
    """Battery-side power [kW] for AC power ``p_ac_kw`` (>0 charging, <0 discharging).

    Parameters
    ----------
    p_ac_kw : ndarray (n,)
        AC power at the grid connection [kW].
    p_rated_kw : ndarray (n,)
        Rated AC power [kW] (the per-unit base of the loss curve).
    c_ch, c_dis : ndarray (3, n)
        Charging and discharging loss coefficients (``c0, c1, c2`` rows).

    Returns
    -------
    ndarray (n,)
        ``p_ac - loss`` (>= 0) when charging, ``p_ac - loss`` (more negative) when
        discharging; so ``p_ac - p_batt`` is always the (non-negative) loss.

    Examples
    --------
    >>> c = np.array([[0.0], [0.08], [0.0]])
    >>> battery_power(np.array([10.0]), np.array([10.0]), c, c).round(6).tolist()
    [9.2]
    """
    p_abs = np.abs(p_ac_kw)
    charging = p_ac_kw > 0
    loss = np.where(charging, _loss_kw(p_abs, p_rated_kw, c_ch), _loss_kw(p_abs, p_rated_kw, c_dis))
    return np.where(charging, np.maximum(p_ac_kw - loss, 0.0), p_ac_kw - loss)


def efficiency(
    p_ac_kw: FloatArray, p_rated_kw: FloatArray, c_ch: FloatArray, c_dis: FloatArray
) -> FloatArray:
    """Conversion efficiency [-] at ``p_ac_kw``: ``p_batt/p_ac`` charging, inverse discharging.

    NaN where ``p_ac_kw == 0`` (no conversion).

    >>> ch, dis = (c.as_array(2) for c in EFFICIENCY_CURVES["obc_typical"])
    >>> efficiency(np.array([11.0, 5.5]), np.full(2, 11.0), ch, dis).round(3).tolist()
    [0.93, 0.92]
    """
    p_batt = battery_power(p_ac_kw, p_rated_kw, c_ch, c_dis)
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = np.where(p_ac_kw > 0, p_batt / p_ac_kw, p_ac_kw / p_batt)
    return np.where(p_ac_kw != 0, eta, np.nan)


def ac_power_for_battery(
    p_batt_kw: FloatArray, p_rated_kw: FloatArray, c: FloatArray
) -> FloatArray:
    """AC charging power [kW] that delivers ``p_batt_kw >= 0`` to the battery.

    Solves ``p - r (c0 + c1 p/r + c2 p²/r²) = b`` for its smallest root (``r`` rated power);
    ``inf`` where no AC power can deliver ``b``, 0 where ``b == 0``.

    >>> c = np.array([[0.0], [0.1], [0.0]])
    >>> ac_power_for_battery(np.array([9.0]), np.array([11.0]), c).round(6).tolist()
    [10.0]
    """
    b = np.maximum(p_batt_kw, 0.0)
    a = c[2] / p_rated_kw
    lin = 1.0 - c[1]
    const = c[0] * p_rated_kw + b
    disc = lin * lin - 4.0 * a * const
    p = 2.0 * const / (lin + np.sqrt(np.maximum(disc, 0.0)))
    p = np.where(disc < 0, np.inf, p)
    return np.where(b > 0, p, 0.0)


def max_discharge_ac(e_batt_kw: FloatArray, p_rated_kw: FloatArray, c: FloatArray) -> FloatArray:
    """Largest AC discharge power [kW] (>= 0) whose battery-side power is ``e_batt_kw``.

    Solves ``p + r (c0 + c1 p/r + c2 p²/r²) = b``; 0 where ``b`` cannot even cover the
    no-load loss.

    >>> c = np.array([[0.0], [0.25], [0.0]])
    >>> max_discharge_ac(np.array([10.0]), np.array([11.0]), c).round(6).tolist()
    [8.0]
    """
    b = np.maximum(e_batt_kw, 0.0)
    a = c[2] / p_rated_kw
    lin = 1.0 + c[1]
    rest = b - c[0] * p_rated_kw
    disc = lin * lin + 4.0 * a * np.maximum(rest, 0.0)
    p = 2.0 * rest / (lin + np.sqrt(disc))
    return np.maximum(p, 0.0)

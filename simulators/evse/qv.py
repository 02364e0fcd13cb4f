"""Voltage-dependent characteristics of a charge point: Q(V) (Volt-VAr) and P(V) (Volt-Watt).

Both are piecewise-linear in the measured voltage [p.u.], flat beyond the first and last
points. Signs follow the project's consumer convention: ``q > 0`` absorbs reactive power
(inductive), which lowers the voltage, so a Q(V) curve *rises* with voltage: it injects
(``q < 0``) at low voltage and absorbs at high voltage. Q(V) values are fractions of the
charger's rated apparent power ``s_rated_kva``, as in IEEE 1547-2018 (Q in % of the
nameplate apparent power rating).

Q(V) presets (``QV_CURVES``):

``"ieee1547_cat_b"``
    IEEE 1547-2018 Table 8 default for Category B: V1 = 0.92 → 44 % injected, V2 = 0.98 and
    V3 = 1.02 → 0, V4 = 1.08 → 44 % absorbed.
``"ieee1547_cat_a"``
    IEEE 1547-2018 default for Category A: no dead band (V2 = V3 = 1.00), V1 = 0.90 → 25 %
    injected, V4 = 1.10 → 25 % absorbed.
``"en50549"``
    EN 50549-1:2019 §4.7.2.3.3 specifies a *configurable* four-point Q(U) characteristic
    and leaves its points to the DSO / national rules, with a reactive capability of at
    least cos φ = 0.90 (|Q| = 0.436 S). The project default uses that full capability and
    points 0.93 / 0.97 / 1.03 / 1.07 p.u. (a ±3 % dead band; full output at ±7 %, well
    inside the EN 50160 ±10 % band). It is **not a normative default**: set the national
    points for a study.
``"vde4110"``
    VDE-AR-N 4110 (German MV) preset as shipped by grid-code controller vendors:
    0.94 → 33 % injected, 0.96 and 1.04 → 0, 1.06 → 33 % absorbed (there per unit of the
    installed active power; used here per unit of ``s_rated_kva``).

P(V) presets (``PV_CURVES``), as factors in [0, 1] of the rated power for charging and
for discharging:

``"default"``
    Charging: 1 at V ≥ 0.95, falling linearly to 0 at V ≤ 0.90 (the EN 50160 lower limit);
    a project default, the standards define no P(V) for loads. Discharging (V2G injection):
    1 at V ≤ 1.06, 0 at V ≥ 1.10, the IEEE 1547-2018 Category B volt-watt default points
    (V1 = 1.06, V2 = 1.10) with P'2 = 0 for DER that can absorb active power.

References
----------
.. [1] IEEE Std 1547-2018, "IEEE Standard for Interconnection and Interoperability of
   Distributed Energy Resources with Associated Electric Power Systems Interfaces",
   §5.3.3 (voltage-reactive power mode, Table 8) and §5.4.2 (voltage-active power mode).
.. [2] EN 50549-1:2019, "Requirements for generating plants to be connected in parallel
   with distribution networks - Part 1: Connection to a LV distribution network",
   §4.7.2.3.
.. [3] EN 50160:2010, "Voltage characteristics of electricity supplied by public
   electricity networks".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from simulators.evse.choices import QVCurve

__all__ = ["PV_CURVES", "QV_CURVES", "Curve", "PVCurves", "evaluate_curves", "parse_curve"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Curve:
    """A piecewise-linear characteristic ``y(v)``, flat outside its points.

    Parameters
    ----------
    v_pu : tuple of float
        Voltages [p.u.], strictly increasing, at least two.
    y : tuple of float
        Values at those voltages (Q/S_rated [-] or a power factor [-]).

    Examples
    --------
    >>> QV_CURVES["ieee1547_cat_b"](np.array([0.90, 0.95, 1.0, 1.05, 1.10])).round(6).tolist()
    [-0.44, -0.22, 0.0, 0.22, 0.44]
    """

    v_pu: tuple[float, ...]
    y: tuple[float, ...]

    def __post_init__(self) -> None:
        v = np.asarray(self.v_pu, dtype=float)
        y = np.asarray(self.y, dtype=float)
        if v.ndim != 1 or v.size < 2 or v.shape != y.shape:
            raise ValueError(
                f"Curve needs >= 2 (v_pu, y) points of equal length, got {v.size} v_pu and "
                f"{y.size} y values"
            )
        if not (np.isfinite(v).all() and np.isfinite(y).all()) or (np.diff(v) <= 0).any():
            raise ValueError(f"Curve v_pu {self.v_pu} must be finite and strictly increasing")

    def __call__(self, v_pu: FloatArray) -> FloatArray:
        """Value of the curve at ``v_pu`` [p.u.]."""
        return np.interp(v_pu, self.v_pu, self.y)


@dataclass(frozen=True)
class PVCurves:
    """P(V) droop: factors of rated power allowed for charging and for discharging."""

    charge: Curve
    discharge: Curve


#: Q(V) presets by :class:`~simulators.evse.choices.QVCurve` value
QV_CURVES: dict[str, Curve] = {
    QVCurve.IEEE1547_CAT_B.value: Curve((0.92, 0.98, 1.02, 1.08), (-0.44, 0.0, 0.0, 0.44)),
    QVCurve.IEEE1547_CAT_A.value: Curve((0.90, 1.00, 1.10), (-0.25, 0.0, 0.25)),
    QVCurve.EN50549.value: Curve((0.93, 0.97, 1.03, 1.07), (-0.436, 0.0, 0.0, 0.436)),
    QVCurve.VDE4110.value: Curve((0.94, 0.96, 1.04, 1.06), (-0.33, 0.0, 0.0, 0.33)),
}

PV_CURVES: dict[str, PVCurves] = {
    "default": PVCurves(
        charge=Curve((0.90, 0.95), (0.0, 1.0)),
        discharge=Curve((1.06, 1.10), (1.0, 0.0)),
    ),
}


def parse_curve(spec: Any, presets: Mapping[str, Any], what: str) -> Any:
    """A preset by name, or a custom curve from ``{"v_pu": [...], "y": [...]}``.

    For P(V) the custom form is ``{"charge": {...}, "discharge": {...}}``.
    """
    if isinstance(spec, (Curve, PVCurves)):
        return spec
    if isinstance(spec, str):
        try:
            return presets[spec]
        except KeyError as err:
            raise ValueError(
                f"unknown {what} preset {spec!r}; presets: {sorted(presets)}, or give "
                "points as {'v_pu': [...], 'y': [...]}"
            ) from err
    if isinstance(spec, Mapping):
        if "charge" in spec:
            return PVCurves(
                charge=parse_curve(spec["charge"], {}, what),
                discharge=parse_curve(
                    spec.get("discharge", {"v_pu": [0, 1], "y": [1, 1]}), {}, what
                ),
            )
        try:
            return Curve(tuple(map(float, spec["v_pu"])), tuple(map(float, spec["y"])))
        except KeyError as err:
            raise ValueError(f"{what} points need keys 'v_pu' and 'y', got {sorted(spec)}") from err
    raise ValueError(f"{what} must be a preset name or a points mapping, got {spec!r}")


def evaluate_curves(
    curves: Sequence[Curve], curve_idx: NDArray[np.int64], v_pu: FloatArray
) -> FloatArray:
    """Evaluate curve ``curves[curve_idx[i]]`` at ``v_pu[i]`` for every charger ``i``.

    Loops over the few distinct curves, not over chargers.

    >>> cb = QV_CURVES["ieee1547_cat_b"]; ca = QV_CURVES["ieee1547_cat_a"]
    >>> evaluate_curves([cb, ca], np.array([0, 1]), np.array([1.1, 1.1])).tolist()
    [0.44, 0.25]
    """
    if len(curves) == 1:
        return curves[0](v_pu)
    out = np.empty(v_pu.shape)
    for k, curve in enumerate(curves):
        sel = curve_idx == k
        out[sel] = curve(v_pu[sel])
    return out

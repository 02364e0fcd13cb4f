"""Charger characteristics: part-load efficiency, Q(V)/P(V) curves, capability circle."""

from __future__ import annotations

import numpy as np
import pytest

from simulators.evse import EFFICIENCY_CURVES, PV_CURVES, QV_CURVES, LossCurve, limit_to_circle
from simulators.evse.efficiency import (
    ac_power_for_battery,
    battery_power,
    efficiency,
    max_discharge_ac,
)
from simulators.evse.qv import Curve, evaluate_curves, parse_curve

R = np.full(5, 11.0)


def _coeffs(name: str, n: int = 5) -> tuple[np.ndarray, np.ndarray]:
    ch, dis = EFFICIENCY_CURVES[name]
    return ch.as_array(n), dis.as_array(n)


# --- efficiency ------------------------------------------------------------------------


def test_part_load_efficiency_drops_at_low_load_and_peaks_near_rated() -> None:
    ch, dis = _coeffs("obc_typical")
    p = np.array([1.1, 2.75, 5.5, 8.25, 11.0])
    eta_ch = efficiency(p, R, ch, dis)
    eta_dis = efficiency(-p, R, ch, dis)
    np.testing.assert_allclose(eta_ch, [0.804, 0.8925, 0.92, 0.9275, 0.93], atol=1e-3)
    assert (np.diff(eta_ch) > 0).all() and (np.diff(eta_dis) > 0).all()
    assert (eta_dis < eta_ch).all(), "discharging is documented as slightly less efficient"


def test_flat_curve_reproduces_a_constant_efficiency_both_ways() -> None:
    ch = LossCurve.flat_charge(0.9).as_array(5)
    dis = LossCurve.flat_discharge(0.8).as_array(5)
    p = np.array([0.1, 1.0, 3.0, 7.0, 11.0])
    np.testing.assert_allclose(battery_power(p, R, ch, dis), 0.9 * p)
    np.testing.assert_allclose(battery_power(-p, R, ch, dis), -p / 0.8)


def test_losses_are_never_negative_and_zero_when_idle() -> None:
    ch, dis = _coeffs("obc_typical")
    p = np.array([-11.0, -0.2, 0.0, 0.01, 11.0])
    loss = p - battery_power(p, R, ch, dis)
    assert (loss >= 0).all() and loss[2] == 0.0
    assert battery_power(np.array([0.01]), R[:1], ch[:, :1], dis[:, :1])[0] == 0.0


def test_inverse_functions_round_trip() -> None:
    ch, dis = _coeffs("obc_typical")
    p = np.array([0.5, 2.0, 5.0, 9.0, 11.0])
    b = battery_power(p, R, ch, dis)
    np.testing.assert_allclose(ac_power_for_battery(b, R, ch), p, rtol=1e-12)
    np.testing.assert_allclose(max_discharge_ac(-battery_power(-p, R, ch, dis), R, dis), p)
    assert ac_power_for_battery(np.zeros(5), R, ch).tolist() == [0.0] * 5
    assert (max_discharge_ac(np.full(5, 0.01), R, dis) == 0).all()  # below no-load loss


def test_round_trip_efficiency_of_a_v2g_cycle() -> None:
    """Charge 10 kWh into the battery, give it back: the grid gets back less than it gave."""
    ch, dis = _coeffs("obc_typical", 1)
    r = np.array([11.0])
    p_in = ac_power_for_battery(np.array([10.0]), r, ch)  # 1 h at 10 kW battery-side
    p_out = max_discharge_ac(np.array([10.0]), r, dis)
    round_trip = float(p_out[0] / p_in[0])
    assert 0.83 < round_trip < 0.87


def test_loss_curve_rejects_negative_coefficients() -> None:
    with pytest.raises(ValueError, match="c0, c1, c2"):
        LossCurve(-0.1, 0.0, 0.0)


# --- Q(V) and P(V) -----------------------------------------------------------------------


def test_ieee1547_category_b_default_points() -> None:
    curve = QV_CURVES["ieee1547_cat_b"]
    v = np.array([0.85, 0.92, 0.95, 0.98, 1.0, 1.02, 1.05, 1.08, 1.15])
    expected = [-0.44, -0.44, -0.22, 0.0, 0.0, 0.0, 0.22, 0.44, 0.44]
    np.testing.assert_allclose(curve(v), expected, atol=1e-12)


def test_ieee1547_category_a_has_no_dead_band_and_25_percent() -> None:
    curve = QV_CURVES["ieee1547_cat_a"]
    np.testing.assert_allclose(
        curve(np.array([0.9, 0.95, 1.0, 1.05, 1.1])), [-0.25, -0.125, 0, 0.125, 0.25]
    )


def test_en50549_default_uses_cos_phi_090_capability_and_a_dead_band() -> None:
    curve = QV_CURVES["en50549"]
    q_max = np.sin(np.arccos(0.90))
    np.testing.assert_allclose(curve(np.array([0.93, 1.07])), [-q_max, q_max], atol=1e-3)
    np.testing.assert_allclose(curve(np.array([0.97, 1.0, 1.03])), 0.0)
    np.testing.assert_allclose(curve(np.array([1.05])), q_max / 2, atol=1e-3)


def test_consumer_sign_absorbs_at_high_voltage_for_every_preset() -> None:
    for name, curve in QV_CURVES.items():
        assert curve(np.array([1.2]))[0] > 0 > curve(np.array([0.8]))[0], name


def test_pv_default_curtails_charging_at_low_and_v2g_at_high_voltage() -> None:
    pv = PV_CURVES["default"]
    np.testing.assert_allclose(
        pv.charge(np.array([0.88, 0.90, 0.925, 0.95, 1.0])), [0, 0, 0.5, 1, 1]
    )
    np.testing.assert_allclose(pv.discharge(np.array([1.0, 1.06, 1.08, 1.10])), [1, 1, 0.5, 0])


def test_custom_curves_and_helpful_errors() -> None:
    c = parse_curve({"v_pu": [0.9, 1.1], "y": [-0.3, 0.3]}, QV_CURVES, "qv_curve")
    assert c(np.array([1.0]))[0] == pytest.approx(0.0)
    with pytest.raises(ValueError, match="ieee1547_cat_b"):
        parse_curve("ieee2030", QV_CURVES, "qv_curve")
    with pytest.raises(ValueError, match="strictly increasing"):
        Curve((1.0, 0.9), (0.0, 0.1))
    out = evaluate_curves([QV_CURVES["ieee1547_cat_b"], c], np.array([0, 1, 0]), np.full(3, 1.1))
    np.testing.assert_allclose(out, [0.44, 0.3, 0.44])


# --- capability ------------------------------------------------------------------------


def test_p_priority_keeps_p_and_q_priority_keeps_q() -> None:
    p = np.array([11.0, 11.0, -11.0, 6.0])
    q = np.array([5.0, 5.0, -5.0, 8.0])
    s = np.full(4, 11.0)
    prio = np.array([False, True, True, False])
    p2, q2 = limit_to_circle(p, q, s, q_priority=prio)
    np.testing.assert_allclose(p2, [11.0, np.sqrt(121 - 25), -np.sqrt(121 - 25), 6.0])
    np.testing.assert_allclose(q2, [0.0, 5.0, -5.0, 8.0])
    assert (np.hypot(p2, q2) <= s + 1e-12).all()

"""Charger bank behaviour: V2G, delay, ramp, current steps, phases, P-Q modes, contract limits."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from cosim.errors import ModelError
from simulators.evse import EVSEModel, EVSEParams, voltage_at_chargers
from simulators.evse.dynamics import DeadTime, quantise_pilot

STEP_S = 900
DT_H = STEP_S / 3600.0


def _bank(n: int = 3, **kw: Any) -> EVSEModel:
    return EVSEModel(EVSEParams(bus_id=np.arange(n), **kw), step_s=STEP_S)


def _ev(n: int, **kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "plugged": np.ones(n, dtype=bool),
        "e_need_kwh": np.full(n, 50.0),
        "p_max_kw": np.full(n, 22.0),
        "charger_idx": np.arange(n),
        "soc": np.full(n, 0.6),
        "soc_min": np.full(n, 0.2),
        "e_capacity_kwh": np.full(n, 60.0),
    }
    args.update(kw)
    return args


def _step(bank: EVSEModel, t: int = 0, **kw: Any):  # type: ignore[no-untyped-def]
    return bank.step(t, **_ev(bank.n, **kw))


# --- V2G -------------------------------------------------------------------------------


def test_bidirectional_charger_discharges_and_battery_gives_ac_over_eta() -> None:
    bank = _bank(2, bidirectional=[True, False], efficiency=0.9)
    out = _step(bank, p_set_kw=np.array([-8.0, -8.0]))
    np.testing.assert_allclose(out.p_kw, [-8.0, 0.0])
    np.testing.assert_allclose(out.p_batt_kw, [-8.0 / 0.9, 0.0])
    np.testing.assert_allclose(out.p_loss_kw, [8.0 / 0.9 - 8.0, 0.0])


def test_discharge_stops_at_soc_min() -> None:
    bank = _bank(3, bidirectional=True, efficiency=0.9, p_rated_kw=11.0)
    soc = np.array([0.2, 0.21, 0.9])  # 0, 0.6 kWh and 42 kWh above the floor
    out = _step(bank, p_set_kw=np.full(3, -11.0), soc=soc)
    e_batt = -out.p_batt_kw * DT_H
    np.testing.assert_allclose(e_batt, [0.0, 0.6, 11.0 / 0.9 * DT_H])
    assert out.p_kw[0] == 0.0 and out.p_kw[1] == pytest.approx(-0.6 * 0.9 / DT_H)


def test_no_discharge_without_the_soc_inputs() -> None:
    bank = _bank(1, bidirectional=True)
    out = bank.step(
        0, plugged=[1], e_need_kwh=[10.0], p_max_kw=[11.0], charger_idx=[0], p_set_kw=[-5.0]
    )
    assert out.p_kw[0] == 0.0


def test_round_trip_losses_show_in_p_loss() -> None:
    """Energy drawn = battery energy + losses, charging and discharging with part-load curves."""
    bank = _bank(2, bidirectional=True, efficiency="obc_typical")
    p_grid, p_batt, p_loss = 0.0, 0.0, 0.0
    for k, p_set in enumerate([11.0, 3.0, -11.0, -2.0]):
        out = _step(bank, k * STEP_S, p_set_kw=np.full(2, p_set))
        p_grid += out.p_kw.sum()
        p_batt += out.p_batt_kw.sum()
        p_loss += out.p_loss_kw.sum()
    assert p_loss > 0
    assert p_grid == pytest.approx(p_batt + p_loss, abs=1e-12)


# --- delay and ramp --------------------------------------------------------------------


def test_delay_of_one_step_shifts_the_response_by_one_step() -> None:
    bank = _bank(2, delay_s=[0.0, 900.0])
    sets = [0.0, 0.0, 7.0, 7.0, 2.0, 2.0]
    p = np.array([_step(bank, k * STEP_S, p_set_kw=np.full(2, s)).p_kw for k, s in enumerate(sets)])
    np.testing.assert_allclose(p[:, 0], sets)
    np.testing.assert_allclose(p[1:, 1], sets[:-1])


def test_fractional_delay_gives_the_exact_step_mean() -> None:
    bank = _bank(1, delay_s=300.0)
    _step(bank, 0, p_set_kw=[0.0])
    out = _step(bank, STEP_S, p_set_kw=[9.0])
    assert out.p_kw[0] == pytest.approx(9.0 * 600 / 900)
    dt = DeadTime(np.array([2000.0]), 900)  # 2 whole steps + 200 s
    resp = [dt.step(np.array([v]))[0] for v in [9.0, 0, 0, 0, 0]]
    np.testing.assert_allclose(resp, [0, 0, 9 * 700 / 900, 9 * 200 / 900, 0])


def test_ramp_limits_the_change_between_steps() -> None:
    bank = _bank(1, ramp_kw_per_s=0.004)  # 3.6 kW per 900 s step
    p = [_step(bank, k * STEP_S).p_kw[0] for k in range(4)]
    np.testing.assert_allclose(p, [3.6, 7.2, 10.8, 11.0])
    down = _step(bank, 4 * STEP_S, p_set_kw=[0.0]).p_kw[0]
    assert down == pytest.approx(11.0 - 3.6)


def test_unplugging_stops_at_once_despite_the_ramp() -> None:
    bank = _bank(1, ramp_kw_per_s=0.001)
    for k in range(20):
        _step(bank, k * STEP_S)
    out = _step(bank, 20 * STEP_S, plugged=np.array([False]))
    assert out.p_kw[0] == 0.0


# --- IEC 61851 current steps, minimum current, phases ----------------------------------


def test_current_steps_and_minimum_current_three_phase() -> None:
    bank = _bank(4, current_step_a=1.0, i_min_a=6.0)
    out = _step(bank, p_set_kw=np.array([3.0, 5.0, 7.5, 11.0]))
    # 0.69 kW per A: 3 kW < 6 A -> off; 5 kW -> 7 A; 7.5 kW -> 10 A; rated stays rated
    np.testing.assert_allclose(out.p_kw, [0.0, 7 * 0.69, 10 * 0.69, 11.0])


def test_below_min_rule_min_raises_to_six_amps_single_phase() -> None:
    bank = _bank(3, phases=1, p_rated_kw=7.36, current_step_a=1.0, i_min_a=6.0, below_min="min")
    out = _step(bank, p_set_kw=np.array([0.5, 2.0, 0.0]))
    np.testing.assert_allclose(out.p_kw, [6 * 0.23, 8 * 0.23, 0.0])


def test_min_current_is_never_raised_above_a_contract_limit() -> None:
    bank = _bank(1, current_step_a=1.0, i_min_a=6.0, below_min="min")
    out = _step(bank, p_set_kw=[1.0], p_limit_kw=[3.0])  # 6 A x 3 phases = 4.14 kW > 3 kW
    assert out.p_kw[0] == 0.0


def test_need_limited_last_step_is_not_quantised() -> None:
    bank = _bank(1, current_step_a=1.0, i_min_a=6.0, efficiency=1.0)
    out = _step(bank, e_need_kwh=np.array([0.5]))
    assert out.p_batt_kw[0] * DT_H == pytest.approx(0.5)


def test_quantise_pilot_keeps_sign_for_discharge() -> None:
    out = quantise_pilot(
        np.array([-5.0]),
        np.array([11.0]),
        kw_per_a=np.array([0.69]),
        step_a=np.array([1.0]),
        i_min_a=np.array([6.0]),
        raise_to_min=np.array([False]),
    )
    assert out[0] == pytest.approx(-7 * 0.69)


# --- contract limits and curtailment ---------------------------------------------------


def test_contract_limits_and_curtailed_power() -> None:
    bank = _bank(3, bidirectional=True)
    out = _step(
        bank,
        p_set_kw=np.array([np.nan, -10.0, 4.0]),
        p_limit_kw=np.array([5.0, 5.0, 6.0]),
        p_dis_limit_kw=np.array([np.nan, 3.0, np.nan]),
    )
    np.testing.assert_allclose(out.p_kw, [5.0, -3.0, 4.0])
    np.testing.assert_allclose(out.p_curtailed_kw, [6.0, -7.0, 0.0])


def test_curtailment_counts_only_what_the_ev_would_have_drawn() -> None:
    bank = _bank(1, efficiency=1.0)
    out = _step(bank, e_need_kwh=np.array([1.0]), p_limit_kw=np.array([2.0]))
    assert out.p_kw[0] == pytest.approx(2.0)
    assert out.p_curtailed_kw[0] == pytest.approx(4.0 - 2.0)  # need allowed 4 kW this step


# --- reactive power --------------------------------------------------------------------


def test_fixed_cos_phi_absorbs_or_injects() -> None:
    bank = _bank(2, q_mode="cos_phi", cos_phi=[0.9, -0.95], s_rated_kva=15.0)
    out = _step(bank)
    np.testing.assert_allclose(
        out.q_kvar, [11 * np.tan(np.arccos(0.9)), -11 * np.tan(np.arccos(0.95))]
    )


def test_qv_ieee_cat_b_with_measured_voltage() -> None:
    bank = _bank(4, q_mode="qv", s_rated_kva=20.0, p_rated_kw=11.0)
    out = _step(bank, v_pu=np.array([0.90, 1.00, 1.05, 1.10]))
    np.testing.assert_allclose(out.q_kvar, [-8.8, 0.0, 4.4, 8.8], atol=1e-9)
    np.testing.assert_allclose(out.p_kw, 11.0)  # 11² + 8.8² < 20²


def test_qv_on_an_s_equals_p_charger_p_vs_q_priority() -> None:
    bank = _bank(2, q_mode="qv", pq_priority=["p", "q"])
    out = _step(bank, v_pu=np.full(2, 1.10))
    np.testing.assert_allclose(out.q_kvar, [0.0, 0.44 * 11])
    np.testing.assert_allclose(out.p_kw, [11.0, np.sqrt(121 - (0.44 * 11) ** 2)])


def test_external_q_setpoint_and_no_q_without_an_ev() -> None:
    bank = _bank(2, q_mode="q_set", s_rated_kva=12.0)
    out = _step(bank, plugged=np.array([True, False]), q_set_kvar=np.array([-3.0, -3.0]))
    np.testing.assert_allclose(out.q_kvar, [-3.0, 0.0])


def test_pv_droop_reduces_charging_at_low_voltage() -> None:
    bank = _bank(3, q_mode="pv")
    out = _step(bank, v_pu=np.array([0.89, 0.925, 1.0]))
    np.testing.assert_allclose(out.p_kw, [0.0, 5.5, 11.0])
    assert (out.q_kvar == 0).all()
    both = _bank(1, q_mode="qv", p_of_v=True, pq_priority="q")
    out = _step(both, v_pu=np.array([0.9]))
    assert out.p_kw[0] == 0.0 and out.q_kvar[0] == pytest.approx(-0.44 * 11)


# --- mapping ---------------------------------------------------------------------------


def test_more_evs_than_chargers_sharing_over_the_day() -> None:
    bank = _bank(2)
    ev = {"e_need_kwh": np.full(4, 20.0), "p_max_kw": np.array([3.7, 7.4, 11.0, 22.0])}
    morning = bank.step(0, plugged=[1, 1, 0, 0], charger_idx=[0, 1, 0, 1], **ev)
    evening = bank.step(STEP_S, plugged=[0, 0, 1, 1], charger_idx=[0, 1, 0, 1], **ev)
    np.testing.assert_allclose(morning.p_kw, [3.7, 7.4])
    np.testing.assert_allclose(evening.p_kw, [11.0, 11.0])
    assert evening.p_batt_kw[:2].tolist() == [0.0, 0.0] and evening.p_batt_kw.size == 4


def test_voltage_mapping_from_grid_buses() -> None:
    v = voltage_at_chargers(np.array([5, 5, 2]), [2, 5, 9], [0.95, 1.02, 1.0])
    np.testing.assert_allclose(v, [1.02, 1.02, 0.95])
    with pytest.raises(ModelError, match=r"charger bus\(es\) \[7\]"):
        voltage_at_chargers(np.array([7]), [2, 5], [1.0, 1.0])


def test_params_report_every_bad_field_at_once() -> None:
    with pytest.raises(ValueError) as err:
        EVSEParams(bus_id=[1, 2], phases=2, q_mode="volt_var", delay_s=-1.0, qv_curve="ieee2030")
    msg = str(err.value)
    for field in ("phases", "q_mode", "delay_s", "qv_curve"):
        assert field in msg

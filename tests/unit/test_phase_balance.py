"""Phase balancer: the VDE-AR-N 4100 cap per connection and the lowest-phase-first control."""

from __future__ import annotations

import numpy as np
import pytest

from controllers.phase_balance import (
    PhaseBalanceModel,
    PhaseBalanceParams,
    PhaseObservation,
    grid_code_limits,
    phase_limits,
)
from cosim.config import parse_config
from cosim.errors import ConfigError

A, B, C, ABC = 0, 1, 2, -1


def _obs(v_abc: tuple[float, float, float], p_kw: list[float]) -> PhaseObservation:
    return PhaseObservation(v_abc_pu=np.tile(v_abc, (len(p_kw), 1)), p_kw=np.asarray(p_kw))


def test_one_single_phase_charger_per_connection_gets_4_6_kw() -> None:
    limits = grid_code_limits([A, B, ABC], [1, 2, 3], [7.4, 3.7, 11.0])
    np.testing.assert_allclose(limits, [4.6, 3.7, 11.0])  # 3.7 kW is within the rule


def test_chargers_of_one_connection_on_one_phase_share_the_limit() -> None:
    # bus 1: two on a (share 4.6), one on b; bus 2: one on a
    limits = grid_code_limits([A, A, B, A], [1, 1, 1, 2], 7.4)
    np.testing.assert_allclose(limits, [2.3, 2.3, 4.6, 4.6])


def test_limit_is_configurable() -> None:
    np.testing.assert_allclose(grid_code_limits([A], [1], 7.4, max_unbalance_kva=3.0), [3.0])


def test_rule_alone_caps_single_phase_chargers_and_leaves_three_phase_ones() -> None:
    params = PhaseBalanceParams(control=False)
    model = PhaseBalanceModel([A, B, ABC], [1, 2, 3], [7.4, 7.4, 11.0], params=params)
    state = model.step(_obs((0.80, 0.80, 0.80), [7.4, 7.4, 11.0]))  # control off: no reaction
    np.testing.assert_allclose(state.p_limit_kw, [4.6, 4.6, 11.0])
    assert state.n_limited == 2
    assert state.p_shed_kw == pytest.approx(2 * 2.8)


def test_low_phase_sheds_gain_times_deficit_from_its_single_phase_chargers() -> None:
    # phase a at 0.93 (0.02 below 0.95): shed 500 kW/pu x 0.02 = 10 kW of a's 14.8 kW
    params = PhaseBalanceParams(rule=False)
    model = PhaseBalanceModel([A, A, B, ABC], [1, 2, 3, 4], [7.4, 7.4, 7.4, 11.0], params=params)
    state = model.step(_obs((0.93, 0.99, 0.99), [7.4, 7.4, 7.4, 11.0]))
    np.testing.assert_allclose(state.cap_kw[:3], [4.8, np.inf, np.inf])
    np.testing.assert_allclose(state.p_limit_kw, [2.4, 2.4, 7.4, 11.0])
    assert state.p_shed_kw == pytest.approx(10.0)


def test_three_phase_chargers_give_up_only_what_the_weak_phase_cannot() -> None:
    # phase b needs 10 kW shed but its only single-phase charger draws 4 kW: the
    # three-phase chargers shed 3 x 6 = 18 kW (a third of it comes off phase b)
    params = PhaseBalanceParams(rule=False)
    model = PhaseBalanceModel([B, ABC, ABC], [1, 2, 3], [7.4, 22.0, 22.0], params=params)
    state = model.step(_obs((0.99, 0.93, 0.99), [4.0, 20.0, 20.0]))
    np.testing.assert_allclose(state.cap_kw, [np.inf, 0.0, np.inf, 22.0])
    np.testing.assert_allclose(state.p_limit_kw, [0.0, 11.0, 11.0])


def test_cap_is_held_in_the_band_and_released_above_it() -> None:
    params = PhaseBalanceParams(rule=False, release_share=0.25)
    model = PhaseBalanceModel([A, A], [1, 2], 7.4, params=params)
    model.step(_obs((0.94, 1.0, 1.0), [7.4, 7.4]))  # shed 5 kW: cap 9.8
    held = model.step(_obs((0.955, 1.0, 1.0), [4.9, 4.9]))
    assert held.cap_kw[0] == pytest.approx(9.8)
    released = model.step(_obs((0.97, 1.0, 1.0), [4.9, 4.9]))
    assert released.cap_kw[0] == pytest.approx(9.8 + 0.25 * 14.8)  # 13.5 of 14.8
    assert np.isinf(model.step(_obs((0.97, 1.0, 1.0), [7.0, 7.0])).cap_kw[0])


def test_no_voltage_keeps_the_caps() -> None:
    model = PhaseBalanceModel([A], [1], 7.4, params=PhaseBalanceParams(rule=False))
    model.step(_obs((0.90, 1.0, 1.0), [7.4]))
    state = model.step(PhaseObservation(np.full((1, 3), np.nan), np.array([0.0])))
    assert state.cap_kw[0] == 0.0


def test_phase_limits_water_fill_and_share_headroom() -> None:
    assert phase_limits([6.0, 4.0, 0.0], 8.0) == pytest.approx(4.0)
    assert phase_limits([3.0, 1.0], 6.0) == pytest.approx(4.0)
    assert np.isinf(phase_limits([3.0], np.inf))


def test_bad_settings_are_reported_together() -> None:
    with pytest.raises(ValueError, match=r"v_release_pu=0.9.*gain_kw_per_pu=0"):
        PhaseBalanceParams(v_release_pu=0.9, gain_kw_per_pu=0.0)


def test_config_defaults_equal_the_model_defaults() -> None:
    cfg = parse_config({"scenario": {"script": "phases"}, "phase_balance": {"enabled": True}})
    assert PhaseBalanceParams(**cfg.phase_balance.create_params()) == PhaseBalanceParams()


def test_enabled_balancer_needs_the_phases_script() -> None:
    with pytest.raises(ConfigError, match=r"phase_balance.enabled.*scenario.script = 'phases'"):
        parse_config({"phase_balance": {"enabled": True}})


def test_release_below_curtail_threshold_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="v_release_pu"):
        parse_config({"phase_balance": {"v_min_pu": 0.95, "v_release_pu": 0.94}})

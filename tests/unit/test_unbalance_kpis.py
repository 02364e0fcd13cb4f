"""EN 50160 unbalance check, 10-minute means of 15-minute steps, worst phase voltage."""

from __future__ import annotations

import numpy as np
import pytest

from results.unbalance import en50160_vuf_check, interval_means, worst_phase_voltage

DAY = 96  # 15-min steps


def test_ten_minute_means_of_quarter_hours_mix_straddling_steps():
    vuf = np.array([1.0, 3.0, 1.0, 1.0])  # 1 h of 15-min steps -> six 10-min means
    np.testing.assert_allclose(interval_means(vuf, 900), [1.0, 2.0, 3.0, 1.0, 1.0, 1.0])


def test_five_minute_steps_average_in_pairs():
    np.testing.assert_allclose(interval_means(np.array([1.0, 3.0, 2.0, 2.0, 5.0]), 300), [2.0, 2.0])


@pytest.mark.parametrize(("hours_high", "passed"), [(0.5, True), (1.0, True), (2.0, False)])
def test_share_of_a_day_above_two_percent(hours_high, passed):
    vuf = np.full((DAY, 2), 1.0)
    n_high = int(hours_high * 4)
    vuf[:n_high, 1] = 3.0
    check = en50160_vuf_check(vuf, 900)
    assert check.share_ok[0] == 1.0
    assert check.share_ok[1] == pytest.approx(1.0 - hours_high * 6 / 144)
    assert check.passed is passed  # 95 % of 144 ten-minute means allows 7.2 of them
    assert check.n_weeks == 1 and not check.full_weeks


def test_weeks_are_checked_separately_and_a_trailing_part_week_is_left_out():
    vuf = np.full((8 * DAY, 1), 1.0)
    vuf[2 * DAY : 2 * DAY + 40, 0] = 3.0  # 10 h in week one: 60 of 1008 means (5.95 %)
    vuf[7 * DAY :, 0] = 5.0  # the eighth day, not a full week
    check = en50160_vuf_check(vuf, 900)
    assert check.n_weeks == 1 and check.full_weeks
    assert check.share_ok[0] == pytest.approx(1.0 - 60 / 1008)
    assert not check.passed


def test_nan_steps_do_not_count_as_compliant():
    vuf = np.full((DAY, 1), 1.0)
    vuf[:12, 0] = np.nan  # 3 h not converged
    assert en50160_vuf_check(vuf, 900).share_ok[0] == pytest.approx(1.0 - 18 / 144)


def test_worst_phase_voltage_names_bus_phase_and_step():
    v = np.full((3, 4, 3), 1.0)
    v[2, 3, 1] = 0.91
    v[0, 0, 0] = np.nan
    worst = worst_phase_voltage(v, np.array([7, 8, 9, 42]))
    assert (worst.v_min_pu, worst.bus, worst.phase, worst.step) == (0.91, 42, "b", 2)

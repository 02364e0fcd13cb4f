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


def test_study_table_pairs_each_case_with_its_balanced_model_by_seed():
    import pandas as pd

    from results.unbalance import phase_study_table

    rows = []
    for seed, v_phase, v_bal in ((1, 0.90, 0.95), (2, 0.88, 0.94)):
        head = {"fleet.evs_per_household": 1.0, "seed": seed}
        rows += [
            head | {"variant": "single", "kpi": "v_phase_min_pu", "value": v_phase},
            head | {"variant": "single", "kpi": "vuf_max_pct", "value": 2.0 * seed},
            head | {"variant": "single", "kpi": "v_min_pu", "value": 0.99},
            head | {"variant": "single_balanced_model", "kpi": "v_min_pu", "value": v_bal},
        ]
    kpis = pd.DataFrame(rows)
    kpis.attrs["params"] = ["fleet.evs_per_household"]
    table = phase_study_table(kpis)
    assert table["variant"].tolist() == ["single"]  # the balanced model is a column, not a row
    row = table.iloc[0]
    assert row["n_seeds"] == 2
    assert row["vuf_max_pct"] == pytest.approx(3.0)
    assert row["v_min_balanced_pu"] == pytest.approx(0.945)
    # (0.95 - 0.90 + 0.94 - 0.88) / 2: the balanced model overestimates the worst voltage
    assert row["v_error_pu"] == pytest.approx(0.055)

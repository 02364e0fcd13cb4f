"""ToU schedules: HP/HC prices, seasons, weekends, DST and coverage validation."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from cosim.timebase import parse_start
from simulators.tariff.clock import LocalClock
from simulators.tariff.tou import TouParams, tou_params

H = 3600
MONDAY_JAN = "2024-01-08T00:00:00+01:00"


def test_hphc_is_cheaper_at_23h_than_at_noon() -> None:
    hphc = tou_params("fr_hphc")
    cal = LocalClock(MONDAY_JAN)([23 * H, 12 * H])
    np.testing.assert_allclose(hphc.price_eur_mwh(cal), [206.8, 270.0])
    assert hphc.period(cal).tolist() == [0, 1]


def test_hphc_boundaries_are_22h_and_6h_local() -> None:
    cal = LocalClock(MONDAY_JAN)([22 * H - 60, 22 * H, 6 * H - 60, 6 * H])
    assert tou_params("fr_hphc").period(cal).tolist() == [1, 0, 0, 1]


SEASONAL = {
    "periods": {
        "winter": {"all": [(0, 8, 100.0), (8, 24, 300.0)]},
        "summer": {
            "weekday": [(0, 8, 80.0), (8, 24, 200.0)],
            "weekend": [(0, 24, 50.0)],
        },
    },
    "summer_months": [5, 6, 7, 8, 9],
}


def test_season_switches_with_the_month() -> None:
    tou = tou_params(SEASONAL)
    # 30 April (Tuesday, winter) and 1 May 2024 (Wednesday, summer), both at noon
    clock = LocalClock("2024-04-30T00:00:00+02:00")
    cal = clock([12 * H, 36 * H])
    np.testing.assert_allclose(tou.price_eur_mwh(cal), [300.0, 200.0])


def test_weekend_uses_its_own_periods() -> None:
    tou = tou_params(SEASONAL)
    clock = LocalClock("2024-06-07T00:00:00+02:00")  # Friday
    cal = clock([12 * H, 36 * H, 60 * H, 84 * H])  # Fri, Sat, Sun, Mon at noon
    np.testing.assert_allclose(tou.price_eur_mwh(cal), [200.0, 50.0, 50.0, 200.0])
    assert tou.period(cal).tolist() == [1, 0, 0, 1]


def test_timezone_follows_daylight_saving_time() -> None:
    start = "2024-01-01T00:00:00+01:00"
    t = int(
        (datetime.fromisoformat("2024-07-01T22:30:00+02:00") - parse_start(start)).total_seconds()
    )
    hphc = tou_params("fr_hphc")
    paris = LocalClock(start, timezone="Europe/Paris")
    fixed = LocalClock(start)  # stays at UTC+1: 21:30 in July
    assert paris([t]).hour.tolist() == [22.5] and hphc.period(paris([t])).tolist() == [0]
    assert fixed([t]).hour.tolist() == [21.5] and hphc.period(fixed([t])).tolist() == [1]


def test_overlap_and_gap_are_both_reported_with_field_value_and_fix() -> None:
    bad = {
        "periods": {"all": {"weekday": [(22, 6, 100.0), (5, 21, 200.0)], "weekend": [(0, 24, 1.0)]}}
    }
    with pytest.raises(ValueError) as err:
        tou_params(bad)
    msg = str(err.value)
    assert "tou.periods.all.weekday" in msg
    assert "overlap at 05:00–06:00" in msg and "end where the next one starts" in msg
    assert "no period covers 21:00–22:00" in msg and "00:00 to 24:00" in msg
    assert "(5, 21, 200.0)" in msg


def test_missing_day_type_and_bad_hours_are_listed_at_once() -> None:
    bad = {"periods": {"winter": {"all": [(0, 25, 1.0)]}, "summer": {"weekday": [(0, 24, 1.0)]}}}
    with pytest.raises(ValueError) as err:
        TouParams(**bad)
    msg = str(err.value)
    assert "end_hour=25" in msg and "[0, 24]" in msg
    assert "nothing defines summer weekends" in msg


def test_unknown_preset_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="fr_hphc"):
        tou_params("fr_tempo")


def test_half_hours_are_allowed() -> None:
    tou = tou_params({"periods": {"all": {"all": [(22.5, 6.5, 1.0), (6.5, 22.5, 2.0)]}}})
    cal = LocalClock(MONDAY_JAN)([22 * H + 29 * 60, 22 * H + 30 * 60])
    np.testing.assert_allclose(tou.price_eur_mwh(cal), [2.0, 1.0])

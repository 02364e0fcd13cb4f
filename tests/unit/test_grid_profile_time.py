"""SimBench rows are aligned on their local (daylight-saving) time labels (issue 9)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cosim.errors import ModelError
from simulators.grid.profile_time import (
    profile_row,
    row_instants,
    simbench_start_offset_s,
    year_offset_s,
)

BERLIN = ZoneInfo("Europe/Berlin")
CEST = timezone(timedelta(hours=2))


def _labels(year: int = 2016) -> pd.Series:
    """SimBench's time column: local wall-clock labels, one per real quarter hour."""
    first = datetime(year, 1, 1, tzinfo=BERLIN).astimezone(UTC)
    n = (datetime(year + 1, 1, 1, tzinfo=BERLIN).astimezone(UTC) - first) // timedelta(minutes=15)
    instants = pd.date_range(first, periods=n, freq="15min").tz_convert(BERLIN)
    return pd.Series(instants.strftime("%d.%m.%Y %H:%M"))


LABELS = _labels()
FIRST = row_instants(LABELS)[0].to_pydatetime()


def _label_at(instant: datetime, start: datetime) -> str:
    offset = year_offset_s(FIRST, start=start)
    time_s = int((instant - start).total_seconds())
    return str(LABELS.iloc[profile_row(time_s, offset, len(LABELS))])


def test_the_fixture_has_simbench_gaps_and_repeats():
    assert len(LABELS) == 35_136
    assert "27.03.2016 02:00" not in set(LABELS)
    assert (LABELS == "30.10.2016 02:00").sum() == 2


def test_row_instants_are_equally_spaced_and_resolve_the_repeated_hour_in_order():
    instants = row_instants(LABELS)
    assert instants[0] == pd.Timestamp("2015-12-31T23:00Z")
    assert (instants[1:] - instants[:-1] == pd.Timedelta(minutes=15)).all()
    twice = instants[(LABELS == "30.10.2016 02:00").to_numpy()]
    assert list(twice) == [pd.Timestamp("2016-10-30T00:00Z"), pd.Timestamp("2016-10-30T01:00Z")]


def test_a_summer_week_reads_the_row_of_the_local_wall_clock_time():
    start = datetime(2016, 6, 20, tzinfo=CEST)
    assert simbench_start_offset_s(LABELS, start=start) == year_offset_s(FIRST, start=start)
    for k in range(7 * 96):
        instant = start + timedelta(minutes=15 * k)
        assert _label_at(instant, start) == instant.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M")


def test_the_dst_switch_week_follows_the_clock_whatever_the_start_offset():
    # the scenario starts in winter time and runs across the 27 March switch
    start = datetime(2016, 3, 24, tzinfo=timezone(timedelta(hours=1)))
    for k in range(7 * 96):
        instant = start + timedelta(minutes=15 * k)
        assert _label_at(instant, start) == instant.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M")
    # midnight after the switch is the row labelled midnight, not the one labelled 01:00
    midnight = datetime(2016, 3, 28, tzinfo=CEST)
    assert _label_at(midnight, start) == "28.03.2016 00:00"


@settings(max_examples=200, deadline=None)
@given(minute=st.integers(min_value=0, max_value=366 * 24 * 60 - 1))
def test_any_2016_instant_reads_its_local_quarter_hour(minute):
    instant = datetime(2015, 12, 31, 23, tzinfo=UTC) + timedelta(minutes=minute)
    start = instant - timedelta(minutes=minute % 1440)  # any start earlier the same day
    local = instant.astimezone(BERLIN)
    floored = local.replace(minute=local.minute - local.minute % 15)
    assert _label_at(instant, start) == floored.strftime("%d.%m.%Y %H:%M")


def test_another_year_reads_the_same_local_date_and_time():
    start = datetime(2024, 7, 1, tzinfo=CEST)
    assert _label_at(start, start) == "01.07.2016 00:00"
    winter = datetime(2025, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    assert _label_at(winter, winter) == "01.01.2016 00:30"


def test_labels_without_daylight_saving_are_read_as_standard_time():
    instants = pd.date_range("2016-01-01", periods=35_136, freq="15min")
    labels = pd.Series(instants.strftime("%d.%m.%Y %H:%M"))
    start = datetime(2016, 7, 1, tzinfo=CEST)  # 1 July 00:00 CEST = 30 June 23:00 CET
    offset = simbench_start_offset_s(labels, start=start)
    assert labels.iloc[profile_row(0, offset, len(labels))] == "30.06.2016 23:00"


def test_irregular_labels_are_an_error():
    labels = pd.Series(["01.01.2016 00:00", "01.01.2016 00:15", "01.01.2016 00:45"])
    with pytest.raises(ModelError, match="equally spaced"):
        row_instants(labels)


def test_a_naive_start_is_an_error():
    with pytest.raises(ModelError, match="timezone"):
        simbench_start_offset_s(LABELS, start=datetime(2016, 1, 1))

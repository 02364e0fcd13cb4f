"""Which profile row is valid at a scenario instant (SimBench labels follow local DST)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from cosim.errors import ModelError

__all__ = [
    "SIMBENCH_STEP_S",
    "SIMBENCH_TZ",
    "profile_row",
    "row_instants",
    "simbench_start_offset_s",
    "start_offset_s",
    "year_offset_s",
]

_log = logging.getLogger(__name__)

#: Resolution of SimBench profiles [s].
SIMBENCH_STEP_S = 900
#: Time zone of SimBench's time labels: German local time, with daylight saving.
SIMBENCH_TZ = "Europe/Berlin"
_LABEL_FORMAT = "%d.%m.%Y %H:%M"


def start_offset_s(start: datetime) -> int:
    """Seconds between Jan 1 00:00 (in the timezone of ``start``) and ``start``.

    >>> from datetime import datetime, timedelta, timezone
    >>> start_offset_s(datetime(2016, 1, 2, 6, tzinfo=timezone(timedelta(hours=1))))
    108000
    """
    jan1 = start.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    return int((start - jan1).total_seconds())


def profile_row(time_s: int, offset_s: int, n_rows: int, *, step_s: int = SIMBENCH_STEP_S) -> int:
    """Profile row containing scenario time ``time_s``.

    ``row = ((offset_s + time_s) // step_s) % n_rows``: the row whose interval contains the
    instant (no interpolation), wrapping around after the last row. Simulation steps other
    than ``step_s`` therefore read the row valid at the step's start.

    >>> profile_row(0, 0, 96), profile_row(899, 0, 96), profile_row(900, 0, 96)
    (0, 0, 1)
    >>> profile_row(86_400, 0, 96)
    0
    """
    return int(((offset_s + int(time_s)) // step_s) % n_rows)


def row_instants(
    labels: pd.Series, *, tz: str = SIMBENCH_TZ, step_s: int = SIMBENCH_STEP_S
) -> pd.DatetimeIndex:
    """Real instants (UTC) of SimBench time labels such as ``"27.03.2016 03:00"``.

    The labels are local wall-clock times in ``tz``: the hour skipped in spring is absent
    and the hour repeated in autumn appears twice (resolved in order: summer time first).
    Rows are one ``step_s`` apart in real time, so row ``k`` is the first row's instant plus
    ``k * step_s``; the labels must then read as that instant's wall clock. Labels that do
    not follow ``tz``'s daylight saving (no gap, no repeat) are read as its standard time
    (UTC+1 for Europe/Berlin) instead.

    Raises
    ------
    ModelError
        When neither reading matches every label.
    """
    naive = pd.DatetimeIndex(pd.to_datetime(labels, format=_LABEL_FORMAT))
    zone = ZoneInfo(tz)
    standard = zone.utcoffset(naive[0].to_pydatetime().replace(month=1, day=1)) or timedelta(0)
    # the first label is in standard time (SimBench years start on Jan 1)
    first = (naive[0] - standard).tz_localize("UTC")
    instants = pd.date_range(first, periods=len(naive), freq=pd.Timedelta(seconds=step_s))
    if (instants.tz_convert(zone).tz_localize(None) == naive).all():
        return instants
    if (instants.tz_localize(None) + standard == naive).all():
        _log.info("profile time labels follow no daylight saving: read as UTC%s", standard)
        return instants
    raise ModelError(
        f"the profile time labels ({naive[0]} ... {naive[-1]}) are not equally spaced by "
        f"{step_s} s in {tz} local time nor in its standard time; check net.profiles 'time'"
    )


def simbench_start_offset_s(
    labels: pd.Series, *, start: datetime, tz: str = SIMBENCH_TZ, step_s: int = SIMBENCH_STEP_S
) -> int:
    """Seconds from the real instant of the first profile row to ``start``.

    See :func:`row_instants` for the labels and :func:`year_offset_s` for other years.
    """
    if start.tzinfo is None:
        raise ModelError(f"scenario start {start} has no timezone; give an ISO 8601 offset")
    first = row_instants(labels, tz=tz, step_s=step_s)[0].to_pydatetime()
    return year_offset_s(first, start=start, tz=tz)


def year_offset_s(first: datetime, *, start: datetime, tz: str = SIMBENCH_TZ) -> int:
    """Seconds from ``first`` (a yearly profile's first instant) to ``start``, a year repeating.

    ``start`` is placed in the profile's year by its local date and time in ``tz``: a 2024
    summer instant at 00:00 local time reads the 2016 row labelled 00:00 of the same date.
    For a ``start`` in the profile's year this is exact, daylight saving included.

    >>> from datetime import UTC, datetime, timedelta
    >>> first = datetime(2015, 12, 31, 23, tzinfo=UTC)  # 1 Jan 2016 00:00 CET
    >>> year_offset_s(first, start=datetime(2016, 1, 1, 1, tzinfo=UTC))
    7200
    """
    if start.tzinfo is None:
        raise ModelError(f"scenario start {start} has no timezone; give an ISO 8601 offset")
    zone = ZoneInfo(tz)
    first_local = first.astimezone(zone)
    year = start.astimezone(zone).year
    anchor = _same_wall_clock(first_local, year)
    if start.astimezone(UTC) < anchor:
        anchor = _same_wall_clock(first_local, year - 1)
    return int((start.astimezone(UTC) - anchor).total_seconds())


def _same_wall_clock(local: datetime, year: int) -> datetime:
    """``local`` moved to ``year`` (same local date and time), as a UTC datetime."""
    day = min(local.day, 28) if (local.month, local.day) == (2, 29) else local.day
    return local.replace(year=year, day=day).astimezone(UTC)

"""Local calendar of scenario times: the only place where the tariff touches time zones.

Tariffs are defined in local time (heures creuses start at 22:00 *local*), while mosaik time
is integer seconds since the scenario start. :class:`LocalClock` converts an array of
scenario seconds to the local calendar fields the pure tariff model needs (second of the
day, weekday, month, day of year, billing month), vectorised with numpy.

With ``timezone=None`` the fixed UTC offset of ``start`` is used all year (a start written
``+01:00`` stays at UTC+1 in July). Give an IANA zone (``"Europe/Paris"``) to follow
daylight saving time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cosim.timebase import DAY_S, parse_start

__all__ = ["Calendar", "LocalClock"]

#: UTC offsets change on quarter-hour boundaries in every real time zone
_OFFSET_BUCKET_S = 900
#: quarter-hours tabulated beyond the last requested one (a year)
_TABLE_AHEAD = 366 * 96


@dataclass(frozen=True)
class Calendar:
    """Local calendar fields of an array of scenario times (all arrays of shape (n,)).

    Parameters
    ----------
    time_s : ndarray of int64
        Scenario time [s since start].
    sec_of_day : ndarray of int64
        Local seconds since local midnight [s], in [0, 86400).
    weekday : ndarray of int64
        Local day of the week, 0 = Monday ... 6 = Sunday.
    month : ndarray of int64
        Local month, 1 ... 12.
    day_of_year : ndarray of int64
        Local day of the year, 0-based.
    month_key : ndarray of int64
        Running month number (``12 * (year - 1970) + month - 1``): one billing month.
    """

    time_s: NDArray[np.int64]
    sec_of_day: NDArray[np.int64]
    weekday: NDArray[np.int64]
    month: NDArray[np.int64]
    day_of_year: NDArray[np.int64]
    month_key: NDArray[np.int64]

    @property
    def hour(self) -> NDArray[np.float64]:
        """Local fractional hour of the day [h], in [0, 24)."""
        return self.sec_of_day / 3600.0


class LocalClock:
    """Converts scenario seconds to local :class:`Calendar` fields.

    Parameters
    ----------
    start : str
        Scenario start, ISO 8601 with a UTC offset (e.g. ``"2024-01-01T00:00:00+01:00"``).
    timezone : str or None
        IANA time zone (e.g. ``"Europe/Paris"``) for daylight-saving-aware local time;
        ``None`` keeps the fixed offset of ``start``.

    Examples
    --------
    >>> clock = LocalClock("2024-01-06T22:00:00+01:00")
    >>> cal = clock([0, 3 * 3600])
    >>> cal.hour.tolist(), cal.weekday.tolist()
    ([22.0, 1.0], [5, 6])
    """

    def __init__(self, start: str, *, timezone: str | None = None) -> None:
        self.start = parse_start(start, timezone=timezone)
        self._epoch_s = int(self.start.timestamp())
        self._zone: ZoneInfo | None = None
        self._first_bucket = 0
        self._table = np.empty(0, dtype=np.int64)
        if timezone is not None:
            try:
                self._zone = ZoneInfo(timezone)
            except (ZoneInfoNotFoundError, ValueError) as err:
                raise ValueError(
                    f"timezone={timezone!r} is not a known IANA time zone; use e.g. "
                    "'Europe/Paris' or 'Europe/Berlin', or None for the fixed offset of start"
                ) from err
        offset = self.start.utcoffset()
        self._fixed_offset_s = 0 if offset is None else int(offset.total_seconds())

    @property
    def timezone(self) -> str | None:
        """The IANA zone name, or ``None`` for the fixed offset of ``start``."""
        return None if self._zone is None else self._zone.key

    def _offsets_s(self, utc_s: NDArray[np.int64]) -> NDArray[np.int64]:
        if self._zone is None:
            return np.full(utc_s.shape, self._fixed_offset_s, dtype=np.int64)
        buckets = utc_s // _OFFSET_BUCKET_S
        lo, hi = int(buckets.min()), int(buckets.max())
        if lo < self._first_bucket or hi >= self._first_bucket + self._table.size:
            self._fill_table(lo, hi)
        return self._table[buckets - self._first_bucket]

    def _fill_table(self, lo: int, hi: int) -> None:
        """Tabulate the zone's offset per quarter-hour, a year ahead (a forecast window
        re-asks mostly the same quarter-hours every step)."""
        first = min(lo, self._first_bucket) if self._table.size else lo
        last = max(hi, self._first_bucket + self._table.size - 1) + _TABLE_AHEAD
        hours = range(
            int(first) // 4 * 4, int(last) + 4, 4
        )  # evaluate hourly, offsets change on hours
        zone = self._zone
        per_hour = [
            datetime.fromtimestamp(b * _OFFSET_BUCKET_S, UTC).astimezone(zone).utcoffset()
            for b in hours
        ]
        hourly = np.array([0 if d is None else int(d.total_seconds()) for d in per_hour])
        table = np.repeat(hourly, 4)
        self._first_bucket = hours.start
        self._table = table.astype(np.int64)
        # quarter-hour zones (e.g. Australia/Lord_Howe) change on half hours: check exactly
        edges = np.flatnonzero(np.diff(self._table)) + 1
        for edge in edges.tolist():
            for k in range(max(edge - 4, 0), edge):
                when = datetime.fromtimestamp((hours.start + k) * _OFFSET_BUCKET_S, UTC)
                delta = when.astimezone(zone).utcoffset()
                self._table[k] = 0 if delta is None else int(delta.total_seconds())

    def __call__(self, time_s: ArrayLike) -> Calendar:
        """Local calendar fields of scenario times ``time_s`` [s]."""
        t = np.atleast_1d(np.asarray(time_s, dtype=np.int64))
        utc_s = self._epoch_s + t
        local_s = utc_s + self._offsets_s(utc_s)
        day = local_s // DAY_S
        days = day.astype("datetime64[D]")
        months = days.astype("datetime64[M]")
        years = days.astype("datetime64[Y]")
        return Calendar(
            time_s=t,
            sec_of_day=local_s - day * DAY_S,
            # 1970-01-01 was a Thursday (weekday 3)
            weekday=(day + 3) % 7,
            month=months.astype(np.int64) % 12 + 1,
            day_of_year=(days - years.astype("datetime64[D]")).astype(np.int64),
            month_key=months.astype(np.int64),
        )

"""Scenario time: integer seconds since start; wall-clock only at the edges."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

__all__ = [
    "DAY_S",
    "EARLIEST",
    "LATEST",
    "WEEK_S",
    "check_time_base",
    "check_time_span",
    "format_duration",
    "parse_duration",
    "parse_start",
]

DAY_S = 86_400
WEEK_S = 7 * DAY_S

#: simulated time must lie within [EARLIEST, LATEST]: datetime arithmetic overflows before
#: year 1 and pandas' datetime64[ns] (used by the simulators) ends in April 2262
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)

_UNITS_S = {"s": 1, "min": 60, "h": 3600, "d": DAY_S, "w": WEEK_S, "y": 365 * DAY_S}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|min|h|d|w|y)\s*$")


def parse_duration(text: str | int) -> int:
    """Return a duration in whole seconds.

    Accepts an integer number of seconds or ``"<number><unit>"`` with unit one of
    ``s, min, h, d, w, y`` (a year is 365 days).

    >>> parse_duration("7d"), parse_duration("15min"), parse_duration(900)
    (604800, 900, 900)
    """
    if isinstance(text, bool):
        raise ValueError(f"duration must be seconds or e.g. '7d', got {text!r}")
    if isinstance(text, int):
        if text < 0:
            raise ValueError(f"duration must be >= 0 s, got {text}")
        return text
    if str(text).strip().isdigit():
        return int(str(text).strip())
    match = _DURATION.match(str(text))
    if match is None:
        raise ValueError(
            f"cannot read duration {text!r}; write seconds (900) or a number with a unit "
            f"out of {', '.join(_UNITS_S)} (e.g. '15min', '7d', '1y')"
        )
    seconds = float(match.group(1)) * _UNITS_S[match.group(2)]
    if abs(seconds - round(seconds)) > 1e-6:
        raise ValueError(
            f"duration {text!r} is {seconds:g} s, not a whole number of seconds; mosaik time "
            "counts whole seconds"
        )
    return round(seconds)


def format_duration(seconds: int) -> str:
    """Short human form of a duration, e.g. ``'7d'`` or ``'1h30min'``.

    >>> format_duration(604_800), format_duration(5400), format_duration(0)
    ('7d', '1h30min', '0s')
    """
    parts = []
    rest = int(seconds)
    for unit, size in (("d", DAY_S), ("h", 3600), ("min", 60), ("s", 1)):
        if rest >= size:
            parts.append(f"{rest // size}{unit}")
            rest %= size
    return "".join(parts) or "0s"


def parse_start(text: str, *, timezone: str | None = None) -> datetime:
    """Parse an ISO 8601 start time with an offset, or a naive one in ``timezone``.

    ``timezone`` is an IANA name (``"Europe/Berlin"``) for naive times, as the mosaik
    ecosystem's simulators (e.g. mosaik-csv) use them; an ambiguous autumn hour takes its
    first occurrence.

    >>> parse_start("2016-06-06 00:00:00", timezone="Europe/Berlin").isoformat()
    '2016-06-06T00:00:00+02:00'
    """
    start = datetime.fromisoformat(text)
    if start.tzinfo is None:
        if timezone is None:
            raise ValueError(
                f"start time {text!r} has no timezone; add its UTC offset, e.g. "
                f"'{text}+01:00' (a local time: datetime.fromisoformat({text!r})"
                ".replace(tzinfo=zoneinfo.ZoneInfo('Europe/Berlin')).isoformat()); the grid "
                "and the tariff also take it naive with timezone='Europe/Berlin'"
            )
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown timezone {timezone!r}; give an IANA name, e.g. 'Europe/Berlin'"
            ) from None
        start = start.replace(tzinfo=zone)
    return start


def check_time_span(start: datetime, *, before_s: int, after_s: int) -> str | None:
    """Say what is wrong when ``[start - before_s, start + after_s]`` leaves the valid range.

    Returns ``None`` when the span lies within [:data:`EARLIEST`, :data:`LATEST`].

    >>> check_time_span(parse_start("2016-06-06T00:00:00+02:00"), before_s=0, after_s=86_400)
    >>> check_time_span(parse_start("2199-12-31T00:00:00+00:00"), before_s=0, after_s=2 * DAY_S)
    'the run ends 2200-01-02T00:00:00+00:00, after 2200-01-01 (UTC)'
    """
    try:
        first = start - timedelta(seconds=before_s)
        last = start + timedelta(seconds=after_s)
    except OverflowError:
        return "the run starts or ends outside the calendar (years 1 to 9999)"
    if first < EARLIEST:
        return f"the run starts {first.isoformat()}, before {EARLIEST.date()} (UTC)"
    if last > LATEST:
        return f"the run ends {last.isoformat()}, after {LATEST.date()} (UTC)"
    return None


def check_time_base(
    sim: str, time_resolution: float, step_s: object, *, step_size: object = None
) -> int:
    """Validate a simulator's mosaik time base; return the step as int seconds.

    Every simulator of this product counts mosaik time in whole seconds. ``step_size`` is
    the mosaik ecosystem's name for the step (mosaik-pandapower-2, mosaik-pv): when given,
    it is the step.

    >>> check_time_base("grid", 1.0, 900)
    900
    >>> check_time_base("grid", 1.0, 900, step_size=3600)
    3600
    """
    if step_size is not None:
        step_s = step_size
    if float(time_resolution) != 1.0:
        raise ValueError(
            f"{sim} needs time_resolution=1.0 (integer seconds), got {time_resolution}; "
            "start the world with mosaik.World(..., time_resolution=1.0)"
        )
    if isinstance(step_s, bool) or not isinstance(step_s, int) or step_s <= 0:
        raise ValueError(f"{sim}: step_s={step_s!r} must be a positive integer number of seconds")
    return step_s

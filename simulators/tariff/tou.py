"""Time-of-use schedules: validated periods per season and day type, looked up per minute.

A schedule gives, for each season (``summer``/``winter``) and day type
(``weekday`` = Monday–Friday, ``weekend`` = Saturday–Sunday), a list of periods
``(start_hour, end_hour, price_eur_mwh[, name])`` in local time. A period may wrap midnight
(``(22, 6, 206.8)``); hours may be fractional on whole minutes (``22.5`` = 22:30). The
periods of each day must cover 00:00–24:00 exactly once. Public holidays are not modelled
(treat them as the day type they fall on).

The keys ``"all"`` stand for both seasons or both day types; a more specific key wins.

The *period* output is the rank of the period's price among the distinct prices of that
season and day type: 0 is the cheapest period of the day (HC in the French HP/HC tariff).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from simulators.tariff.clock import Calendar

__all__ = ["PRESETS", "TouParams", "tou_params"]

SEASONS: tuple[str, ...] = ("winter", "summer")
DAY_TYPES: tuple[str, ...] = ("weekday", "weekend")
_MIN_PER_DAY = 1440

#: documented ToU presets (see :data:`PRESETS` for the sources)
PRESETS: dict[str, dict[str, Any]] = {
    # EDF "Tarif Bleu" (French regulated residential tariff), option Heures Creuses, prices
    # per kWh incl. network (TURPE) and taxes (TTC) from 1 Feb 2024: HP 0.2700 EUR/kWh,
    # HC 0.2068 EUR/kWh (CRE deliberation of Jan 2024, as published by EDF). The 8 off-peak
    # hours are set locally by Enedis; 22:00–06:00 is the most common slot. The same hours
    # apply every day of the year. The fixed subscription (EUR/year per kVA) is not included.
    "fr_hphc": {
        "periods": {"all": {"all": [(6, 22, 270.0, "HP"), (22, 6, 206.8, "HC")]}},
    },
    # Illustrative three-period seasonal tariff (not a real offer): super-off-peak at night,
    # off-peak midday and weekends, peak at the morning and evening ramps; winter dearer.
    "example_3p_seasonal": {
        "periods": {
            "winter": {
                "weekday": [
                    (0, 6, 150.0, "super-off-peak"),
                    (6, 11, 320.0, "peak"),
                    (11, 17, 220.0, "off-peak"),
                    (17, 21, 320.0, "peak"),
                    (21, 24, 220.0, "off-peak"),
                ],
                "weekend": [(0, 6, 150.0, "super-off-peak"), (6, 24, 220.0, "off-peak")],
            },
            "summer": {
                "weekday": [
                    (0, 6, 130.0, "super-off-peak"),
                    (6, 10, 260.0, "peak"),
                    (10, 16, 130.0, "super-off-peak"),
                    (16, 21, 260.0, "peak"),
                    (21, 24, 190.0, "off-peak"),
                ],
                "weekend": [(0, 6, 130.0, "super-off-peak"), (6, 24, 190.0, "off-peak")],
            },
        },
    },
}


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _ranges(mask: NDArray[np.bool_]) -> list[str]:
    """Human ranges ``"06:00–07:00"`` of the True minutes of a day."""
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [
        f"{_hhmm(int(a))}–{_hhmm(int(b))}" for a, b in zip(edges[::2], edges[1::2], strict=True)
    ]


def _to_minute(hour: float, where: str, what: str, problems: list[str]) -> int | None:
    try:
        h = float(hour)
    except (TypeError, ValueError):
        problems.append(f"{where}: {what}={hour!r} is not a number; give hours in [0, 24]")
        return None
    minute = h * 60.0
    if not 0.0 <= h <= 24.0 or abs(minute - round(minute)) > 1e-6:
        problems.append(
            f"{where}: {what}={hour!r} must be an hour in [0, 24] on a whole minute "
            "(e.g. 22 or 22.5 for 22:30)"
        )
        return None
    return round(minute)


def _day_table(
    periods: Sequence[Sequence[Any]], where: str, problems: list[str]
) -> tuple[NDArray[np.float64], list[str]]:
    """Per-minute prices of one day type; appends every problem found to ``problems``."""
    price = np.full(_MIN_PER_DAY, np.nan)
    count = np.zeros(_MIN_PER_DAY, dtype=np.int64)
    names: list[str] = []
    if isinstance(periods, str | bytes) or len(periods) == 0:
        problems.append(f"{where}={periods!r}: give a list of (start_hour, end_hour, price)")
        return price, names
    for i, period in enumerate(periods):
        at = f"{where}[{i}]"
        if isinstance(period, str | bytes) or len(period) not in (3, 4):
            problems.append(f"{at}={period!r}: write (start_hour, end_hour, price[, name])")
            continue
        start = _to_minute(period[0], at, "start_hour", problems)
        end = _to_minute(period[1], at, "end_hour", problems)
        value = float(period[2]) if isinstance(period[2], int | float) else np.nan
        if not np.isfinite(value):
            problems.append(f"{at}: price={period[2]!r} must be a finite number [EUR/MWh]")
        names.append(str(period[3]) if len(period) == 4 else f"{value:g} EUR/MWh")
        if start is None or end is None:
            continue
        if start % _MIN_PER_DAY == end % _MIN_PER_DAY and (start, end) != (0, _MIN_PER_DAY):
            problems.append(f"{at}: start_hour equals end_hour ({period[0]!r}); give (0, 24)")
            continue
        minutes = np.arange(start, end if end > start else end + _MIN_PER_DAY) % _MIN_PER_DAY
        count[minutes] += 1
        price[minutes] = value
    if count.max() > 1:
        problems.append(
            f"{where}: periods overlap at {', '.join(_ranges(count > 1))} (got {list(periods)}); "
            "make each period end where the next one starts"
        )
    if count.min() == 0:
        problems.append(
            f"{where}: no period covers {', '.join(_ranges(count == 0))} (got {list(periods)}); "
            "add periods so that the day is covered from 00:00 to 24:00"
        )
    return price, names


def _resolve(
    periods: Mapping[str, Mapping[str, Sequence[Sequence[Any]]]], problems: list[str]
) -> dict[tuple[str, str], tuple[str, Sequence[Sequence[Any]]]]:
    """For each (season, day type) the most specific entry and its field path."""
    if not isinstance(periods, Mapping):
        problems.append(f"tou.periods={periods!r}: give {{season: {{day_type: [periods]}}}}")
        return {}
    for season, days in periods.items():
        if season not in (*SEASONS, "all"):
            problems.append(f"tou.periods: unknown season {season!r}; use summer, winter or all")
        elif not isinstance(days, Mapping):
            problems.append(f"tou.periods.{season}={days!r}: give {{day_type: [periods]}}")
        else:
            bad = [d for d in days if d not in (*DAY_TYPES, "all")]
            if bad:
                problems.append(
                    f"tou.periods.{season}: unknown day type(s) {bad}; use weekday, weekend or all"
                )
    found = {}
    for season in SEASONS:
        for day in DAY_TYPES:
            for s_key, d_key in ((season, day), (season, "all"), ("all", day), ("all", "all")):
                entry = periods.get(s_key)
                if isinstance(entry, Mapping) and d_key in entry:
                    found[(season, day)] = (f"tou.periods.{s_key}.{d_key}", entry[d_key])
                    break
            else:
                problems.append(
                    f"tou.periods: nothing defines {season} {day}s; add periods under "
                    f"[{season!r}][{day!r}] (or use the key 'all')"
                )
    return found


@dataclass(frozen=True, eq=False)
class TouParams:
    """A validated time-of-use schedule.

    Parameters
    ----------
    periods : mapping
        ``{season: {day_type: [(start_hour, end_hour, price_eur_mwh[, name]), ...]}}`` with
        season in ``summer, winter, all`` and day type in ``weekday, weekend, all``; hours
        local [h], prices [EUR/MWh].
    summer_months : tuple of int
        Months (1–12) of the summer season; the others are winter.

    Raises
    ------
    ValueError
        Listing every problem at once (field path, value and how to fix it).
    """

    periods: Mapping[str, Mapping[str, Sequence[Sequence[Any]]]]
    summer_months: tuple[int, ...] = (4, 5, 6, 7, 8, 9, 10)
    price_table: NDArray[np.float64] = field(init=False, repr=False)
    rank_table: NDArray[np.int64] = field(init=False, repr=False)
    names: dict[str, list[str]] = field(init=False, repr=False)
    summer_lut: NDArray[np.int64] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        problems: list[str] = []
        months = tuple(int(m) for m in self.summer_months)
        object.__setattr__(self, "summer_months", months)
        if any(not 1 <= m <= 12 for m in months):
            problems.append(f"tou.summer_months={months} must be months in 1..12")
        prices = np.full((len(SEASONS), len(DAY_TYPES), _MIN_PER_DAY), np.nan)
        names: dict[str, list[str]] = {}
        tables: dict[str, tuple[NDArray[np.float64], list[str]]] = {}
        for (season, day), (where, day_periods) in _resolve(self.periods, problems).items():
            if where not in tables:  # a shared 'all' entry is checked (and reported) once
                tables[where] = _day_table(day_periods, where, problems)
            i, j = SEASONS.index(season), DAY_TYPES.index(day)
            prices[i, j], names[f"{season}.{day}"] = tables[where]
        if problems:
            raise ValueError(
                f"invalid ToU schedule ({len(problems)} problem(s)): " + "; ".join(problems)
            )
        ranks = np.empty(prices.shape, dtype=np.int64)
        for i in range(len(SEASONS)):
            for j in range(len(DAY_TYPES)):
                ranks[i, j] = np.searchsorted(np.unique(prices[i, j]), prices[i, j])
        object.__setattr__(self, "price_table", prices)
        object.__setattr__(self, "rank_table", ranks)
        object.__setattr__(self, "names", names)
        lut = np.zeros(13, dtype=np.int64)
        lut[list(months)] = 1
        object.__setattr__(self, "summer_lut", lut)

    def _index(self, cal: Calendar) -> tuple[NDArray[np.int64], ...]:
        summer = self.summer_lut[cal.month]
        weekend = (cal.weekday >= 5).astype(np.int64)
        return summer, weekend, cal.sec_of_day // 60

    def price_eur_mwh(self, cal: Calendar) -> NDArray[np.float64]:
        """Price [EUR/MWh] at each calendar point (the minute the point falls in)."""
        return self.price_table[self._index(cal)]

    def period(self, cal: Calendar) -> NDArray[np.int64]:
        """Price rank of the period at each calendar point (0 = cheapest of that day)."""
        return self.rank_table[self._index(cal)]


def tou_params(spec: str | Mapping[str, Any] | TouParams) -> TouParams:
    """Build :class:`TouParams` from a preset name, a dict (from TOML/JSON) or pass through.

    >>> tou_params("fr_hphc").price_table[0, 0, 23 * 60]
    np.float64(206.8)
    """
    if isinstance(spec, TouParams):
        return spec
    if isinstance(spec, str):
        if spec not in PRESETS:
            raise ValueError(f"unknown ToU preset {spec!r}; presets: {sorted(PRESETS)}")
        spec = PRESETS[spec]
    if not isinstance(spec, Mapping) or "periods" not in spec:
        raise ValueError(
            f"tou={spec!r}: give a preset name {sorted(PRESETS)} or "
            "{'periods': {season: {day_type: [(start_hour, end_hour, price), ...]}}}"
        )
    extra = set(spec) - {"periods", "summer_months"}
    if extra:
        raise ValueError(f"tou: unknown key(s) {sorted(extra)}; allowed: periods, summer_months")
    return TouParams(**spec)

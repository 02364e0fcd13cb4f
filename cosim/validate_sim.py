"""Config rules that need facts owned by the simulator packages (presets, parameters, files).

cosim sits below the simulators in the dependency rule, so nothing here imports them at
module import time. Each rule imports the public name it needs (a preset table, a params
class, the package's own CSV reader) inside the function, only when the config sets a
value that needs it, and only when the role runs the registered simulator: a user's own
simulator (``impl = "pkg.mod:Class"``) may have other presets. The packages thus stay the
single source of truth: a new ToU preset or fleet field is valid in configs at once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

from cosim.config_flex import TariffConfig, TariffKind, TSOConfig
from cosim.errors import ConfigProblem, CosimError
from cosim.timebase import parse_start

__all__ = ["check_fleet", "check_tariff", "check_tso"]

Sections = Mapping[str, Any]
Span = tuple[str, int] | None

#: frequency samples outside this band [Hz] are not a frequency in Hz (mHz? deviations?)
_F_BAND_HZ = (45.0, 55.0)


def _builtin(sections: Sections, role: str) -> bool:
    return bool(sections["simulators"][role].impl == role)


def _unknown_preset(path: str, value: str, presets: Mapping[str, Any]) -> list[ConfigProblem]:
    if value in presets:
        return []
    return [ConfigProblem(path, f"unknown preset; presets: {', '.join(sorted(presets))}", value)]


def _missing_file(path: str, value: str, what: str) -> list[ConfigProblem]:
    if Path(value).is_file():
        return []
    where = "" if Path(value).is_absolute() else f" in the working directory {Path.cwd()}"
    message = f"no such {what} file{where}"
    return [ConfigProblem(path, message, value)]


def _coverage(
    path: str, value: str, covered: tuple[float, float], span: Span
) -> list[ConfigProblem]:
    """A problem unless the file covers mosaik time ``[0, end_s]`` of the run."""
    if span is None:
        return []
    sim_start, end_s = span
    first_s, last_s = covered
    if first_s <= 0 and last_s >= end_s:
        return []
    t0 = parse_start(sim_start).astimezone(UTC)

    def at(seconds: float) -> str:
        return (t0 + timedelta(seconds=float(seconds))).strftime("%Y-%m-%d %H:%M")

    return [
        ConfigProblem(
            path,
            f"covers {at(first_s)} to {at(last_s)} UTC, but the run (warm-up included) needs "
            f"{at(0)} to {at(end_s)} UTC; extend the file or move scenario.start / shorten "
            "scenario.until",
            value,
        )
    ]


def check_tariff(sections: Sections, span: Span) -> list[ConfigProblem]:
    """ToU and synthetic presets, the capacity charge and the wholesale price CSV."""
    tariff: TariffConfig = sections["tariff"]
    if not _builtin(sections, "tariff"):
        return []
    default = TariffConfig()
    problems: list[ConfigProblem] = []
    if tariff.tou != default.tou:
        from simulators.tariff.tou import PRESETS as TOU_PRESETS

        problems += _unknown_preset("tariff.tou", tariff.tou, TOU_PRESETS)
    if tariff.synthetic != default.synthetic:
        from simulators.tariff.synthetic import PRESETS as PRICE_PRESETS

        problems += _unknown_preset("tariff.synthetic", tariff.synthetic, PRICE_PRESETS)
    if tariff.capacity != default.capacity:
        from simulators.tariff.capacity import capacity_params

        try:
            capacity_params(dict(tariff.capacity))
        except (TypeError, ValueError) as err:
            problems.append(ConfigProblem("tariff.capacity", str(err), dict(tariff.capacity)))
    if tariff.prices_csv:
        used = tariff.enabled and tariff.kind is TariffKind.DYNAMIC
        problems += _check_price_csv(tariff.prices_csv, span=span if used else None)
    return problems


def _check_price_csv(value: str, *, span: Span) -> list[ConfigProblem]:
    path = "tariff.prices_csv"
    missing = _missing_file(path, value, "price CSV")
    if missing:
        return missing
    from simulators.tariff.csv_prices import read_price_csv, to_series

    try:
        table = read_price_csv(value)
        start = parse_start(span[0]) if span else datetime(2016, 1, 1, tzinfo=UTC)
        series = to_series(table, start)
    except (OSError, ValueError) as err:  # pandas' parser and empty-file errors included
        return [ConfigProblem(path, _format_hint(err, "timestamp,price_eur_mwh"), value)]
    return _coverage(path, value, (series.start_s, series.end_s), span)


def _format_hint(err: Exception, header: str) -> str:
    return f"{err} (expected UTF-8 CSV with the header '{header}', times with a UTC offset)"


def check_tso(sections: Sections, span: Span) -> list[ConfigProblem]:
    """The synthetic frequency preset and the measured frequency CSV."""
    tso: TSOConfig = sections["tso"]
    if not _builtin(sections, "tso"):
        return []
    problems: list[ConfigProblem] = []
    if tso.frequency != TSOConfig().frequency:
        from simulators.tso.frequency import PRESETS as FREQUENCY_PRESETS

        problems += _unknown_preset("tso.frequency", tso.frequency, FREQUENCY_PRESETS)
    if tso.frequency_csv:
        problems += _check_frequency_csv(tso.frequency_csv, span=span if tso.enabled else None)
    return problems


def _check_frequency_csv(value: str, *, span: Span) -> list[ConfigProblem]:
    path = "tso.frequency_csv"
    missing = _missing_file(path, value, "frequency CSV")
    if missing:
        return missing
    from simulators.tso.series import read_series_csv

    start = parse_start(span[0]) if span else datetime(2016, 1, 1, tzinfo=UTC)
    try:
        series = read_series_csv(value, column="f_hz", start=start, name=value)
    except (OSError, ValueError, CosimError) as err:
        return [ConfigProblem(path, _format_hint(err, "timestamp,f_hz"), value)]
    low, high = _F_BAND_HZ
    outside = (series.values < low) | (series.values > high)
    if outside.any():
        row = int(outside.argmax()) + 2
        message = (
            f"row {row}: f_hz = {series.values[row - 2]:g} is not a grid frequency in Hz "
            f"(expected {low:g} to {high:g}, e.g. 49.98; deviations or mHz will not do)"
        )
        return [ConfigProblem(path, message, value)]
    return _coverage(path, value, (float(series.time_s[0]), float(series.end_s)), span)


def check_fleet(sections: Sections, span: Span = None) -> list[ConfigProblem]:
    """Each ``fleet.segment.<kind>`` table builds a valid segment of the fleet simulator."""
    fleet = sections["fleet"]
    if not fleet.segment or not _builtin(sections, "ev_fleet"):
        return []
    from simulators.ev_fleet.params import FleetParams
    from simulators.ev_fleet.segments import make_segment

    fields = {f.name: f for f in dataclasses.fields(FleetParams)}
    defaults = FleetParams()
    problems: list[ConfigProblem] = []
    for kind, table in fleet.segment.items():
        prefix = f"fleet.segment.{kind}"
        found = [
            ConfigProblem(f"{prefix}.{key}", message, value)
            for key, value in table.items()
            if (message := _field_problem(key, value, fields, defaults))
        ]
        if not found:
            try:
                make_segment(kind, 0, **fleet.segment_params(kind))
            except (TypeError, ValueError) as err:
                found = _params_problems(str(err), prefix=prefix, table=table)
        problems += found
    return problems


def _field_problem(key: str, value: Any, fields: Mapping[str, Any], defaults: Any) -> str:
    """What is wrong with one override of a ``FleetParams`` field ('' if nothing)."""
    if key == "name":
        return "" if isinstance(value, str) else "must be a string (the segment's name)"
    if key not in fields:
        counts = " (set the counts with fleet.evs_per_household, workplace_evs, company_evs)"
        hint = counts if key == "n_ev" else ""
        return f"unknown field{hint}; allowed: {', '.join(['name', *sorted(fields)])}"
    default = getattr(defaults, key)
    if dataclasses.is_dataclass(default):
        allowed = {f.name for f in dataclasses.fields(default)}
        if not isinstance(value, dict) or not set(value) <= allowed:
            return (
                f"must be a table of {type(default).__name__} fields: {', '.join(sorted(allowed))}"
            )
        bad = [k for k, v in value.items() if not _is_number(v)]
        return f"{', '.join(bad)} must be numbers" if bad else ""
    if isinstance(default, Enum):
        valid = [str(m.value) for m in type(default)]
        return "" if value in valid else f"must be one of {', '.join(valid)}"
    if isinstance(default, tuple):
        numbers = isinstance(value, list) and all(_is_number(v) for v in value)
        single = key == "p_max_kw" and _is_number(value)
        return "" if numbers or single else "must be a list of numbers, e.g. [0.3, 0.9]"
    return "" if _is_number(value) else "must be a number"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _params_problems(text: str, *, prefix: str, table: Mapping[str, Any]) -> list[ConfigProblem]:
    """Split 'invalid FleetParams: a=...; b=...' into one problem per field."""
    _, _, body = text.partition(": ")
    problems = []
    for part in (body or text).split("; "):
        name = part.split("=", 1)[0].strip()
        if name in table:
            problems.append(ConfigProblem(f"{prefix}.{name}", part, table[name]))
        else:
            problems.append(ConfigProblem(prefix, part))
    return problems

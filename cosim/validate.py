"""Config rules beyond one field: relations between sections, scripts and simulator facts.

Each rule names the sections it reads and runs only when those passed the schema, so a
config with schema errors still gets every rule that can run. Rules never start a
simulator; facts owned by simulator packages are asked in :mod:`cosim.validate_sim`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from cosim.config_scenario import SEGMENT_FIELDS
from cosim.errors import ConfigProblem
from cosim.record_select import check_patterns
from cosim.scripts import OPTIONAL_SECTIONS, SCRIPTS, scripts_using
from cosim.timebase import check_time_span, format_duration, parse_start
from cosim.validate_sim import check_fleet, check_tariff, check_tso

__all__ = ["RULES", "check_sections", "simulated_span"]

Sections = Mapping[str, Any]
Span = tuple[str, int] | None
#: a rule gets the sections and the run's span (see :func:`simulated_span`)
Rule = Callable[[Sections, Span], list[ConfigProblem]]

_TIME_FIELDS = ("scenario.step", "scenario.until", "scenario.warmup", "scenario.start")


def check_sections(sections: Sections, *, bad: Collection[str] = ()) -> list[ConfigProblem]:
    """Run every rule of :data:`RULES` that can run.

    Parameters
    ----------
    sections : mapping of str to section
        The validated sections, by name; a section that failed the schema is absent.
    bad : collection of str
        ``section.field`` paths that failed the schema (their section holds the default
        instead): a rule reading one of them is skipped rather than misled.
    """
    span = simulated_span(sections, bad)
    problems: list[ConfigProblem] = []
    for needs, rule in RULES:
        if all(_usable(need, sections, bad) for need in needs):
            problems += rule(sections, span)
    return problems


def _usable(need: str, sections: Sections, bad: Collection[str]) -> bool:
    section = need.split(".", 1)[0]
    if section not in sections:
        return False
    return not any(b == need or b.startswith(need + ".") for b in bad)


def _check_time_grid(sections: Sections, span: Span = None) -> list[ConfigProblem]:
    """``until`` and ``warmup`` are whole steps; the simulated span is on the calendar."""
    scenario = sections["scenario"]
    step_s = scenario.step_s
    problems = [
        ConfigProblem(f"scenario.{name}", _not_whole_steps(name, seconds, step_s), value)
        for name, seconds, value in (
            ("until", scenario.until_s, scenario.until),
            ("warmup", scenario.warmup_s, scenario.warmup),
        )
        if seconds % step_s
    ]
    outside = check_time_span(
        parse_start(scenario.start), before_s=scenario.warmup_s, after_s=scenario.until_s
    )
    if outside:
        problems.append(
            ConfigProblem(
                "scenario.start",
                f"{outside}: with warmup {format_duration(scenario.warmup_s)} and until "
                f"{format_duration(scenario.until_s)}, move start or shorten the run",
                scenario.start,
            )
        )
    return problems


def _not_whole_steps(name: str, seconds: int, step_s: int) -> str:
    low, high = seconds // step_s * step_s, -(-seconds // step_s) * step_s
    nearest = [v for v in (low, high) if v > 0 or name == "warmup"]
    options = " or ".join(f"{v} ({format_duration(v)})" for v in nearest)
    return (
        f"{seconds} s is not a whole number of steps of {step_s} s "
        f"({format_duration(step_s)}); use {options}"
    )


def simulated_span(sections: Sections, bad: Collection[str] = ()) -> Span:
    """ISO time of mosaik time 0 and the run's end [s], if the scenario's times are valid."""
    if not all(_usable(need, sections, bad) for need in _TIME_FIELDS):
        return None
    if _check_time_grid(sections):
        return None
    scenario = sections["scenario"]
    return scenario.sim_start, scenario.end_s


def _check_script_sections(sections: Sections, span: Span) -> list[ConfigProblem]:
    """An enabled section that the scenario script never wires is refused, not ignored."""
    script = sections["scenario"].script
    used = SCRIPTS[script].sections
    problems = []
    for name in OPTIONAL_SECTIONS:
        if name not in sections or not sections[name].enabled or name in used:
            continue
        users = scripts_using(name)
        where = ", ".join(f"{s} (e.g. {SCRIPTS[s].example})" for s in users)
        problems.append(
            ConfigProblem(
                f"{name}.enabled",
                f"[{name}] is enabled but scenario script {script!r} does not use it, so the "
                f"run would ignore it; the scripts that do: {where}. Set scenario.script to "
                f"one of them, or {name}.enabled = false",
                True,
            )
        )
    return problems


def _check_evse_rating(sections: Sections, span: Span) -> list[ConfigProblem]:
    """|S| <= S_rated must leave room for the rated active power (reactive power yields)."""
    evse = sections["evse"]
    if evse.s_rated_kva is None or evse.s_rated_kva >= evse.p_rated_kw:
        return []
    message = (
        f"is below p_rated_kw ({evse.p_rated_kw:g} kW): the charger could never deliver its "
        f"rated power. Set s_rated_kva >= {evse.p_rated_kw:g} or leave it out (default: "
        "p_rated_kw)"
    )
    return [ConfigProblem("evse.s_rated_kva", message, evse.s_rated_kva)]


def _check_evse_protection(sections: Sections, span: Span) -> list[ConfigProblem]:
    """A charger reconnects only above the voltage it trips at (hysteresis)."""
    evse = sections["evse"]
    if evse.uv_reconnect_pu >= evse.uv_trip_pu:
        return []
    message = (
        f"is below uv_trip_pu ({evse.uv_trip_pu:g} p.u.): a tripped charger would reconnect "
        f"into the same undervoltage. Set uv_reconnect_pu >= {evse.uv_trip_pu:g}"
    )
    return [ConfigProblem("evse.uv_reconnect_pu", message, evse.uv_reconnect_pu)]


def _check_tso_step(sections: Sections, span: Span) -> list[ConfigProblem]:
    """The TSO's internal frequency step divides the scenario step (and 15 min)."""
    tso, step_s = sections["tso"], sections["scenario"].step_s
    if not tso.enabled or (step_s % tso.f_step_s == 0 and 900 % tso.f_step_s == 0):
        return []
    valid = [d for d in range(1, 901) if step_s % d == 0 and 900 % d == 0]
    return [
        ConfigProblem(
            "tso.f_step_s",
            f"must divide the scenario step ({step_s} s) and 900 s; valid: "
            f"{', '.join(map(str, valid))}",
            tso.f_step_s,
        )
    ]


def _check_call_offs(sections: Sections, span: Span) -> list[ConfigProblem]:
    """Call-offs need tender contracts to call off (else the market rejects every one)."""
    dso, market = sections["dso"], sections["market"]
    if not dso.enabled or dso.request_gate != "call_off":
        return []
    if market.enabled and (market.tender or {}).get("offers"):
        return []
    message = (
        "sends every request as a call-off of tender contracts, but there is no tender: "
        "set market.enabled = true and give [market.tender] offers, or set "
        "dso.request_gate = 'market'"
    )
    return [ConfigProblem("dso.request_gate", message, dso.request_gate)]


def _check_qv_loop(sections: Sections, span: Span) -> list[ConfigProblem]:
    """The same-step voltage loop runs on the balanced voltage (no per-phase loop yet)."""
    if sections["evse"].qv_loop != "same_step" or not sections["grid"].unbalanced:
        return []
    message = (
        "the same-step loop acts on balanced voltages; with grid.unbalanced = true set "
        "evse.qv_loop = 'previous_step'"
    )
    return [ConfigProblem("evse.qv_loop", message, "same_step")]


def _check_afrr(sections: Sections, span: Span) -> list[ConfigProblem]:
    """An aFRR band needs a TSO to sell it to and a coordinator to dispatch its activations."""
    if not (sections["aggregator"].enabled and sections["aggregator"].afrr):
        return []
    missing = [name for name in ("tso", "coordination") if not sections[name].enabled]
    if not missing:
        return []
    message = (
        f"offers aFRR, but {' and '.join(f'[{m}]' for m in missing)} "
        f"{'is' if len(missing) == 1 else 'are'} not enabled: the TSO buys the band and the "
        "coordinator dispatches its activations. Set "
        f"{', '.join(f'{m}.enabled = true' for m in missing)}, or aggregator.afrr = false"
    )
    return [ConfigProblem("aggregator.afrr", message, True)]


def _check_record_exclude(sections: Sections, span: Span) -> list[ConfigProblem]:
    """Each ``record.exclude`` pattern names a role and an attribute that exist."""
    from cosim.ports import ALL_PORTS

    patterns = sections["record"].exclude
    if not patterns:
        return []
    choices = sections["simulators"]
    attrs = set(ALL_PORTS).union(*(choice.record for choice in choices.values()))
    return check_patterns(patterns, list(choices), attrs)


#: (the sections or ``section.field`` paths a rule reads, the rule)
RULES: tuple[tuple[tuple[str, ...], Rule], ...] = (
    (_TIME_FIELDS, _check_time_grid),
    (("scenario.script",), _check_script_sections),
    (("scenario.step", "tso.enabled", "tso.f_step_s"), _check_tso_step),
    (("evse.p_rated_kw", "evse.s_rated_kva"), _check_evse_rating),
    (("evse.uv_trip_pu", "evse.uv_reconnect_pu"), _check_evse_protection),
    ((*SEGMENT_FIELDS, "simulators.ev_fleet"), check_fleet),
    (("tariff", "simulators.tariff"), check_tariff),
    (("tso", "simulators.tso"), check_tso),
    (("dso.enabled", "dso.request_gate", "market.enabled", "market.tender"), _check_call_offs),
    (("evse.qv_loop", "grid.unbalanced"), _check_qv_loop),
    (("aggregator", "tso.enabled", "coordination.enabled"), _check_afrr),
    (("record.exclude", "simulators"), _check_record_exclude),
)

"""Which series a run records: the ``record.exclude`` patterns.

A pattern names series as ``role.attr`` with shell wildcards (:mod:`fnmatch`):
``"evse.p_loss_kw"`` (one series), ``"ev_fleet.*"`` (every fleet series), ``"*.soc"``
(that attribute of any role). The role is the scenario's name for the simulator
(``grid``, ``ev_fleet``, ``evse``, ``aggregator``, ... or a role the TOML adds), the
attribute the port's name (:data:`cosim.ports.ALL_PORTS`). An excluded series is never
connected to the recorder, so it costs neither the run nor the file anything; a KPI that
reads it is left out of the run's summary, as for a run that never had the simulator.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Sequence
from fnmatch import fnmatchcase

from cosim.errors import ConfigProblem

__all__ = ["check_patterns", "excluded", "pattern_problem", "role_of"]

FIELD = "record.exclude"


def pattern_problem(pattern: str) -> str | None:
    """What is wrong with the form of ``pattern``, or None."""
    role, dot, attr = pattern.partition(".")
    if not dot or not role or not attr or "." in attr:
        return (
            f"{pattern!r} is not a 'role.attr' pattern; write e.g. 'evse.p_loss_kw', "
            "'ev_fleet.*' or '*.soc'"
        )
    return None


def role_of(sid: str) -> str:
    """The role of a simulator from its mosaik id (``"evse-0"`` -> ``"evse"``)."""
    return sid.rsplit("-", 1)[0]


def excluded(patterns: Sequence[str], role: str, attr: str) -> bool:
    """Whether series ``role.attr`` is left out by one of ``patterns``."""
    name = f"{role}.{attr}"
    return any(fnmatchcase(name, p) for p in patterns)


def check_patterns(
    patterns: Sequence[str], roles: Collection[str], attrs: Collection[str]
) -> list[ConfigProblem]:
    """A problem for each pattern whose role or attribute part matches nothing known.

    ``roles``: every role of the config (built in and added); ``attrs``: every attribute a
    role can record (the port catalogue and the added roles' ``record`` lists).
    """
    problems = []
    for pattern in patterns:
        form = pattern_problem(pattern)
        if form is not None:
            problems.append(ConfigProblem(FIELD, form, pattern))
            continue
        role, _, attr = pattern.partition(".")
        for part, known, what in ((role, roles, "role"), (attr, attrs, "attribute")):
            if any(fnmatchcase(k, part) for k in known):
                continue
            close = difflib.get_close_matches(part, sorted(known), n=3)
            if close:
                hint = f"; did you mean {' or '.join(repr(c) for c in close)}?"
            else:
                hint = f"; the roles are {', '.join(sorted(known))}" if what == "role" else ""
            problems.append(
                ConfigProblem(FIELD, f"{pattern!r}: no {what} matches {part!r}{hint}", pattern)
            )
    return problems

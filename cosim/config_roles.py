"""Roles a scenario TOML adds beside ours, and the connections that wire them in.

A table ``[simulators.<name>]`` whose name is not one of our roles adds a simulator: its
``impl`` (a registered name or ``package.module:Class``), the ``model`` the scenario creates
(one entity), ``sim_params`` for mosaik's ``init`` (the scenario gives ``step_s``, ``start``
and ``seed``), ``params`` for ``create`` and the attributes to ``record``. A ``params``
value ``"@<role>.<key>"`` is the ``extra_info[key]`` of that role's entity (e.g.
``"@grid.household_bus_id"``). ``[[connect]]`` tables wire any two roles of the scenario::

    [[connect]]
    from = "evse"
    to = "homes"
    attrs = [["p_kw", "p_load_kw"], ["bus_id", "load_bus_id"]]   # or ["p_kw", "bus_id"]
    time_shifted = false          # true: one step late; initial_data, when given, sets the
                                  # first-step values (else each port's default, sized
                                  # from the entities' extra_info as cosim.link.link does)
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ConfigDict, Field, field_validator, model_validator

from cosim.config_section import StrictSection
from cosim.errors import ConfigProblem

__all__ = ["ALIASES", "ConnectSpec", "check_roles", "from_extra_info"]

#: other names a [[connect]] or ``"@role.key"`` may use for our roles: alias -> role
ALIASES = {"fleet": "ev_fleet"}

_REF = re.compile(r"^@([A-Za-z_]\w*)\.([A-Za-z_]\w*)$")


def from_extra_info(value: Any) -> tuple[str, str] | None:
    """``(role, key)`` of a ``"@role.key"`` reference, else None.

    >>> from_extra_info("@grid.household_bus_id")
    ('grid', 'household_bus_id')
    """
    if isinstance(value, str):
        m = _REF.match(value)
        if m:
            return m.group(1), m.group(2)
    return None


class ConnectSpec(StrictSection):
    """One ``[[connect]]`` table: attributes from one role's entity to another's."""

    model_config = ConfigDict(populate_by_name=True)

    source: str = Field(alias="from", description="role whose entity sends")
    to: str = Field(description="role whose entity receives")
    attrs: list[str | tuple[str, str]] = Field(
        min_length=1, description="attribute names, or [source, destination] pairs"
    )
    time_shifted: bool = False
    initial_data: dict[str, Any] = Field(
        default_factory=dict,
        description="first-step values of a time-shifted connection "
        "(default: each port's default, sized from the entities' extra_info)",
    )

    @field_validator("attrs", mode="before")
    @classmethod
    def _pairs(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [tuple(a) if isinstance(a, list) else a for a in value]
        return value

    @model_validator(mode="after")
    def _initial(self) -> ConnectSpec:
        sources = [a if isinstance(a, str) else a[0] for a in self.attrs]
        if not self.time_shifted and self.initial_data:
            raise ValueError("initial_data is only used with time_shifted = true")
        unknown = sorted(set(self.initial_data) - set(sources))
        if unknown:
            raise ValueError(
                f"initial_data for {unknown}, which this connection does not send "
                f"(it sends {sources}); remove them"
            )
        return self

    def pairs(self) -> list[tuple[str, str]]:
        """``(source attribute, destination attribute)`` of each connected attribute."""
        return [(a, a) if isinstance(a, str) else a for a in self.attrs]


def check_roles(
    simulators: dict[str, Any], connects: list[ConnectSpec], builtin: tuple[str, ...]
) -> list[ConfigProblem]:
    """Added roles name a model and only ours take no scenario settings; connections name
    roles that exist."""
    problems: list[ConfigProblem] = []
    for role, choice in simulators.items():
        added = role not in builtin
        given = [f for f in ("model", "sim_params", "params", "record") if getattr(choice, f)]
        if added and not choice.model:
            problems.append(
                ConfigProblem(
                    f"simulators.{role}.model",
                    "an added role needs the model (entity type) the scenario creates",
                    None,
                )
            )
        elif not added and given:
            problems.append(
                ConfigProblem(
                    f"simulators.{role}",
                    f"{', '.join(given)}: the scenario sets these for our role {role!r}; "
                    "use the role's own config section",
                    None,
                )
            )
    known = set(simulators) | set(ALIASES)
    for i, spec in enumerate(connects):
        for field, role in (("from", spec.source), ("to", spec.to)):
            if role not in known:
                problems.append(
                    ConfigProblem(
                        f"connect[{i}].{field}",
                        f"no role {role!r}; roles: {', '.join(sorted(known))}",
                        role,
                    )
                )
    for role, choice in simulators.items():
        for key, value in (choice.params or {}).items():
            ref = from_extra_info(value)
            if ref and ref[0] not in known:
                problems.append(
                    ConfigProblem(
                        f"simulators.{role}.params.{key}",
                        f"no role {ref[0]!r} to read extra_info from",
                        value,
                    )
                )
    return problems

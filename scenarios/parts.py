"""What a scenario's ``build`` made: :class:`Parts`, one named field per entity.

A study's ``build`` returns it; later steps (``after_run`` hooks, the roles a TOML adds)
read its attributes. ``by_role`` maps role names to entities for the ``"@role.key"``
references and ``[[connect]]`` tables of a scenario TOML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from cosim.config_roles import ALIASES

__all__ = ["Parts", "Recorder"]


class Recorder(NamedTuple):
    """The recorder, as :func:`scenarios.common.start_recorder` returns it."""

    sim: Any
    entity: Any
    #: ``record.exclude``: the series :func:`scenarios.common.record` leaves out
    exclude: tuple[str, ...] = ()


#: the role of each entity field (fields not listed here hold no role's entity)
_ROLE_OF = {
    "grid": "grid",
    "fleet": "ev_fleet",
    "bank": "evse",
    "tariff": "tariff",
    "aggregator": "aggregator",
    "dso": "dso",
    "tso": "tso",
    "coordinator": "coordination",
    "market": "flex_market",
    "phase_balance": "phase_balance",
}


@dataclass(frozen=True)
class Parts:
    """The entities (and the simulators asked for event logs) of one built scenario.

    ``grid`` is the grid's Area, ``fleet`` the Fleet, ``bank`` the ChargerBank; a field a
    study does not build (or ``cfg`` leaves off) is None. ``added`` holds the entities of
    the roles a scenario TOML adds, by role name.
    """

    grid: Any
    fleet: Any = None
    bank: Any = None
    n_ev: int = 0
    tariff: Any = None
    aggregator: Any = None
    dso: Any = None
    tso: Any = None
    coordinator: Any = None
    coordinator_sim: Any = None
    market: Any = None
    market_sim: Any = None
    phase_balance: Any = None
    zone_names: tuple[str, ...] = ()
    added: dict[str, Any] = field(default_factory=dict)

    def by_role(self) -> dict[str, Any]:
        """Entity of every role this scenario built, by role name (and alias)."""
        out = {
            role: getattr(self, name)
            for name, role in _ROLE_OF.items()
            if getattr(self, name) is not None
        }
        out.update({alias: out[role] for alias, role in ALIASES.items() if role in out})
        out.update(self.added)
        return out

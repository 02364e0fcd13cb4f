"""Start the roles a scenario TOML adds and wire its ``[[connect]]`` tables.

Runs after a scenario's ``build``: every entity it made is in its
:class:`~scenarios.parts.Parts`, found by role name (``grid`` is the grid's Area, ``evse``
the ChargerBank, ``ev_fleet`` or ``fleet`` the Fleet, ...: ``Parts.by_role``), and an added
role's entity joins them under the role's name, so connections can name either. A
time-shifted connection without ``initial_data`` starts from the ports' defaults, sized
like :func:`cosim.link.link` does.
"""

from __future__ import annotations

from typing import Any

import mosaik

from cosim.config import Config
from cosim.config_roles import ConnectSpec, from_extra_info
from cosim.errors import ConfigError, ConfigProblem
from cosim.link import initial_data
from cosim.registry import ROLES
from scenarios.common import record, start
from scenarios.parts import Parts, Recorder

__all__ = ["add_roles"]


def _entity(parts: Parts, role: str, path: str) -> Any:
    entities = parts.by_role()
    entity = entities.get(role)
    if entity is None:
        present = sorted(entities)
        raise ConfigError(
            [
                ConfigProblem(
                    path,
                    f"role {role!r} has no entity in this scenario (is its section enabled?); "
                    f"entities: {', '.join(present)}",
                    role,
                )
            ]
        )
    return entity


def _resolve(parts: Parts, role: str, params: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in params.items():
        ref = from_extra_info(value)
        if ref is None:
            out[key] = value
            continue
        entity = _entity(parts, ref[0], f"simulators.{role}.params.{key}")
        if ref[1] not in entity.extra_info:
            raise ConfigError(
                [
                    ConfigProblem(
                        f"simulators.{role}.params.{key}",
                        f"{ref[0]}'s entity has no extra_info {ref[1]!r}; it has "
                        f"{', '.join(sorted(entity.extra_info))}",
                        value,
                    )
                ]
            )
        out[key] = entity.extra_info[ref[1]]
    return out


def add_roles(world: mosaik.World, cfg: Config, *, parts: Parts, recorder: Recorder | None) -> None:
    """Create one entity per added role, record what it asks, then make the connections."""
    added = [role for role in cfg.simulators if role not in ROLES]
    if not added and not cfg.connect:
        return
    if not isinstance(parts, Parts):
        raise ConfigError(
            [ConfigProblem("simulators", "this scenario script takes no added roles", added)]
        )
    for role in added:
        choice = cfg.simulators[role]
        assert choice.model is not None  # checked when the config loaded
        sim = start(world, cfg, role, **choice.sim_params)
        entity = getattr(sim, choice.model)(**_resolve(parts, role, choice.params))
        parts.added[role] = entity
        if recorder is not None and choice.record:
            record(world, recorder, [entity], choice.record)
    for i, spec in enumerate(cfg.connect):
        src = _entity(parts, spec.source, f"connect[{i}].from")
        dst = _entity(parts, spec.to, f"connect[{i}].to")
        if spec.time_shifted:
            initial = _initial(src, dst, spec, f"connect[{i}].initial_data")
            world.connect(src, dst, *spec.pairs(), time_shifted=True, initial_data=initial)
        else:
            world.connect(src, dst, *spec.pairs())


def _initial(src: Any, dst: Any, spec: ConnectSpec, path: str) -> dict[str, Any]:
    """The first-step values of a time-shifted connection: the ``initial_data`` given, the
    ports' defaults (sized from the entities' ``extra_info``) for the rest."""
    missing = [a for a, _ in spec.pairs() if a not in spec.initial_data]
    try:
        sized = initial_data(src, dst, missing)
    except ValueError as err:
        raise ConfigError([ConfigProblem(path, f"{err}; or give initial_data", missing)]) from err
    return {a: spec.initial_data.get(a, sized.get(a)) for a, _ in spec.pairs()}

"""Start the roles a scenario TOML adds and wire its ``[[connect]]`` tables.

Runs after a scenario's ``build``: every entity it made is in its ``parts`` (``grid`` is the
grid's Area, ``evse`` the ChargerBank, ``fleet`` the Fleet, ...), and an added role's
entity joins them under the role's name, so connections can name either.
"""

from __future__ import annotations

from typing import Any

import mosaik

from cosim.config import Config
from cosim.config_roles import ALIASES, from_extra_info
from cosim.errors import ConfigError, ConfigProblem
from cosim.registry import ROLES
from scenarios.common import record, start

__all__ = ["add_roles"]


def _entity(parts: dict[str, Any], role: str, path: str) -> Any:
    name = ALIASES.get(role, role)
    entity = parts.get(name)
    if entity is None:
        present = sorted(k for k, v in parts.items() if hasattr(v, "extra_info"))
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


def _resolve(parts: dict[str, Any], role: str, params: dict[str, Any]) -> dict[str, Any]:
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


def add_roles(
    world: mosaik.World, cfg: Config, parts: Any, recorder: tuple[Any, Any] | None
) -> None:
    """Create one entity per added role, record what it asks, then make the connections."""
    added = [role for role in cfg.simulators if role not in ROLES]
    if not added and not cfg.connect:
        return
    if not isinstance(parts, dict):
        raise ConfigError(
            [ConfigProblem("simulators", "this scenario script takes no added roles", added)]
        )
    for role in added:
        choice = cfg.simulators[role]
        assert choice.model is not None  # checked when the config loaded
        sim = start(world, cfg, role, **choice.sim_params)
        parts[role] = getattr(sim, choice.model)(**_resolve(parts, role, choice.params))
        if recorder is not None and choice.record:
            record(world, recorder, [parts[role]], choice.record)
    for i, spec in enumerate(cfg.connect):
        src = _entity(parts, spec.source, f"connect[{i}].from")
        dst = _entity(parts, spec.to, f"connect[{i}].to")
        if spec.time_shifted:
            initial = {a: spec.initial_data[a] for a, _ in spec.pairs()}
            world.connect(src, dst, *spec.pairs(), time_shifted=True, initial_data=initial)
        else:
            world.connect(src, dst, *spec.pairs())

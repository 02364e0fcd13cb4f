"""Scenario families: one base config and named variants that override parts of it.

A family file looks like::

    base = "frameworks.toml"          # path relative to this file
    out_dir = "runs/frameworks"       # one results file per variant goes here

    [variants.uncontrolled]
    aggregator.policy = "uncontrolled"

    [variants.tou]
    tariff.kind = "tou"
    aggregator.policy = "tou_delayed"

Every variant runs the same grid, fleet and seed unless it overrides them; each is validated
like a scenario file, and all problems of all variants are reported at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cosim.config import Config, apply_overrides, parse_config, read_toml
from cosim.errors import ConfigError, ConfigProblem

__all__ = ["Family", "load_family", "merge"]


@dataclass(frozen=True)
class Family:
    """A validated family: its name, output folder and one config per variant."""

    name: str
    out_dir: Path
    variants: dict[str, Config]


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge ``override`` into a copy of ``base`` (tables merge, values replace).

    >>> merge({"a": {"x": 1, "y": 2}}, {"a": {"y": 3}})
    {'a': {'x': 1, 'y': 3}}
    """
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def load_family(path: str | Path, overrides: list[str] | None = None) -> Family:
    """Read a family file; ``overrides`` (``section.field=value``) apply to every variant."""
    path = Path(path)
    problems: list[ConfigProblem] = []
    data = read_toml(path)
    unknown = sorted(set(data) - {"base", "out_dir", "name", "variants", "sweep"})
    if unknown:
        problems.append(
            ConfigProblem(
                ", ".join(unknown), "unknown key; a family has base, name, out_dir, variants"
            )
        )
    base_path = path.parent / str(data.get("base", ""))
    if "base" not in data or not base_path.is_file():
        problems.append(
            ConfigProblem("base", "must name an existing scenario file", data.get("base"))
        )
    variants = data.get("variants")
    if not isinstance(variants, dict) or not variants:
        problems.append(ConfigProblem("variants", "give at least one [variants.<name>] table"))
    if problems:
        raise ConfigError(problems, source=str(path))
    base = read_toml(base_path)
    configs: dict[str, Config] = {}
    variant_tables: dict[str, Any] = variants if isinstance(variants, dict) else {}
    for name, override in variant_tables.items():
        merged = apply_overrides(merge(base, override), overrides or [])  # the command wins
        merged.setdefault("scenario", {})
        merged["scenario"] = {**merged["scenario"], "name": name}
        try:
            configs[name] = parse_config(merged, source=f"{path}:{name}")
        except ConfigError as err:
            problems += [
                ConfigProblem(f"variants.{name}.{p.path}", p.message, p.value) for p in err.problems
            ]
    if problems:
        raise ConfigError(problems, source=str(path))
    name = str(data.get("name", path.stem))
    out_dir = Path(str(data.get("out_dir", f"runs/{name}")))
    return Family(name=name, out_dir=out_dir, variants=configs)

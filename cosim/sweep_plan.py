"""Sweep plans: a scenario family expanded over a parameter grid and seeds into run specs.

A sweep file is a family file (:mod:`cosim.family`) with an optional ``[sweep]`` table::

    base = "frameworks.toml"
    out_dir = "runs/frameworks_mc"

    [sweep]
    params = { "fleet.evs_per_household" = [0.75, 1.5] }   # any config field, full grid
    seeds = 10                 # 10 consecutive seeds from the base's scenario.seed,
                               # or an explicit list: seeds = [1, 2, 3]

    [variants.uncontrolled]
    [variants.vcc]
    dso = { enabled = true, framework = "vcc" }

Each run's config is built in this order, later steps winning: base file, variant table,
parameter point, seed, command-line overrides. An override of a swept field (or of
``scenario.seed``) removes that dimension from the grid, so ``--set`` always means what it
says. Every variant takes the same seeds (common random numbers), so variants differ by
their settings only, seed by seed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import re
import tomllib
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from cosim.config import Config, apply_overrides, parse_config
from cosim.errors import ConfigError, ConfigProblem
from cosim.family import merge

__all__ = ["RunSpec", "SweepPlan", "config_hash", "load_sweep"]

#: largest seed: results files store it as a signed 64-bit HDF5 attribute
MAX_SEED = 2**63 - 1
_FAMILY_KEYS = frozenset({"base", "name", "out_dir", "variants", "sweep"})
_SWEEP_KEYS = frozenset({"params", "seeds"})
_UNSAFE = re.compile(r"[^A-Za-z0-9._+=-]+")


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep.

    Parameters
    ----------
    run_id : str
        Stable, file-name-safe id, e.g. ``"vcc-evs_per_household=0.75-seed42"``; the run
        writes ``<out_dir>/<run_id>.h5``. Without ``seeds`` in ``[sweep]``, the id has no
        seed part (``"vcc"``), as ``cosim sweep`` named the files of a family before.
    variant : str
        Family variant (also the run's ``scenario.name``).
    params : tuple of (str, object)
        The swept fields of this run and their values, in grid order.
    seed : int
        ``scenario.seed`` of the run.
    config : Config
        The validated config the run executes.
    config_hash : str
        :func:`config_hash` of ``config``: what resume compares with a results file.
    """

    run_id: str
    variant: str
    params: tuple[tuple[str, Any], ...]
    seed: int
    config: Config
    config_hash: str


@dataclass(frozen=True)
class SweepPlan:
    """A validated sweep: runs in order variant × parameter point × seed."""

    name: str
    out_dir: Path
    params: dict[str, list[Any]]
    seeds: list[int]
    runs: list[RunSpec]


#: Fields that change how a run is carried out but not its results (same config and seed
#: give identical datasets in process or out of process, whatever the flush cadence), so
#: resume does not redo a complete run when only they differ.
NOT_RESULTS = (("mosaik",), ("record", "buffer_steps"), ("record", "flush_s"))


def config_hash(config: Config | Mapping[str, Any]) -> str:
    """sha256 (hex) of the canonical JSON of a config (sorted keys, no spaces).

    Accepts a :class:`Config` or its plain-data form (``cfg.to_toml_dict()``, or the
    ``config_json`` a results file stores), which hash alike. The fields in
    :data:`NOT_RESULTS` and each simulator's ``starter`` are left out.
    """
    data = config.to_toml_dict() if isinstance(config, Config) else config
    data = _results_fields(data)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _results_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` without the fields that do not change results (a deep-enough copy)."""
    out = {key: dict(value) if isinstance(value, Mapping) else value for key, value in data.items()}
    for path in NOT_RESULTS:
        *parents, leaf = path
        table = out
        for part in parents:
            table = table.get(part, {})
        table.pop(leaf, None)
    out["simulators"] = {
        role: {k: v for k, v in choice.items() if k != "starter"}
        for role, choice in dict(out.get("simulators", {})).items()
    }
    return out


def load_sweep(
    path: str | Path,
    *,
    overrides: Sequence[str] = (),
    only: Sequence[str] = (),
) -> SweepPlan:
    """Read a family/sweep file and expand it into validated run specs.

    Parameters
    ----------
    path : str or Path
        The family file.
    overrides : sequence of str
        ``section.field=value`` (TOML value) for every run, applied last: they win over
        variant tables, parameter points and seeds.
    only : sequence of str
        Run only these variants (all when empty).

    Raises
    ------
    ConfigError
        Listing every problem found: file keys, ``[sweep]`` table, unknown variants,
        and each variant × parameter point that does not validate.
    """
    path = Path(path)
    data = _read_toml(path)
    problems = _family_problems(data, path)
    params, seeds = _sweep_table(data.get("sweep", {}), problems)
    raw_variants = data.get("variants")
    variants: dict[str, Any] = raw_variants if isinstance(raw_variants, dict) else {}
    unknown = sorted(set(only) - set(variants))
    if unknown:
        problems.append(
            ConfigProblem("--only", f"no such variant; variants: {', '.join(variants)}", unknown)
        )
    if problems:
        raise ConfigError(problems, source=str(path))
    base = tomllib.loads((path.parent / str(data["base"])).read_text(encoding="utf-8"))
    params, seeds = _drop_overridden(params, seeds, overrides)
    if isinstance(seeds, int):
        start = int(apply_overrides(base, list(overrides)).get("scenario", {}).get("seed", 42))
        seeds = list(range(start, start + seeds))
    chosen = {k: v for k, v in variants.items() if not only or k in only}
    runs = _expand(base, chosen, params, seeds or [None], overrides, path, problems)
    if "seeds" not in data.get("sweep", {}):  # one seed per variant: ids as `cosim sweep` had
        runs = [dataclasses.replace(r, run_id=r.run_id.rsplit("-seed", 1)[0]) for r in runs]
    if problems:
        raise ConfigError(problems, source=str(path))
    _check_unique_ids(runs, path)
    name = str(data.get("name", path.stem))
    out_dir = Path(str(data.get("out_dir", f"runs/{name}")))
    seed_list = seeds or sorted({r.seed for r in runs})
    return SweepPlan(name=name, out_dir=out_dir, params=params, seeds=seed_list, runs=runs)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        problem = ConfigProblem("file", f"cannot read sweep file: {err}")
        raise ConfigError([problem], source=str(path)) from None


def _family_problems(data: dict[str, Any], path: Path) -> list[ConfigProblem]:
    problems = []
    unknown = sorted(set(data) - _FAMILY_KEYS)
    if unknown:
        problems.append(
            ConfigProblem(
                ", ".join(unknown),
                "unknown key; a sweep file has base, name, out_dir, sweep, variants",
            )
        )
    if "base" not in data or not (path.parent / str(data["base"])).is_file():
        problems.append(
            ConfigProblem("base", "must name an existing scenario file", data.get("base"))
        )
    variants = data.get("variants")
    if not isinstance(variants, dict) or not variants:
        problems.append(ConfigProblem("variants", "give at least one [variants.<name>] table"))
    return problems


def _sweep_table(
    table: Any, problems: list[ConfigProblem]
) -> tuple[dict[str, list[Any]], list[int] | int | None]:
    """The parameter grid and seeds of ``[sweep]`` (``None`` seeds: the config's own)."""
    if not isinstance(table, dict):
        problems.append(ConfigProblem("sweep", "must be a table: [sweep]", table))
        return {}, None
    unknown = sorted(set(table) - _SWEEP_KEYS)
    if unknown:
        problems.append(
            ConfigProblem(f"sweep.{', '.join(unknown)}", "unknown key; use params, seeds")
        )
    raw = table.get("params", {})
    params: dict[str, list[Any]] = {}
    if not isinstance(raw, dict):
        problems.append(ConfigProblem("sweep.params", 'a table: { "section.field" = [...] }', raw))
    else:
        for field, values in _flatten(raw).items():
            where = f'sweep.params."{field}"'
            why = _field_problem(field.split("."))
            if why:
                problems.append(ConfigProblem(where, why, field))
            elif not isinstance(values, list) or not values:
                problems.append(ConfigProblem(where, "give a non-empty list of values", values))
            elif len({json.dumps(v, sort_keys=True) for v in values}) < len(values):
                problems.append(ConfigProblem(where, "values repeat; list each once", values))
            else:
                params[field] = values
    return params, _seeds(table.get("seeds"), problems)


def _seeds(raw: Any, problems: list[ConfigProblem]) -> list[int] | int | None:
    if raw is None:
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):
        if 1 <= raw <= 100_000:
            return raw
        problems.append(ConfigProblem("sweep.seeds", "a count must be 1 to 100000", raw))
        return None
    ok = (
        isinstance(raw, list)
        and raw
        and all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s <= MAX_SEED for s in raw)
    )
    if not ok:
        problems.append(
            ConfigProblem(
                "sweep.seeds",
                f"give a count (seeds = 10) or a non-empty list of integers 0..{MAX_SEED}",
                raw,
            )
        )
        return None
    if len(set(raw)) < len(raw):
        problems.append(ConfigProblem("sweep.seeds", "seeds repeat; list each once", raw))
        return None
    return list(raw)


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"fleet": {"x": [...]}}`` and ``{"fleet.x": [...]}`` alike -> ``{"fleet.x": [...]}``."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def _field_problem(parts: list[str]) -> str:
    """Why ``parts`` is not a config field path ('' when it is one)."""
    model: type[BaseModel] = Config
    for i, part in enumerate(parts):
        field = model.model_fields.get(part)
        if field is None:
            return f"unknown field; allowed here: {', '.join(sorted(model.model_fields))}"
        annotation = field.annotation
        rest = parts[i + 1 :]
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if not rest:
                return "is a table; sweep one of its fields, e.g. section.field"
            model = annotation
            continue
        if rest and typing.get_origin(annotation) is not dict:
            return f"{part!r} is a value, not a table"
        return ""
    return "is a table; sweep one of its fields"


def _drop_overridden(
    params: dict[str, list[Any]], seeds: list[int] | int | None, overrides: Sequence[str]
) -> tuple[dict[str, list[Any]], list[int] | int | None]:
    """Remove the grid dimensions that a command-line override fixes."""
    keys = [item.partition("=")[0].strip() for item in overrides]

    def fixed(field: str) -> bool:
        return any(k == field or field.startswith(f"{k}.") for k in keys)

    kept = {f: v for f, v in params.items() if not fixed(f)}
    return kept, (None if fixed("scenario.seed") else seeds)


def _expand(
    base: dict[str, Any],
    variants: dict[str, Any],
    params: dict[str, list[Any]],
    seeds: Sequence[int | None],
    overrides: Sequence[str],
    path: Path,
    problems: list[ConfigProblem],
) -> list[RunSpec]:
    fields = list(params)
    labels = _labels(fields)
    runs: list[RunSpec] = []
    for variant, table in variants.items():
        for point in itertools.product(*(params[f] for f in fields)):
            where = ", ".join(f"{f}={v!r}" for f, v in zip(fields, point, strict=True))
            for seed in seeds:
                data = merge(base, table if isinstance(table, dict) else {})
                for field, value in zip(fields, point, strict=True):
                    data = _set(data, field.split("."), value)
                if seed is not None:
                    data = _set(data, ["scenario", "seed"], seed)
                try:
                    data = apply_overrides(data, list(overrides))
                    data = _set(data, ["scenario", "name"], variant)
                    cfg = parse_config(data, source=f"{path}:{variant}")
                except ConfigError as err:
                    prefix = f"variants.{variant}" + (f"[{where}]" if where else "")
                    problems.extend(
                        ConfigProblem(f"{prefix}.{p.path}", p.message, p.value)
                        for p in err.problems
                    )
                    break  # the other seeds of this point fail alike
                run_id = _run_id(variant, labels, point, cfg.scenario.seed)
                pairs = tuple(zip(fields, point, strict=True))
                runs.append(
                    RunSpec(run_id, variant, pairs, cfg.scenario.seed, cfg, config_hash(cfg))
                )
    return runs


def _set(data: dict[str, Any], parts: list[str], value: Any) -> dict[str, Any]:
    """A copy of ``data`` with ``parts`` set to ``value`` (tables on the way copied)."""
    out = dict(data)
    if len(parts) == 1:
        out[parts[0]] = value
        return out
    inner = out.get(parts[0])
    out[parts[0]] = _set(inner if isinstance(inner, dict) else {}, parts[1:], value)
    return out


def _labels(fields: list[str]) -> list[str]:
    """Short names of the swept fields for run ids: the last part unless two share it."""
    leaves = [f.rsplit(".", 1)[-1] for f in fields]
    return [leaf if leaves.count(leaf) == 1 else f for leaf, f in zip(leaves, fields, strict=True)]


def _run_id(variant: str, labels: list[str], point: tuple[Any, ...], seed: int) -> str:
    parts = [variant]
    for label, value in zip(labels, point, strict=True):
        shown = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        parts.append(f"{label}={shown}")
    parts.append(f"seed{seed}")
    return _UNSAFE.sub("_", "-".join(parts))


def _check_unique_ids(runs: list[RunSpec], path: Path) -> None:
    seen: dict[str, RunSpec] = {}
    problems = []
    for run in runs:
        if run.run_id in seen:
            problems.append(
                ConfigProblem(
                    "sweep.params",
                    "two runs get the same file name; use values that differ in letters, "
                    "digits, '.', '+', '=' or '-'",
                    run.run_id,
                )
            )
        seen[run.run_id] = run
    if problems:
        raise ConfigError(problems, source=str(path))

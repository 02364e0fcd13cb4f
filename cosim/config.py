"""Scenario configuration: the TOML schema, validated at load time.

Every problem in a file is collected and reported at once (path, value, allowed values),
as a :class:`~cosim.errors.ConfigError`; the CLI prints it without a traceback. Validation
runs in two passes: the pydantic schema (types, bounds, choices of each field), then the
rules of :mod:`cosim.validate` that relate sections, read the files a config names and ask
the simulator packages (lazily) about their presets and parameters.
"""

from __future__ import annotations

import re
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, cast

from pydantic import (
    BaseModel,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from cosim.config_flex import (
    AggregatorConfig,
    CoordinationConfig,
    DSOConfig,
    EVSEConfig,
    MarketConfig,
    TariffConfig,
    TSOConfig,
)
from cosim.config_mosaik import MosaikConfig
from cosim.config_phase_balance import PhaseBalanceConfig, check_phase_balance
from cosim.config_roles import ConnectSpec, check_roles
from cosim.config_scenario import (
    Backend,
    FleetConfig,
    GridConfig,
    NonConvergence,
    PlugIn,
    ScenarioConfig,
)
from cosim.config_section import LAX, StrictSection
from cosim.errors import ConfigError, ConfigProblem
from cosim.record_select import pattern_problem
from cosim.registry import ROLES, SIMULATORS, check_importable

__all__ = [
    "Backend",
    "Compression",
    "Config",
    "EVSEConfig",
    "FleetConfig",
    "GridConfig",
    "MosaikConfig",
    "NonConvergence",
    "PlugIn",
    "RecordConfig",
    "ScenarioConfig",
    "SimulatorChoice",
    "Starter",
    "apply_overrides",
    "load_config",
    "parse_config",
    "read_toml",
]


class Starter(StrEnum):
    PYTHON = "python"
    CMD = "cmd"


class Compression(StrEnum):
    """HDF5 filter of the recorded series (:func:`results.chunks.series_filter`)."""

    GZIP = "gzip"
    LZF = "lzf"
    NONE = "none"


class RecordConfig(StrictSection):
    """What the recorder writes and how (``results/recorder.py``, ``results/writer.py``)."""

    enabled: bool = True
    buffer_steps: int = Field(672, ge=1, le=100_000, description="rows kept before a flush")
    float32: bool = Field(True, description="store series as float32 (halves the file)")
    flush_s: float = Field(5.0, ge=0, le=3600, description="also flush at least this often [s]")
    compression: Annotated[Compression, LAX] = Field(
        Compression.GZIP,
        description=(
            "HDF5 filter of the series: gzip (level 1 with shuffle, readable everywhere), "
            "lzf (~30 % less writer CPU, ~25 % larger, needs h5py or the LZF plugin to "
            "read) or none (fastest, ~10x larger)"
        ),
    )
    exclude: list[str] = Field(
        default_factory=list,
        description=(
            "series not to record, as 'role.attr' patterns with wildcards: "
            "'evse.p_loss_kw', 'ev_fleet.*', '*.soc' (KPIs that read them are left out)"
        ),
    )

    @field_validator("exclude")
    @classmethod
    def _exclude(cls, value: list[str]) -> list[str]:
        problems = [p for p in map(pattern_problem, value) if p is not None]
        if problems:
            raise ValueError("; ".join(problems))
        return value


class SimulatorChoice(StrictSection):
    """The simulator of a role; for a role the TOML adds, also what the scenario creates
    (:mod:`cosim.config_roles`)."""

    impl: str = Field(description="registered simulator name or 'package.module:Class'")
    starter: Annotated[Starter, LAX] = Starter.PYTHON
    model: str | None = Field(None, description="added role: the entity type to create")
    sim_params: dict[str, Any] = Field(default_factory=dict, description="added role: init()")
    params: dict[str, Any] = Field(
        default_factory=dict, description="added role: create(); '@role.key' reads extra_info"
    )
    record: list[str] = Field(default_factory=list, description="added role: attrs to record")

    @field_validator("impl")
    @classmethod
    def _impl(cls, value: str) -> str:
        if ":" not in value and value not in SIMULATORS:
            raise ValueError(
                f"unknown simulator {value!r}; registered: {', '.join(sorted(SIMULATORS))}, "
                "or give 'package.module:Class'"
            )
        if ":" in value:
            problem = check_importable(value)
            if problem:
                raise ValueError(problem)
        return value


#: a role added in a TOML is named like a Python identifier (it becomes a mosaik sim name)
_ROLE_NAME = re.compile(r"^[A-Za-z_]\w*$")


def _fill_roles(value: Any) -> Any:
    """Every role gets its registered simulator unless ``value`` names another one."""
    if not isinstance(value, dict):
        return value
    bad = sorted(r for r in set(value) - set(ROLES) if not _ROLE_NAME.match(str(r)))
    if bad:
        raise ValueError(f"role name(s) {bad} must be identifiers (letters, digits, _)")
    added = sorted(r for r in set(value) - set(ROLES) if not isinstance(value[r], dict))
    if added:
        raise ValueError(
            f"added role(s) {added} need a table: [simulators.{added[0]}] with impl and model "
            f"(our roles are {', '.join(ROLES)})"
        )
    merged: dict[str, Any] = {role: {"impl": role} for role in ROLES}
    for role, choice in value.items():
        merged[role] = {"impl": choice} if isinstance(choice, str) else choice
    return merged


def _default_simulators() -> dict[str, SimulatorChoice]:
    return {role: SimulatorChoice(impl=role) for role in ROLES}


class Config(StrictSection):
    scenario: ScenarioConfig = ScenarioConfig()
    grid: GridConfig = GridConfig()
    fleet: FleetConfig = FleetConfig()
    evse: EVSEConfig = EVSEConfig()
    record: RecordConfig = RecordConfig()
    tariff: TariffConfig = TariffConfig()
    aggregator: AggregatorConfig = AggregatorConfig()
    dso: DSOConfig = DSOConfig()
    tso: TSOConfig = TSOConfig()
    market: MarketConfig = MarketConfig()
    coordination: CoordinationConfig = CoordinationConfig()
    phase_balance: PhaseBalanceConfig = PhaseBalanceConfig()
    mosaik: MosaikConfig = MosaikConfig()
    simulators: dict[str, SimulatorChoice] = Field(default_factory=_default_simulators)
    connect: list[ConnectSpec] = Field(default_factory=list, description="[[connect]] tables")

    @field_validator("simulators", mode="before")
    @classmethod
    def _roles(cls, value: Any) -> Any:
        return _fill_roles(value)

    @model_validator(mode="after")
    def _relations(self) -> Config:
        from cosim.validate import check_sections

        problems = check_sections(dict(self)) + check_phase_balance(dict(self))
        problems += check_roles(self.simulators, self.connect, ROLES)
        if problems:
            raise ConfigError(problems)  # not a ValueError: pydantic lets it through as is
        return self

    def to_toml_dict(self) -> dict[str, Any]:
        """The config as plain data (enums as strings), e.g. for the results file."""
        return self.model_dump(mode="json")


def parse_config(data: dict[str, Any], *, source: str = "config") -> Config:
    """Validate a config mapping; raise one ConfigError listing every problem.

    When some sections fail the schema, the rules between sections still run on the
    sections that passed, so one run of ``cosim check`` shows as much as it can.
    """
    try:
        return Config.model_validate(data)
    except ConfigError as err:  # the schema passed, the rules between sections did not
        raise ConfigError(err.problems, source=source) from None
    except ValidationError as err:
        problems = _problems(err)
    from cosim.validate import check_sections

    sections, bad = _valid_parts(data)
    problems += check_sections(sections, bad=bad)
    if "simulators" in sections:
        problems += check_roles(sections["simulators"], sections.get("connect", []), ROLES)
    raise ConfigError(problems, source=source) from None


def _valid_parts(data: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """Each section of ``data`` with its invalid fields set to their defaults, and the paths
    (``section.field``) of those fields; a section that fails even so is left out."""
    sections: dict[str, Any] = {}
    bad: set[str] = set()
    for name, field in Config.model_fields.items():
        value = data.get(name, {}) if isinstance(data, dict) else {}
        adapter: TypeAdapter[Any] = TypeAdapter(cast(Any, field.annotation))
        for attempt in range(2):  # as given, then without the fields that failed
            try:
                sections[name] = adapter.validate_python(
                    _fill_roles(value) if name == "simulators" else value
                )
                break
            except (ValidationError, ValueError) as err:
                failed = _failed_fields(err)
                if attempt or not failed or not isinstance(value, dict):
                    bad.add(name)
                    break
                bad |= {f"{name}.{key}" for key in failed}
                value = {k: v for k, v in value.items() if k not in failed}
    return sections, bad


def _failed_fields(err: Exception) -> set[str]:
    if not isinstance(err, ValidationError):
        return set()
    return {str(e["loc"][0]) for e in err.errors() if e["loc"]}


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a UTF-8 TOML file; a missing, undecodable or malformed file is a ConfigError."""
    path = Path(path)
    if not path.is_file():
        problem = ConfigProblem("file", "no such scenario file; see scenarios/*.toml", str(path))
        raise ConfigError([problem], source=str(path))
    try:
        text = path.read_bytes().decode("utf-8-sig")
        return tomllib.loads(text)
    except UnicodeDecodeError as err:
        message = (
            f"not UTF-8 text (byte {err.start}: {err.reason}); a scenario file must be "
            "UTF-8 encoded TOML. Was it saved as UTF-16, or is it not a text file?"
        )
    except tomllib.TOMLDecodeError as err:
        message = f"not valid TOML: {err}"
    raise ConfigError([ConfigProblem("file", message)], source=str(path)) from None


def load_config(path: str | Path, overrides: list[str] | None = None) -> Config:
    """Read, override and validate a TOML scenario file."""
    data = apply_overrides(read_toml(path), overrides or [])
    return parse_config(data, source=str(path))


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Apply ``section.field=value`` overrides (value in TOML syntax, bare strings allowed)."""
    problems = []
    result = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            problems.append(ConfigProblem("--set", "write section.field=value", item))
            continue
        target = result
        parts = key.strip().split(".")
        for part in parts[:-1]:
            nxt = target.setdefault(part, {})
            if not isinstance(nxt, dict):
                problems.append(ConfigProblem(key, "is not a table", nxt))
                break
            target[part] = nxt = dict(nxt)
            target = nxt
        else:
            target[parts[-1]] = _toml_value(raw.strip())
    if problems:
        raise ConfigError(problems, source="command line")
    return result


def _toml_value(raw: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


#: a pydantic location part naming a union member (e.g. 'float', 'str-enum[QMode]')
_UNION_TAG = re.compile(r"^(float|int|str|bool|none|[a-z-]+\[.*\])$")


def _problems(err: ValidationError) -> list[ConfigProblem]:
    """One problem per field: the alternatives of a union are merged into one message."""
    merged: dict[str, tuple[list[str], Any]] = {}
    for item in err.errors():
        loc = [str(p) for p in item["loc"] if not _UNION_TAG.match(str(p))]
        path = ".".join(loc) or "config"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = f"unknown field; allowed here: {', '.join(_fields_at(loc[:-1]))}"
        messages, _ = merged.setdefault(path, ([], item.get("input")))
        if message not in messages:
            messages.append(message)
    return [
        ConfigProblem(path, _either(messages), value) for path, (messages, value) in merged.items()
    ]


def _either(messages: list[str]) -> str:
    first, *rest = messages
    return ", or ".join([first, *(m.removeprefix("Input should be ") for m in rest)])


def _fields_at(loc: list[str]) -> list[str]:
    model: Any = Config
    for part in loc:
        field = model.model_fields.get(part)
        if field is None or not isinstance(field.annotation, type):
            return ["(see scenarios/base.toml)"]
        model = field.annotation
    if isinstance(model, type) and issubclass(model, BaseModel):
        return sorted(model.model_fields)
    return ["(see scenarios/base.toml)"]

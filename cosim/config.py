"""Scenario configuration: the TOML schema, validated at load time.

Every problem in a file is collected and reported at once (path, value, allowed values),
as a :class:`~cosim.errors.ConfigError`; the CLI prints it without a traceback.
"""

from __future__ import annotations

import tomllib
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from cosim.config_flex import (
    AggregatorConfig,
    CoordinationConfig,
    DSOConfig,
    EVSEConfig,
    MarketConfig,
    StrictSection,
    TariffConfig,
    TSOConfig,
)
from cosim.errors import ConfigError, ConfigProblem
from cosim.registry import ROLES, SIMULATORS
from cosim.timebase import parse_duration, parse_start

__all__ = [
    "Backend",
    "Config",
    "EVSEConfig",
    "FleetConfig",
    "GridConfig",
    "NonConvergence",
    "PlugIn",
    "RecordConfig",
    "ScenarioConfig",
    "SimulatorChoice",
    "Starter",
    "apply_overrides",
    "load_config",
    "parse_config",
]


class Backend(StrEnum):
    LIGHTSIM2GRID = "lightsim2grid"
    PANDAPOWER = "pandapower"


class NonConvergence(StrEnum):
    RAISE = "raise"
    FLAG = "flag"


class PlugIn(StrEnum):
    NON_SYSTEMATIC = "non_systematic"
    DAILY = "daily"


class Starter(StrEnum):
    PYTHON = "python"
    CMD = "cmd"


Duration = Annotated[str | int, Field(description="seconds, or e.g. '15min', '7d', '1y'")]


class ScenarioConfig(StrictSection):
    name: str = "base"
    script: str = Field("base", description="scenario module in scenarios/ that wires the run")
    start: str = "2016-06-06T00:00:00+02:00"
    step: Duration = "15min"
    until: Duration = "7d"
    warmup: Duration = Field(
        "1d", description="simulated before `start` and not recorded (settles the fleet)"
    )
    seed: int = Field(42, ge=0)
    out_dir: str = "runs"
    progress: bool = True

    @field_validator("start")
    @classmethod
    def _start(cls, value: str) -> str:
        parse_start(value)
        return value

    @field_validator("step", "until")
    @classmethod
    def _duration(cls, value: str | int) -> str | int:
        if parse_duration(value) <= 0:
            raise ValueError("must be a positive duration, e.g. '15min' or 900")
        return value

    @field_validator("warmup")
    @classmethod
    def _warmup(cls, value: str | int) -> str | int:
        parse_duration(value)
        return value

    @model_validator(mode="after")
    def _whole_steps(self) -> ScenarioConfig:
        if self.warmup_s % self.step_s:
            raise ValueError(
                f"warmup ({self.warmup_s} s) must be a whole number of steps ({self.step_s} s)"
            )
        return self

    @property
    def step_s(self) -> int:
        return parse_duration(self.step)

    @property
    def until_s(self) -> int:
        """Recorded horizon [s] (after the warm-up)."""
        return parse_duration(self.until)

    @property
    def warmup_s(self) -> int:
        return parse_duration(self.warmup)

    @property
    def end_s(self) -> int:
        """mosaik time at which the run ends: warm-up plus recorded horizon [s]."""
        return self.warmup_s + self.until_s

    @property
    def sim_start(self) -> str:
        """ISO time of mosaik time 0: ``start`` minus the warm-up."""
        return (parse_start(self.start) - timedelta(seconds=self.warmup_s)).isoformat()


class GridConfig(StrictSection):
    network: str = Field(
        "simbench:1-LV-rural2--0-sw",
        description="'simbench:<code>', 'pandapower:<function>' or a pandapower JSON path",
    )
    backend: Backend = Backend.LIGHTSIM2GRID
    on_nonconvergence: NonConvergence = NonConvergence.RAISE
    profiles: bool = Field(True, description="apply SimBench background profiles")

    @field_validator("network")
    @classmethod
    def _network(cls, value: str) -> str:
        if ":" in value and value.split(":", 1)[0] not in ("simbench", "pandapower"):
            raise ValueError(
                "must be 'simbench:<code>', 'pandapower:<function>' or a path to a .json file"
            )
        if ":" not in value and not value.endswith(".json"):
            raise ValueError(
                "must be 'simbench:<code>', 'pandapower:<function>' or a path to a "
                ".json file (e.g. 'simbench:1-LV-rural2--0-sw')"
            )
        if value.startswith("simbench:"):
            _check_simbench_code(value.split(":", 1)[1])
        return value


def _check_simbench_code(code: str) -> None:
    import difflib

    import simbench

    codes = simbench.collect_all_simbench_codes()
    if code in codes:
        return
    close = difflib.get_close_matches(code, codes, n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise ValueError(
        f"unknown SimBench code {code!r}.{hint} List the valid codes with `cosim grids` "
        "(or `cosim grids --filter LV`), or in Python with "
        "simbench.collect_all_simbench_codes()"
    )


_SEGMENT_KINDS = ("home_commuter", "non_commuter", "workplace", "company_fleet")


class FleetConfig(StrictSection):
    """The EV fleet: home-based EVs per household plus EVs and chargers at other buses.

    Home-based EVs (``evs_per_household``) split into home commuters and non-commuters
    (``non_commuter_share``); workplace and company-depot EVs and public chargers with
    visitor sessions sit at non-household LV buses. ``plugin``, ``alpha``,
    ``alpha_sigma``, ``rho``, the vehicle mix, SoC preferences and ``p_opt_out`` apply to
    every segment except ``company_fleet``, which plugs in daily; ``segment.<kind>`` tables
    override any ``FleetParams`` field of one segment (e.g. ``segment.workplace.p_opt_out``).
    """

    evs_per_household: float = Field(0.5, ge=0.0, le=5.0)
    plugin: PlugIn = PlugIn.NON_SYSTEMATIC
    alpha: float = Field(1.7, gt=0.0, le=20.0, description="plug-in decision exponent")
    alpha_sigma: float = Field(2.5, ge=0.0, le=5.0, description="spread of ln(alpha_i)")
    rho: float = Field(0.5, ge=0.0, le=10.0, description="safety factor on next-trip energy")
    battery_kwh: list[Annotated[float, Field(gt=0, le=300)]] = Field(
        default_factory=lambda: [40.0, 60.0, 77.0]
    )
    battery_share: list[Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=lambda: [0.3, 0.4, 0.3]
    )
    p_max_kw: float = Field(11.0, gt=0, le=350, description="on-board AC charger limit")
    soc_target: float = Field(0.9, gt=0, le=1)
    soc_min: float = Field(0.2, ge=0, lt=1, description="V2G floor")
    p_opt_out: float = Field(0.0, ge=0.0, le=1.0, description="opt-out probability per session")
    non_commuter_share: float = Field(0.0, ge=0.0, le=1.0, description="of home-based EVs")
    workplace_evs: int = Field(0, ge=0, le=100_000, description="EVs charging at work")
    company_evs: int = Field(0, ge=0, le=100_000, description="depot-charged company EVs")
    public_chargers: int = Field(0, ge=0, le=100_000, description="chargers with visitors")
    visitor_sessions_per_day: float = Field(0.8, ge=0.0, le=2.0)
    climate: bool = Field(True, description="seasonal consumption (German climate normals)")
    ageing: bool = Field(True, description="calendar + cycle capacity fade")
    segment: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="per-segment FleetParams overrides"
    )

    @model_validator(mode="after")
    def _mix(self) -> FleetConfig:
        if len(self.battery_kwh) != len(self.battery_share):
            raise ValueError(
                f"battery_kwh has {len(self.battery_kwh)} entries but battery_share has "
                f"{len(self.battery_share)}; give one share per battery size"
            )
        if abs(sum(self.battery_share) - 1.0) > 1e-6:
            raise ValueError(f"battery_share must sum to 1, sums to {sum(self.battery_share):g}")
        if self.soc_min >= self.soc_target:
            raise ValueError(
                f"soc_min ({self.soc_min}) must be below soc_target ({self.soc_target})"
            )
        unknown = sorted(set(self.segment) - set(_SEGMENT_KINDS))
        if unknown:
            raise ValueError(
                f"unknown segment(s) {unknown} in fleet.segment; valid: {', '.join(_SEGMENT_KINDS)}"
            )
        return self


class RecordConfig(StrictSection):
    enabled: bool = True
    buffer_steps: int = Field(672, ge=1, le=100_000, description="rows kept before a flush")
    float32: bool = Field(True, description="store series as float32 (halves the file)")


class SimulatorChoice(StrictSection):
    impl: str = Field(description="registered simulator name or 'package.module:Class'")
    starter: Starter = Starter.PYTHON

    @field_validator("impl")
    @classmethod
    def _impl(cls, value: str) -> str:
        if ":" not in value and value not in SIMULATORS:
            raise ValueError(
                f"unknown simulator {value!r}; registered: {', '.join(sorted(SIMULATORS))}, "
                "or give 'package.module:Class'"
            )
        return value


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
    simulators: dict[str, SimulatorChoice] = Field(default_factory=_default_simulators)

    @field_validator("simulators", mode="before")
    @classmethod
    def _fill_roles(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        unknown = sorted(set(value) - set(ROLES))
        if unknown:
            raise ValueError(f"unknown simulator role(s) {unknown}; roles are {', '.join(ROLES)}")
        merged: dict[str, Any] = {role: {"impl": role} for role in ROLES}
        for role, choice in value.items():
            if isinstance(choice, str):
                choice = {"impl": choice}
            merged[role] = choice
        return merged

    def to_toml_dict(self) -> dict[str, Any]:
        """The config as plain data (enums as strings), e.g. for the results file."""
        return self.model_dump(mode="json")


def parse_config(data: dict[str, Any], *, source: str = "config") -> Config:
    """Validate a config mapping; raise one ConfigError listing every problem."""
    try:
        return Config.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_problems(err), source=source) from None


def load_config(path: str | Path, overrides: list[str] | None = None) -> Config:
    """Read, override and validate a TOML scenario file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            [ConfigProblem("file", "no such scenario file; see scenarios/*.toml", str(path))],
            source=str(path),
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(
            [ConfigProblem("file", f"not valid TOML: {err}")], source=str(path)
        ) from None
    data = apply_overrides(data, overrides or [])
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


def _problems(err: ValidationError) -> list[ConfigProblem]:
    problems = []
    for item in err.errors():
        loc = [str(p) for p in item["loc"]]
        path = ".".join(loc) or "config"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = f"unknown field; allowed here: {', '.join(_fields_at(loc[:-1]))}"
        problems.append(ConfigProblem(path, message, item.get("input")))
    return problems


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

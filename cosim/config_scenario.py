"""Config sections of the run itself: time base and seed, grid, EV fleet.

Field-level rules live here; rules that relate fields of several sections, or need facts
from simulator packages or files, run after this schema in :mod:`cosim.validate`.
"""

from __future__ import annotations

import difflib
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from cosim.config_flex import LAX, StrictSection
from cosim.scripts import SCRIPTS
from cosim.seeding import MAX_SEED
from cosim.timebase import EARLIEST, LATEST, format_duration, parse_duration, parse_start

__all__ = [
    "MAX_HORIZON_S",
    "MAX_STEP_S",
    "MAX_WARMUP_S",
    "SEGMENT_FIELDS",
    "SEGMENT_KINDS",
    "Backend",
    "FleetConfig",
    "GridConfig",
    "NonConvergence",
    "PhaseConfig",
    "PlugIn",
    "ScenarioConfig",
    "ZeroSequenceConfig",
]

#: longest recorded horizon [s]: 100 years (a year at 15 min is 35,040 steps)
MAX_HORIZON_S = 100 * 365 * 86_400
#: longest step [s]: one day
MAX_STEP_S = 86_400
#: longest warm-up [s]: one year (a few days settle the fleet)
MAX_WARMUP_S = 365 * 86_400


class Backend(StrEnum):
    LIGHTSIM2GRID = "lightsim2grid"
    POWER_GRID_MODEL = "power_grid_model"
    PANDAPOWER = "pandapower"


class VectorGroup(StrEnum):
    DYN = "Dyn"
    YNYN = "YNyn"


class NonConvergence(StrEnum):
    RAISE = "raise"
    FLAG = "flag"


class PlugIn(StrEnum):
    NON_SYSTEMATIC = "non_systematic"
    DAILY = "daily"


Duration = Annotated[str | int, Field(description="seconds, or e.g. '15min', '7d', '1y'")]


def _bounded_duration(value: str | int, *, low_s: int, high_s: int) -> int:
    seconds = parse_duration(value)
    if not low_s <= seconds <= high_s:
        raise ValueError(
            f"is {seconds} s; allowed: {low_s} s to {high_s} s ({format_duration(high_s)})"
        )
    return seconds


class ScenarioConfig(StrictSection):
    """Name, script, time base and seed of a run.

    ``until`` and ``warmup`` must be whole numbers of ``step``, and the simulated span
    ``[start - warmup, start + until]`` must lie within 1900-01-01 and 2200-01-01 (UTC);
    :mod:`cosim.validate` checks those relations.
    """

    name: str = Field(
        "base",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        description="names the results file: letters, digits, '_', '.', '-'",
    )
    script: str = Field("base", description="scenario module in scenarios/ that wires the run")
    start: str = "2016-06-06T00:00:00+02:00"
    step: Duration = "15min"
    until: Duration = "7d"
    warmup: Duration = Field(
        "1d", description="simulated before `start` and not recorded (settles the fleet)"
    )
    seed: int = Field(42, description="0 to 2**63 - 1")
    out_dir: str = "runs"
    progress: bool = True

    @field_validator("seed")
    @classmethod
    def _seed(cls, value: int) -> int:
        if not 0 <= value <= MAX_SEED:
            raise ValueError(
                f"must be an integer from 0 to 2**63 - 1 ({MAX_SEED}): it seeds numpy's "
                "SeedSequence and is stored in the results file as a 64-bit integer"
            )
        return value

    @field_validator("script")
    @classmethod
    def _script(cls, value: str) -> str:
        if value not in SCRIPTS:
            raise ValueError(
                f"no such scenario script; valid: {', '.join(SCRIPTS)} (the modules "
                "scenarios/<name>.py with a run() function)"
            )
        return value

    @field_validator("start", mode="before")
    @classmethod
    def _start_text(cls, value: Any) -> Any:
        # an unquoted TOML datetime arrives as a datetime: keep it as ISO text
        return value.isoformat() if isinstance(value, datetime) else value

    @field_validator("start")
    @classmethod
    def _start(cls, value: str) -> str:
        start = parse_start(value)
        if not EARLIEST <= start <= LATEST:
            raise ValueError(
                f"must lie between {EARLIEST.isoformat()} and {LATEST.isoformat()}, "
                "e.g. '2016-06-06T00:00:00+02:00' (SimBench profiles are for 2016)"
            )
        return value

    @field_validator("step")
    @classmethod
    def _step(cls, value: str | int) -> str | int:
        _bounded_duration(value, low_s=1, high_s=MAX_STEP_S)
        return value

    @field_validator("until")
    @classmethod
    def _until(cls, value: str | int) -> str | int:
        _bounded_duration(value, low_s=1, high_s=MAX_HORIZON_S)
        return value

    @field_validator("warmup")
    @classmethod
    def _warmup(cls, value: str | int) -> str | int:
        _bounded_duration(value, low_s=0, high_s=MAX_WARMUP_S)
        return value

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


class ZeroSequenceConfig(StrictSection):
    """Zero-sequence data of the unbalanced backend (simulators.grid.asym_params)."""

    line_r0_r1: float = Field(4.0, gt=0, le=20, description="line R0/R1 (4-core LV cable: 4)")
    line_x0_x1: float = Field(4.0, gt=0, le=20, description="line X0/X1 (4-core LV cable: ~4)")
    line_c0_c1: float = Field(1.0, gt=0, le=10, description="line C0/C1")
    vector_group: Annotated[VectorGroup, LAX] = VectorGroup.DYN
    source_sk_mva: float = Field(
        1e12, gt=0, description="upstream short-circuit power; default ideal (1e12)"
    )
    source_rx: float = Field(0.1, ge=0, le=10, description="source R/X")
    source_z0_z1: float = Field(1.0, ge=0, le=100, description="source Z0/Z1")


class PhaseConfig(StrictSection):
    """Phases of the background loads and generators (unbalanced backend only)."""

    load_share_single: float = Field(
        1.0, ge=0, le=1, description="share of background loads on one (seeded) phase"
    )
    sgen_single_max_kva: float = Field(
        4.6, ge=0, le=1e6, description="generators up to this rating on one phase (VDE 4105)"
    )


class GridConfig(StrictSection):
    network: str = Field(
        "simbench:1-LV-rural2--0-sw",
        description="'simbench:<code>', 'pandapower:<function>' or a pandapower JSON path "
        "(relative to the working directory)",
    )
    backend: Annotated[Backend, LAX] = Backend.LIGHTSIM2GRID
    on_nonconvergence: Annotated[NonConvergence, LAX] = NonConvergence.RAISE
    profiles: bool = Field(True, description="apply SimBench background profiles")
    unbalanced: bool = Field(
        False, description="three-phase unbalanced power flow (backend power_grid_model)"
    )
    zero_sequence: ZeroSequenceConfig = ZeroSequenceConfig()
    phases: PhaseConfig = PhaseConfig()

    @model_validator(mode="after")
    def _unbalanced_backend(self) -> GridConfig:
        if self.unbalanced and self.backend is not Backend.POWER_GRID_MODEL:
            raise ValueError(
                f"grid.unbalanced = true solves with power-grid-model's asymmetric power flow; "
                f"set grid.backend = 'power_grid_model' (got {self.backend.value!r})"
            )
        return self

    def sim_params(self) -> dict[str, Any]:
        """Backend parameters of the grid simulator (the unbalanced one adds its data)."""
        if not self.unbalanced:
            return {"backend": self.backend.value}
        return {
            "backend": "power_grid_model_asym",
            "zero_sequence": self.zero_sequence.model_dump(mode="json"),
            "phases": self.phases.model_dump(mode="json"),
        }

    @field_validator("network")
    @classmethod
    def _network(cls, value: str) -> str:
        kind, sep, name = value.partition(":")
        if sep and kind == "simbench":
            _check_simbench_code(name)
        elif sep and kind == "pandapower":
            _check_pandapower_network(name)
        elif not value.endswith(".json") or (sep and len(kind) > 1):  # 'C:' is a drive
            raise ValueError(
                "must be 'simbench:<code>', 'pandapower:<function>' or a path to a .json file "
                "(e.g. 'simbench:1-LV-rural2--0-sw')"
            )
        elif not Path(value).is_file():
            where = "" if Path(value).is_absolute() else f" in the working directory {Path.cwd()}"
            raise ValueError(f"no such pandapower JSON file{where}")
        return value


def _suggest(name: str, valid: list[str]) -> str:
    close = difflib.get_close_matches(name, valid, n=3, cutoff=0.6)
    return f" Did you mean {', '.join(close)}?" if close else ""


def _check_simbench_code(code: str) -> None:
    from simulators.grid.cache import simbench_codes  # cached: no simbench import

    codes = simbench_codes()
    if code not in codes:
        raise ValueError(
            f"unknown SimBench code {code!r}.{_suggest(code, codes)} List the valid codes with "
            "`cosim grids` (or `cosim grids --filter LV`)"
        )


def _check_pandapower_network(name: str) -> None:
    import pandapower.networks as pn

    valid = sorted(n for n in dir(pn) if not n.startswith("_") and callable(getattr(pn, n)))
    if name not in valid:
        raise ValueError(
            f"unknown pandapower.networks function {name!r}.{_suggest(name, valid)} See "
            "dir(pandapower.networks)"
        )


#: the fields of [fleet] that :meth:`FleetConfig.segment_params` reads
SEGMENT_FIELDS = tuple(
    f"fleet.{name}"
    for name in (
        "alpha",
        "alpha_sigma",
        "rho",
        "battery_kwh",
        "battery_share",
        "p_max_kw",
        "soc_target",
        "soc_min",
        "p_opt_out",
        "plugin",
        "segment",
    )
)

#: the persistent fleet segments (public visitors arrive as sessions)
SEGMENT_KINDS = ("home_commuter", "non_commuter", "workplace", "company_fleet")


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
    plugin: Annotated[PlugIn, LAX] = PlugIn.NON_SYSTEMATIC
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
    warm_start_weeks: int = Field(
        3, ge=0, le=52, description="weeks of behaviour simulated before t = 0 (steady start)"
    )
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
        return self

    @field_validator("segment")
    @classmethod
    def _segment_kinds(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        unknown = sorted(set(value) - set(SEGMENT_KINDS))
        if unknown:
            raise ValueError(f"unknown segment(s) {unknown}; valid: {', '.join(SEGMENT_KINDS)}")
        return value

    def segment_params(self, kind: str) -> dict[str, Any]:  # reads SEGMENT_FIELDS
        """``FleetParams`` overrides of segment ``kind``: the shared fields, then its table.

        Company fleets keep their own plug-in mode and vehicle mix (depots plug in daily).
        """
        params: dict[str, Any] = {
            "alpha": self.alpha,
            "alpha_sigma": self.alpha_sigma,
            "rho": self.rho,
            "battery_kwh": list(self.battery_kwh),
            "battery_share": list(self.battery_share),
            "p_max_kw": self.p_max_kw,
            "soc_target": self.soc_target,
            "soc_min": self.soc_min,
            "p_opt_out": self.p_opt_out,
            "plugin": self.plugin.value,
        }
        if kind == "company_fleet":
            for key in ("plugin", "battery_kwh", "battery_share"):
                params.pop(key)
        params.update(self.segment.get(kind, {}))
        return params

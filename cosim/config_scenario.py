"""Config section of the run itself (time base and seed); the grid and fleet sections live
in their packages (:mod:`simulators.grid.config`, :mod:`simulators.ev_fleet.config`) and are
re-exported here.

Field-level rules live here; rules that relate fields of several sections, or need facts
from simulator packages or files, run after this schema in :mod:`cosim.validate`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import Field, field_validator

from cosim.config_section import StrictSection
from cosim.scripts import SCRIPTS
from cosim.seeding import MAX_SEED
from cosim.timebase import EARLIEST, LATEST, format_duration, parse_duration, parse_start
from simulators.ev_fleet.config import SEGMENT_FIELDS, SEGMENT_KINDS, FleetConfig
from simulators.ev_fleet.plugin import PluginMode as PlugIn
from simulators.grid.config import (
    Backend,
    GridConfig,
    PhaseConfig,
    VectorGroup,
    ZeroSequenceConfig,
)
from simulators.grid.config import (
    OnNonConvergence as NonConvergence,
)

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
    "VectorGroup",
    "ZeroSequenceConfig",
]

#: longest recorded horizon [s]: 100 years (a year at 15 min is 35,040 steps)
MAX_HORIZON_S = 100 * 365 * 86_400
#: longest step [s]: one day
MAX_STEP_S = 86_400
#: longest warm-up [s]: one year (a few days settle the fleet)
MAX_WARMUP_S = 365 * 86_400


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

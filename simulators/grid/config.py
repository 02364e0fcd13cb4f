"""The ``[grid]`` section of a scenario TOML: the network, its power-flow backend, and the
zero-sequence and phase data of the unbalanced one.

``vector_group``, ``backend`` and ``on_nonconvergence`` take the model's own enums:
:class:`~simulators.grid.asym_params.VectorGroup`, and ``Backend`` (the model's
:class:`~simulators.grid.choices.BackendName`) and
:class:`~simulators.grid.choices.OnNonConvergence`.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from cosim.config_section import LAX, StrictSection
from simulators.grid.asym_params import VectorGroup
from simulators.grid.choices import BackendName as Backend
from simulators.grid.choices import OnNonConvergence

__all__ = [
    "Backend",
    "GridConfig",
    "OnNonConvergence",
    "PhaseConfig",
    "VectorGroup",
    "ZeroSequenceConfig",
]


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
    on_nonconvergence: Annotated[OnNonConvergence, LAX] = OnNonConvergence.RAISE
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

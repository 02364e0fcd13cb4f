"""Grid simulator: a pandapower network solved each step by a swappable power-flow backend."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cosim.lazy import attach_stub

if TYPE_CHECKING:  # loaded on first use (cosim.lazy); listed here for type checkers
    from .adapter import GridSim
    from .backends import BackendName, GridState, PandapowerBackend
    from .lightsim_backend import LightSimBackend
    from .model import GridModel, OnNonConvergence
    from .network import PreparedNetwork, load_network, prepare
    from .profiles import (
        BackgroundProfiles,
        TypedSeries,
        household_load_index,
        load_profile_csv,
        profile_row,
    )

__all__ = [
    "BackendName",
    "BackgroundProfiles",
    "GridModel",
    "GridSim",
    "GridState",
    "LightSimBackend",
    "OnNonConvergence",
    "PandapowerBackend",
    "PreparedNetwork",
    "TypedSeries",
    "household_load_index",
    "load_network",
    "load_profile_csv",
    "prepare",
    "profile_row",
]

__getattr__, __dir__ = attach_stub(__name__, __file__)

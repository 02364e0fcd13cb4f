"""Set-up of the grid adapter's model: the background profiles and the (un)balanced model."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .asym_state import ASYM_BACKEND_NAME
from .cache import GridSetup
from .model import GridModel, OnNonConvergence
from .network import PreparedNetwork
from .profiles import BackgroundProfiles, load_profile_csv

__all__ = ["background_profiles", "build_model"]


def background_profiles(
    setup: GridSetup, profiles: bool | str, *, start: datetime
) -> BackgroundProfiles:
    """The background profiles of the grid that ``profiles`` selects.

    True → SimBench profiles when the net has them, else constant nominal background;
    False → constant; a path → :func:`~simulators.grid.profiles.load_profile_csv`.
    """
    grid = setup.grid
    if isinstance(profiles, str):
        return load_profile_csv(profiles, grid.tables, start=start)
    if profiles and setup.simbench is not None:
        return setup.simbench.aligned(start)
    return BackgroundProfiles.constant(grid.tables)


def build_model(
    grid: PreparedNetwork,
    prof: BackgroundProfiles,
    *,
    backend: str,
    on_nonconvergence: OnNonConvergence | str,
    zero_sequence: dict[str, Any] | None,
    phases: dict[str, Any] | None,
    seed: list[int] | int | None,
) -> GridModel:
    """The balanced model of ``backend``, or the unbalanced one (``ASYM_BACKEND_NAME``) with
    the phases of the background elements drawn with ``seed``."""
    if backend == ASYM_BACKEND_NAME:  # seeded phases of the background elements
        from .asym_model import make_asym_model  # power-grid-model: unbalanced runs only

        return make_asym_model(
            grid,
            prof,
            zero_sequence=zero_sequence,
            phases=phases,
            seed=seed,
            on_nonconvergence=on_nonconvergence,
        )
    return GridModel(grid, prof, backend=backend, on_nonconvergence=on_nonconvergence)

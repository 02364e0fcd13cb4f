"""Shared helpers for integration tests: short base-scenario runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np
import pytest

from cosim.config import Config, load_config
from scenarios import base
from scenarios.common import RunOutcome

ROOT = Path(__file__).resolve().parents[2]


def base_config(*overrides: str) -> Config:
    return load_config(ROOT / "scenarios" / "base.toml", ["scenario.progress=false", *overrides])


@pytest.fixture
def run_base(tmp_path: Path) -> Callable[..., RunOutcome]:
    counter = iter(range(1000))

    def _run(*overrides: str) -> RunOutcome:
        cfg = base_config(*overrides)
        return base.run(cfg, out=tmp_path / f"run{next(counter)}.h5", progress=False)

    return _run


def datasets(path: Path) -> dict[str, np.ndarray]:
    """Every dataset of a run file (meta excluded), by path."""
    out: dict[str, np.ndarray] = {}
    with h5py.File(path, "r") as f:
        f.visititems(
            lambda name, obj: (
                out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None
            )
        )
    return out

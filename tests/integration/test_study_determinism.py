"""Same config and seed give identical datasets in the studies with solvers and markets too."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cosim.family import load_family
from scenarios import dso_tso, frameworks
from tests.integration.conftest import datasets

ROOT = Path(__file__).resolve().parents[2]
SHORT = ['scenario.until="12h"', 'scenario.warmup="12h"', "scenario.progress=false"]


def _twice(module, family_file: str, variant: str, tmp_path: Path) -> tuple[dict, dict]:
    cfg = load_family(ROOT / "scenarios" / family_file, SHORT).variants[variant]
    a = module.run(cfg, out=tmp_path / "a.h5", progress=False)
    b = module.run(cfg, out=tmp_path / "b.h5", progress=False)
    return datasets(a.path), datasets(b.path)


def _assert_identical(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_cost_min_with_v2g_is_deterministic(tmp_path: Path) -> None:
    _assert_identical(*_twice(frameworks, "frameworks_family.toml", "cost_min_v2g", tmp_path))


def test_dso_tso_common_market_is_deterministic(tmp_path: Path) -> None:
    a, b = _twice(dso_tso, "dso_tso_family.toml", "common_market", tmp_path)
    _assert_identical(a, b)
    assert any(name.startswith("tables/flex_") for name in a)

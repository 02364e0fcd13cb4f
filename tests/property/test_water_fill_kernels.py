"""The compiled water-filling loops keep numpy's arithmetic, at fleet sizes of real runs.

``test_aggregator_water_fill_reference.py`` checks the algorithms on small fleets; here
the concentration of a fleet of a few hundred EVs is checked against the plain algorithm,
and the compiled code's reload from numba's cache (the sums are checked in
``test_kernels.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from controllers.aggregator.water_fill import concentrate_first_step_kw, valley_fill_kw
from tests.property.test_aggregator_water_fill_reference import _concentrate_plain

ROOT = Path(__file__).resolve().parents[2]


@settings(max_examples=12, deadline=None)
@given(st.integers(130, 320), st.integers(0, 2**32 - 1))
def test_concentration_of_a_large_fleet_matches_the_plain_algorithm(m: int, seed: int) -> None:
    """A night's plan of a few hundred EVs: more than 128 of them part-load in step 0."""
    rng = np.random.default_rng(seed)
    horizon = 96
    p_hi = rng.choice([3.7, 7.4, 11.0, 22.0], m)
    window = rng.integers(1, horizon + 1, m)
    energy = rng.uniform(0.0, 1.0, m) * p_hi * window
    bg = 40.0 + 30.0 * np.cos(np.linspace(0.0, 2.0 * np.pi, horizon)) + rng.uniform(0, 5, horizon)
    plan = valley_fill_kw(bg, window, p_hi, energy_kw_steps=energy).p_kw
    plan[:, 0] = np.where(window > 0, rng.uniform(0.1, 0.9, m) * p_hi, 0.0)  # part-load now
    got = concentrate_first_step_kw(plan, window, p_hi)
    assert np.array_equal(got, _concentrate_plain(plan, window, p_hi))
    np.testing.assert_allclose(got.sum(axis=0), plan.sum(axis=0), atol=1e-9)
    np.testing.assert_allclose(got.sum(axis=1), plan.sum(axis=1), atol=1e-9)


def test_compiled_loops_reload_from_the_cache_in_a_new_process(tmp_path) -> None:
    """A second process loads the compiled code from numba's cache and gets the same sums
    and schedules as the first, which compiled it (a cached recursive function used to
    crash the second process)."""
    code = (
        "import numpy as np\n"
        "from controllers.aggregator.water_fill import valley_fill_kw\n"
        "from cosim.kernels import pairwise_sum\n"
        "a = np.random.default_rng(7).standard_normal(1000)\n"
        "r = valley_fill_kw(np.linspace(9.0, 1.0, 8), np.array([8, 5, 3]),\n"
        "                   np.array([2.0, 3.0, 4.0]), energy_kw_steps=np.array([6.0, 4.0, 5.0]))\n"
        "print(pairwise_sum(a).hex(), *(v.hex() for v in r.p_kw.ravel()))\n"
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
        )
        for _ in range(2)
    ]
    assert [r.returncode for r in runs] == [0, 0], runs[1].stderr[-2000:]
    assert any(tmp_path.rglob("*.nbc"))  # the second run had a cache to load
    assert runs[0].stdout == runs[1].stdout
    first = runs[0].stdout.split()
    assert float.fromhex(first[0]) == np.add.reduce(np.random.default_rng(7).standard_normal(1000))

"""``ExAnteHeadroom.headroom_by_charger_kw`` is ``headroom_kw`` of the zone sums.

The adapter used to sum the baseline per zone (``observation.zone_sum``) and then call
``headroom_kw``; the fused path must give the same arrays, bit for bit, in every mode and
before the lagged step is known.
"""

from __future__ import annotations

import numpy as np
import pytest

from controllers.coordination.headroom import BackgroundForecast, ExAnteHeadroom, HeadroomMode

ZONE = np.array([0, 1, -1, 1, 0, 2], dtype=np.int64)
N_ZONE = 3


def _zone_sum(values: np.ndarray) -> np.ndarray:
    inzone = ZONE >= 0
    return np.bincount(ZONE[inzone], weights=values[inzone], minlength=N_ZONE).astype(float)


@pytest.mark.parametrize("mode", list(HeadroomMode))
@pytest.mark.parametrize("lag", [1, 2])
def test_headroom_by_charger_is_headroom_of_the_zone_sums(mode: HeadroomMode, lag: int) -> None:
    rng = np.random.default_rng(7)
    series = rng.normal(50.0, 20.0, size=(8, N_ZONE))
    fused = ExAnteHeadroom(mode, BackgroundForecast(series, 900, error_pct=5.0), lag_steps=lag)
    plain = ExAnteHeadroom(mode, BackgroundForecast(series, 900, error_pct=5.0), lag_steps=lag)
    for step in range(6):
        t = step * 900
        measured = np.array([rng.normal(5.0, 10.0), np.inf, -0.0 if step % 2 else 2e6])
        p_base = rng.normal(3.0, 4.0, size=ZONE.size)
        got = fused.headroom_by_charger_kw(t, measured, p_base, ZONE)
        want = plain.headroom_kw(t, measured, _zone_sum(p_base))
        for g, w in zip(got, want, strict=True):
            assert np.array_equal(g, w) and np.array_equal(np.signbit(g), np.signbit(w))
        ev = _zone_sum(p_base + rng.normal(0.0, 1.0, size=ZONE.size))
        fused.remember(t, ev)
        plain.remember(t, ev)


def test_headroom_by_charger_without_background_is_the_measured() -> None:
    ex = ExAnteHeadroom(HeadroomMode.MEASURED, None)
    measured = np.array([1.0, np.inf, -2.0])
    seen, true = ex.headroom_by_charger_kw(900, measured, np.ones(ZONE.size), ZONE)
    assert seen is measured and true is measured

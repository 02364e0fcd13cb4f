"""DSO detection: congestion and EN 50160 voltage-band violations, hand cases."""

from __future__ import annotations

import numpy as np

from controllers.dso.detection import detect, shed_needed_kw


def test_loading_above_the_limit_is_congestion_at_the_limit_is_not() -> None:
    found = detect([99.9, 100.0, 100.1, 150.0], [1.0])
    assert found.congested.tolist() == [False, False, True, True]
    assert found.n_congested == 2


def test_a_lower_loading_limit_flags_more_elements() -> None:
    assert detect([85.0, 95.0], [1.0], loading_limit_pct=80.0).n_congested == 2


def test_voltages_outside_the_band_are_counted_on_both_sides() -> None:
    found = detect([], [0.89, 0.9, 1.0, 1.1, 1.11])
    assert found.v_low.tolist() == [True, False, False, False, False]
    assert found.v_high.tolist() == [False, False, False, False, True]
    assert found.n_v_violations == 2


def test_a_narrower_band_is_respected() -> None:
    assert detect([], [0.94, 1.06], v_min_pu=0.95, v_max_pu=1.05).n_v_violations == 2


def test_nan_measurements_are_not_violations() -> None:
    found = detect([np.nan, 120.0], [np.nan, 0.8])
    assert (found.n_congested, found.n_v_violations) == (1, 1)


def test_shed_is_the_excess_plus_margin_times_rating() -> None:
    shed = shed_needed_kw([120.0, 100.0, np.nan], [250.0, 400.0, 100.0], margin_pct=5.0)
    np.testing.assert_allclose(shed, [0.25 * 250.0, 0.0, 0.0])

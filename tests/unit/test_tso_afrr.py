"""Synthetic aFRR setpoint: bounded, persistent over minutes, documented level; params."""

from __future__ import annotations

import numpy as np
import pytest

from simulators.tso.afrr import AFRRParams, AFRRSignalParams, SyntheticAFRR


def _signal(**kw: float) -> np.ndarray:
    gen = SyntheticAFRR(AFRRSignalParams(**kw), np.random.default_rng(8), dt_s=10)
    return np.concatenate([gen.draw(t, 90) for t in range(0, 7 * 86_400, 900)])


def test_signal_is_bounded_persistent_and_at_the_documented_level() -> None:
    s = _signal()
    assert np.all(np.abs(s) <= 1.0)
    assert 0.22 < np.abs(s).mean() < 0.34  # documented ~0.28
    lag = 30  # 300 s = tau at 10-s samples
    rho = np.corrcoef(s[:-lag], s[lag:])[0, 1]
    assert 0.25 < rho < 0.5  # ~exp(-1): persistence of minutes
    assert np.corrcoef(s[:-1], s[1:])[0, 1] > 0.95


def test_bias_makes_the_signal_mostly_upward() -> None:
    assert _signal(bias=0.5).mean() > 0.4


@pytest.mark.parametrize(
    ("cls", "kwargs", "field"),
    [
        (AFRRSignalParams, {"sigma": -1.0}, "sigma"),
        (AFRRSignalParams, {"tau_s": 0.0}, "tau_s"),
        (AFRRSignalParams, {"bias": 2.0}, "bias"),
        (AFRRParams, {"capacity_price_eur_mw_h": -1.0}, "capacity_price_eur_mw_h"),
        (AFRRParams, {"energy_up_eur_mwh": float("nan")}, "energy_up_eur_mwh"),
    ],
)
def test_params_reject_bad_values_naming_the_field(cls: type, kwargs: dict, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        cls(**kwargs)

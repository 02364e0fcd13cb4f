"""Synthetic CE frequency: statistics over a week, determinism, hourly and daily patterns,
and measured frequency from CSV resampled to the sub-step."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cosim.errors import ModelError
from cosim.timebase import DAY_S, WEEK_S, parse_start
from simulators.tso.frequency import FrequencyParams, SyntheticFrequency, frequency_params
from simulators.tso.series import StepSeries, read_series_csv, write_series_csv

DT_S = 10


def _week(seed: int, *, chunk: int = 90, days: int = 7, **params: object) -> np.ndarray:
    gen = SyntheticFrequency(FrequencyParams(**params), np.random.default_rng(seed), dt_s=DT_S)  # type: ignore[arg-type]
    n = days * DAY_S // DT_S
    return np.concatenate([gen.draw(k * DT_S, min(chunk, n - k)) for k in range(0, n, chunk)])


@pytest.fixture(scope="module")
def week() -> np.ndarray:
    return (_week(11) - 50.0) * 1000.0  # mHz


def test_week_statistics_match_the_documented_ce_bands(week: np.ndarray) -> None:
    assert week.size == WEEK_S // DT_S
    assert abs(week.mean()) < 3.0  # mHz
    assert 15.0 < week.std() < 25.0  # mHz, CE ~ 15-25 mHz
    outside = np.mean(np.abs(week) > 50.0)  # SO GL target: < 15,000 min/yr = 2.9 %
    assert 0.001 < outside < 0.029


def test_same_seed_same_path_whatever_the_chunking() -> None:
    a = _week(3, chunk=90, days=1)
    b = _week(3, chunk=360, days=1)
    c = _week(4, chunk=90, days=1)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_hourly_pattern_larger_deviations_in_the_minutes_after_the_hour(
    week: np.ndarray,
) -> None:
    minute = (np.arange(week.size) * DT_S) % 3600 // 60
    after_hour = np.abs(week[(minute >= 1) & (minute < 4)]).mean()
    mid_hour = np.abs(week[(minute >= 20) & (minute < 28)]).mean()
    assert after_hour > 1.4 * mid_hour


def test_daily_pattern_morning_up_and_evening_down() -> None:
    f = (_week(5, chunk=8640, days=28) - 50.0) * 1000.0
    t = np.arange(f.size) * DT_S
    hour, minute = t % DAY_S // 3600, t % 3600 // 60
    after = (minute >= 1) & (minute < 4)
    assert f[after & (hour == 6)].mean() > 10.0
    assert f[after & (hour == 22)].mean() < -10.0
    assert abs(f[after & (hour == 14)].mean()) < 8.0


def test_phase_shifts_the_pattern_to_local_time() -> None:
    params = FrequencyParams(sigma_noise_hz=0.0, sigma_hour_hz=0.0)
    gen = SyntheticFrequency(params, np.random.default_rng(0), dt_s=10, phase_s=22 * 3600)
    f = gen.draw(0, 360)  # 22:00-23:00 local
    assert f.min() == pytest.approx(50.0 - 0.030, abs=1e-4)  # DFD peak of 22:00


def test_chunks_must_be_consecutive() -> None:
    gen = SyntheticFrequency(FrequencyParams(), np.random.default_rng(0), dt_s=10)
    gen.draw(0, 90)
    with pytest.raises(ValueError, match="consecutive"):
        gen.draw(1800, 90)


def test_params_from_preset_and_overrides_and_errors() -> None:
    assert frequency_params(None) == FrequencyParams()
    flat = frequency_params("ce_no_pattern")
    assert flat.sigma_hour_hz == 0.0 and set(flat.dfd_hz) == {0.0}
    with pytest.raises(ValueError, match="unknown frequency preset"):
        frequency_params("gb")
    with pytest.raises(ValueError, match="sigma_hz"):
        frequency_params({"sigma_hz": 0.02})
    with pytest.raises(ValueError, match="sigma_noise_hz"):
        FrequencyParams(sigma_noise_hz=-0.01)


def test_csv_frequency_is_averaged_into_sub_steps_and_held_when_coarser(tmp_path: Path) -> None:
    start = parse_start("2024-01-01T00:00:00+01:00")
    fine = tmp_path / "fine.csv"
    t = np.arange(0, 120)  # 1-s samples
    write_series_csv(fine, column="f_hz", start=start, time_s=t, values=50.0 + 0.001 * t)
    series = read_series_csv(fine, column="f_hz", start=start)
    means = series.bin_means(0, 10, 3)
    np.testing.assert_allclose(means, 50.0 + 0.001 * np.array([4.5, 14.5, 24.5]))
    coarse = tmp_path / "coarse.csv"
    write_series_csv(coarse, column="f_hz", start=start, time_s=[0, 60], values=[49.9, 50.1])
    held = read_series_csv(coarse, column="f_hz", start=start).bin_means(0, 10, 12)
    assert held.tolist() == pytest.approx([49.9] * 6 + [50.1] * 6)
    with pytest.raises(ModelError, match="extend the file"):
        read_series_csv(coarse, column="f_hz", start=start).bin_means(0, 10, 13)


def test_csv_errors_name_the_problem(tmp_path: Path) -> None:
    start = parse_start("2024-01-01T00:00:00+01:00")
    bad = tmp_path / "bad.csv"
    bad.write_text("time,f\n2024-01-01T00:00:00+01:00,50\n")
    with pytest.raises(ModelError, match="missing column"):
        read_series_csv(bad, column="f_hz", start=start)
    naive = tmp_path / "naive.csv"
    naive.write_text("timestamp,f_hz\n2024-01-01T00:00:00,50\n2024-01-01T00:00:01,50\n")
    with pytest.raises(ModelError, match="no UTC offset"):
        read_series_csv(naive, column="f_hz", start=start)
    with pytest.raises(ValueError, match="increasing"):
        StepSeries(np.array([0.0, 0.0]), np.array([1.0, 2.0]), end_s=5.0)


def test_nominal_preset_holds_50_hz_so_fcr_is_never_activated() -> None:
    """The counterfactual of the DSO-TSO study: the band is held, the frequency never moves."""
    gen = SyntheticFrequency(frequency_params("nominal"), np.random.default_rng(3), dt_s=DT_S)
    f = gen.draw(0, DAY_S // DT_S)
    assert np.all(f == 50.0)

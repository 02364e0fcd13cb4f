"""Wholesale prices: CSV round trip with time zones, step averaging, synthetic statistics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cosim.errors import ModelError
from cosim.seeding import generator
from cosim.timebase import DAY_S, parse_start
from simulators.tariff.clock import LocalClock
from simulators.tariff.csv_prices import PriceTable, read_price_csv, to_series, write_price_csv
from simulators.tariff.synthetic import PRESETS, SyntheticPrices, synthetic_params

H = 3600
YEAR_H = 365 * 24


def test_csv_round_trip_keeps_instants_across_a_dst_change(tmp_path: Path) -> None:
    utc = np.datetime64("2024-03-30T22:00:00", "s") + np.arange(6) * np.timedelta64(1, "h")
    table = PriceTable(utc=utc, price_eur_mwh=np.array([60.0, 55.5, -3.2, 40.0, 41.0, 70.0]))
    path = tmp_path / "prices.csv"
    write_price_csv(path, table, timezone="Europe/Berlin")
    text = path.read_text()
    assert "2024-03-31T01:00:00+01:00" in text and "2024-03-31T03:00:00+02:00" in text
    back = read_price_csv(path)
    np.testing.assert_array_equal(back.utc, utc)
    np.testing.assert_allclose(back.price_eur_mwh, table.price_eur_mwh)


def test_csv_prices_land_on_scenario_time_and_fill_forward(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        "timestamp,price_eur_mwh,comment\n"
        "2024-01-01T00:00:00+01:00,10.0,a\n"
        "2024-01-01T01:00:00+01:00,20.0,b\n"
        "2023-12-31T23:00:00Z,30.0,c is 00:00 UTC = 01:00 +01 -> duplicate\n"
    )
    with pytest.raises(ValueError, match="row 4"):
        read_price_csv(path)
    path.write_text(
        "timestamp,price_eur_mwh\n2023-12-31T23:00:00Z,10.0\n2024-01-01T01:00:00+01:00,20.0\n"
    )
    # scenario starts 00:30 local = 23:30 UTC: the first 15-min steps take the 10 EUR/MWh hour
    series = to_series(read_price_csv(path), parse_start("2024-01-01T00:30:00+01:00"))
    np.testing.assert_allclose(series.mean_eur_mwh([0, 900, 1800], 900), [10.0, 10.0, 20.0])
    np.testing.assert_allclose(series.mean_eur_mwh([0], 3600), [15.0])  # averaged over a step
    with pytest.raises(ModelError, match="Extend the price data"):
        series.mean_eur_mwh([5400], 900)


def test_csv_without_offset_is_rejected_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("timestamp,price_eur_mwh\n2024-01-01T00:00:00,10.0\n")
    with pytest.raises(ValueError, match=r"row 2 .* no UTC offset.*\+01:00"):
        read_price_csv(path)
    path.write_text("time,price\n2024-01-01T00:00:00+01:00,10.0\n")
    with pytest.raises(ValueError, match="missing column"):
        read_price_csv(path)


def _year(preset: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    clock = LocalClock("2023-01-01T00:00:00+01:00")
    gen = SyntheticPrices(PRESETS[preset], generator(seed), clock=clock)
    t = np.arange(YEAR_H, dtype=np.int64) * H
    return gen.ensure(YEAR_H * H).mean_eur_mwh(t, H), clock(t).hour


@pytest.mark.parametrize(
    ("preset", "mean", "std"),
    [("de_lu_2023", 95.2, 50.0), ("de_lu_2019", 37.7, 18.6)],
)
def test_synthetic_year_matches_documented_bands(preset: str, mean: float, std: float) -> None:
    for seed in (1, 2):
        prices, hour = _year(preset, seed)
        assert abs(prices.mean() / mean - 1) < 0.10
        assert abs(prices.std() / std - 1) < 0.25
        assert 0.01 < np.mean(prices < 0) < 0.06
        assert prices[hour == 19].mean() > prices[hour == 3].mean() + 0.3 * std


def test_synthetic_prices_are_deterministic_for_a_seed_and_differ_across_seeds() -> None:
    a, _ = _year("de_lu_2023", 7)
    b, _ = _year("de_lu_2023", 7)
    c, _ = _year("de_lu_2023", 8)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_synthetic_series_does_not_depend_on_how_far_ahead_it_was_asked() -> None:
    clock = LocalClock("2023-01-01T00:00:00+01:00")
    short = SyntheticPrices(PRESETS["de_lu_2023"], generator(3), clock=clock)
    for until in range(DAY_S, 30 * DAY_S, DAY_S):
        short.ensure(until)
    long = SyntheticPrices(PRESETS["de_lu_2023"], generator(3), clock=clock)
    long.ensure(30 * DAY_S)
    t = np.arange(0, 29 * DAY_S, H)
    np.testing.assert_array_equal(short.series.mean_eur_mwh(t, H), long.series.mean_eur_mwh(t, H))


def test_synthetic_overrides_are_validated() -> None:
    assert synthetic_params({"preset": "de_lu_2019", "spike_prob": 0.0}).spike_prob == 0.0
    with pytest.raises(ValueError, match=r"daily_phi=1\.2 must be in"):
        synthetic_params({"daily_phi": 1.2})
    with pytest.raises(ValueError, match="unknown key"):
        synthetic_params({"mean": 50})

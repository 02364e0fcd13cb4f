"""Statistics across seeds: mean, Student-t CI, paired variant comparison, CSV and plots."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from results.sweep_stats import compare_variants, kpi_stats, plot_stats, save_stats

PARAM = "fleet.evs_per_household"


def _long(values: dict[tuple[str, float], list[float]], *, seeds: list[int] | None = None):
    """A long KPI frame as collect_kpis returns it: one KPI 'peak' [kW]."""
    rows = []
    for (variant, x), vals in values.items():
        for i, v in enumerate(vals):
            seed = seeds[i] if seeds else i
            rows.append(
                {
                    "run_id": f"{variant}-{x}-{seed}",
                    "variant": variant,
                    PARAM: x,
                    "seed": seed,
                    "kpi": "peak",
                    "label": "Peak",
                    "unit": "kW",
                    "value": v,
                }
            )
    frame = pd.DataFrame(rows)
    frame.attrs["params"] = [PARAM]
    return frame


def test_mean_std_and_t_interval_per_variant_and_point() -> None:
    vals = [10.0, 12.0, 11.0, 15.0]
    table = kpi_stats(_long({("a", 0.75): vals, ("a", 1.5): [20.0], ("b", 0.75): [1.0, 1.0]}))
    row = table[(table.variant == "a") & (table[PARAM] == 0.75)].iloc[0]
    low, high = stats.t.interval(0.95, 3, loc=np.mean(vals), scale=stats.sem(vals))
    assert row["n"] == 4 and row["mean"] == pytest.approx(12.0)
    assert row["std"] == pytest.approx(np.std(vals, ddof=1))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))
    single = table[(table.variant == "a") & (table[PARAM] == 1.5)].iloc[0]
    assert single["n"] == 1 and np.isnan(single["ci_half"])  # one seed: no spread known
    flat = table[table.variant == "b"].iloc[0]
    assert flat["ci_half"] == 0.0


@settings(max_examples=50, deadline=None)
@given(
    vals=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=30),
    shift=st.floats(-1e3, 1e3, allow_nan=False),
)
def test_interval_holds_the_mean_and_moves_with_a_shift(vals: list[float], shift: float) -> None:
    row = kpi_stats(_long({("a", 1.0): vals})).iloc[0]
    moved = kpi_stats(_long({("a", 1.0): [v + shift for v in vals]})).iloc[0]
    assert row["ci_low"] <= row["mean"] <= row["ci_high"]
    tol = 1e-6 * (1 + max(abs(v) for v in vals) + abs(shift))
    assert moved["mean"] == pytest.approx(row["mean"] + shift, abs=tol)
    assert moved["ci_half"] == pytest.approx(row["ci_half"], abs=tol)


def test_paired_test_finds_a_small_shift_hidden_in_a_large_seed_spread() -> None:
    rng = np.random.default_rng(1)
    fleet = rng.normal(100.0, 20.0, size=10)  # seed-to-seed spread shared by both variants
    noise = rng.normal(0.0, 0.2, size=10)
    kpis = _long(
        {
            ("uncontrolled", 1.5): list(fleet),
            ("vcc", 1.5): list(fleet - 2.0 + noise),
            ("same", 1.5): list(fleet),
        }
    )
    table = compare_variants(kpis).set_index(["variant_a", "variant_b"])
    shift = table.loc[("uncontrolled", "vcc")]
    assert shift["test"] == "paired" and shift["n"] == 10
    assert shift["diff"] == pytest.approx(2.0, abs=0.3) and shift["significant"]
    # the CIs overlap: comparing intervals would miss this difference
    ci = kpi_stats(kpis).set_index("variant")
    assert ci.loc["vcc", "ci_high"] > ci.loc["uncontrolled", "ci_low"]
    identical = table.loc[("uncontrolled", "same")]
    assert identical["p"] == 1.0 and not identical["significant"]
    assert (table["p_holm"] >= table["p"]).all()


def test_welch_when_variants_share_no_seeds() -> None:
    kpis = pd.concat(
        [
            _long({("a", 1.0): [1.0, 1.1, 0.9]}, seeds=[1, 2, 3]),
            _long({("b", 1.0): [1.0, 1.2, 0.8]}, seeds=[4, 5, 6]),
        ]
    )
    (row,) = compare_variants(kpis).to_dict("records")
    assert row["test"] == "welch" and not row["significant"]
    p = stats.ttest_ind([1.0, 1.1, 0.9], [1.0, 1.2, 0.8], equal_var=False).pvalue
    assert row["p"] == pytest.approx(p)


def test_csv_per_kpi_and_plots_are_written(tmp_path: Path) -> None:
    table = kpi_stats(
        _long(
            {
                ("a", 0.75): [1.0, 2.0],
                ("a", 1.5): [3.0, 4.0],
                ("b", 0.75): [1.0, 1.5],
                ("b", 1.5): [2.0, 2.5],
            }
        )
    )
    saved = save_stats(table, tmp_path)
    assert [p.name for p in saved] == ["stats.csv", "peak.csv"]
    back = pd.read_csv(saved[1])
    assert list(back.columns) == [
        "variant",
        PARAM,
        "n",
        "mean",
        "std",
        "ci_half",
        "ci_low",
        "ci_high",
    ]
    (png,) = plot_stats(table, tmp_path)
    assert png.stat().st_size > 1000
    flat = _long({("a", 1.0): [1.0, 2.0], ("b", 1.0): [2.0, 2.0]}).drop(columns=[PARAM])
    flat.attrs["params"] = []
    (bars,) = plot_stats(kpi_stats(flat), tmp_path / "flat")  # no swept field: bars
    assert bars.stat().st_size > 1000

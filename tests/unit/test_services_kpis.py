"""Service KPIs count the recorded window only, never the warm-up (issue 12).

A synthetic run file: 15-min steps, a warm-up of 4 steps (t = 0 … 2700 s, simulated but
not recorded) and 4 recorded steps (t = 3600 … 6300 s, one hour). The warm-up earned FCR
revenue, paid a penalty, settled a market award and held conflicts; none of it may count.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from results.reader import Run, open_run
from results.services import (
    conflict_counts,
    fcr_window_eur,
    market_window_eur,
    service_kpis,
    window_increase,
)
from results.writer import RunWriter, SeriesSpec

STEP_S = 900
T_REC = [3600, 4500, 5400, 6300]
#: per recorded row: FCR capacity 1000 kW at 4 EUR/(MW·h) earns 1 EUR per 15 min; the
#: 4 warm-up steps earned 4 EUR, so the cumulative revenue reads 5, 6, 7, 8
SERIES: dict[tuple[str, str], list[float]] = {
    ("TSO", "fcr_capacity_kw"): [1000.0] * 4,
    ("TSO", "fcr_revenue_eur"): [5.0, 6.0, 7.0, 8.0],
    # 3 EUR of penalty in the warm-up, 0.5 EUR at t = 5400 s (its step had a shortfall)
    ("TSO", "fcr_penalty_eur"): [3.0, 3.0, 3.5, 3.5],
    ("TSO", "fcr_shortfall_kwh"): [0.0, 0.0, 1.0, 0.0],
    # a 100 kW tender contract at 2 EUR/kW over [0, 7200 s) pays 25 EUR per step; an award
    # settled in the warm-up (t = 1800 s) paid 20 EUR, one at t = 4500 s 5 EUR
    ("Market", "cost_eur"): [145.0, 175.0, 200.0, 225.0],
    ("Market", "penalty_eur"): [2.0, 3.0, 3.0, 3.0],
    ("Market", "p_requested_kw"): [0.0] * 4,
    ("Market", "p_awarded_kw"): [0.0] * 4,
    ("Market", "p_delivered_kw"): [0.0] * 4,
    # conflicts at 900 s, 1800 s (aggravates), 2700 s (counteracts) in the warm-up; at
    # 3600 s (aggravates) and 5400 s (double claim) in the window
    ("Coordinator", "n_conflicts"): [1.0, 0.0, 1.0, 0.0],
    ("Coordinator", "n_tso_aggravates_dso"): [3.0, 3.0, 3.0, 3.0],
    ("Coordinator", "n_dso_counteracts_tso"): [1.0, 1.0, 1.0, 1.0],
    ("Coordinator", "n_double_claim"): [0.0, 0.0, 1.0, 1.0],
    ("Coordinator", "conflict_mw"): [0.004, 0.0, 0.002, 0.0],
    ("Coordinator", "fcr_blocked_kw"): [0.0, 8.0, 0.0, 0.0],
}
CONFLICTS: dict[str, list[Any]] = {
    "entity": ["Coordinator_0"] * 5,
    "time_s": [900, 1800, 2700, 3600, 5400],
    "kind": [
        "tso_aggravates_dso",
        "tso_aggravates_dso",
        "dso_counteracts_tso",
        "tso_aggravates_dso",
        "double_claim",
    ],
    "zone": [0, 0, 1, 0, 1],
    "mw": [0.004, 0.004, 0.001, 0.004, 0.002],
}
SETTLEMENTS: dict[str, list[Any]] = {
    "award_id": ["a1", "a2"],
    "payment_eur": [20.0, 5.0],
    "penalty_eur": [2.0, 1.0],
    "settled_s": [1800, 4500],
}
TENDERS: dict[str, list[Any]] = {
    "id": ["o1", "o2"],
    "p_kw": [100.0, 50.0],
    "t_start_s": [0, 0],
    "t_end_s": [7200, 7200],
    "availability_eur_kw": [2.0, 9.0],
    "status": ["contracted", "rejected"],
}


def write_run(
    path: Path, *, tables: bool = True, series: dict[tuple[str, str], list[float]] | None = None
) -> Run:
    """The synthetic run (``series`` overrides some of :data:`SERIES`)."""
    data = {**SERIES, **(series or {})}
    w = RunWriter(path, meta={"step_s": STEP_S, "start": "2016-01-11T00:00:00+01:00"})
    for (model, attr), _ in data.items():
        w.declare(
            f"{model}/{attr}",
            SeriesSpec(model, attr, 1, [f"{model}_0"], "", {"model": model, "attr": attr}),
        )
    for i, t in enumerate(T_REC):
        w.write_row(t, {f"{m}/{a}": [v[i]] for (m, a), v in data.items()})
    w.add_table("fleet", {"ev_id": ["ev0", "ev1"]})
    if tables:
        w.add_table("conflicts", CONFLICTS)
        w.add_table("flex_settlements", SETTLEMENTS)
        w.add_table("flex_tender_offers", TENDERS)
    w.close("complete")
    return open_run(path)


@pytest.fixture
def run(tmp_path: Path) -> Run:
    return write_run(tmp_path / "run.h5")


def test_the_recorded_window_starts_after_the_warm_up(run: Run) -> None:
    assert run.window_s == (3600, 7200)


def test_fcr_revenue_and_penalty_of_the_window_only(run: Run) -> None:
    # 4 steps x 1 EUR (not the 8 EUR the cumulative series ends at); 0.5 EUR penalty (not 3.5)
    assert fcr_window_eur(run) == (pytest.approx(4.0), pytest.approx(0.5))


def test_fcr_first_step_uses_the_recorded_price_when_there_is_one(tmp_path: Path) -> None:
    # a new 4-h block starts at 4500 s: 8 EUR/(MW·h) from then on, 4 before; the recorded
    # price gives the first step exactly
    run = write_run(
        tmp_path / "price.h5",
        series={
            ("TSO", "fcr_price_eur_mw_h"): [4.0, 8.0, 8.0, 8.0],
            ("TSO", "fcr_revenue_eur"): [5.0, 7.0, 9.0, 11.0],
        },
    )
    assert fcr_window_eur(run)[0] == pytest.approx(7.0)


def test_market_payments_and_penalties_of_the_window_only(run: Run) -> None:
    # 5 EUR settled at 4500 s + the contract's availability for [3600, 7200 s): 100 EUR
    # (not the 225 EUR the cumulative cost ends at; the rejected offer pays nothing)
    paid, penalty = market_window_eur(run)
    assert paid == pytest.approx(105.0) and penalty == pytest.approx(1.0)
    # the cumulative series agree: last - first + the first step's 25 EUR availability
    assert window_increase(run, "Market", "cost_eur", np.array([25.0])) == pytest.approx(105.0)


def test_conflicts_of_the_window_only(run: Run) -> None:
    assert conflict_counts(run) == {
        "tso_aggravates_dso": 1.0,
        "dso_counteracts_tso": 0.0,
        "double_claim": 1.0,
    }


def test_service_kpis_scale_the_window_to_a_year(run: Run) -> None:
    k = {x.name: x.value for x in service_kpis(run)}
    per_ev_year = 8760.0 / 1.0 / 2  # one recorded hour, two EVs
    assert k["fcr_revenue_eur_ev_year"] == pytest.approx((4.0 - 0.5) * per_ev_year)
    assert k["dso_flex_cost_eur"] == pytest.approx(104.0)
    assert k["dso_flex_revenue_eur_ev_year"] == pytest.approx(104.0 * per_ev_year)
    assert k["conflicts_tso_aggravates_dso"] == 1.0
    assert k["conflicts_dso_counteracts_tso"] == 0.0
    assert k["conflicts_double_claim"] == 1.0
    assert k["conflict_mwh"] == pytest.approx(0.006 * 0.25 * 1000.0)  # kWh, per-step series
    assert k["fcr_blocked_kwh"] == pytest.approx(2.0)


def test_without_event_tables_the_cumulative_series_are_differenced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # the first recorded step had no conflict (per-step n_conflicts = 0): exact
    quiet = write_run(
        tmp_path / "quiet.h5",
        tables=False,
        series={("Coordinator", "n_conflicts"): [0.0, 0.0, 1.0, 0.0]},
    )
    assert conflict_counts(quiet) == {
        "tso_aggravates_dso": 0.0,
        "dso_counteracts_tso": 0.0,
        "double_claim": 1.0,
    }
    # the market's first-step increment is unknown without its tables: left out, and said
    with caplog.at_level(logging.WARNING, logger="results.window"):
        paid, penalty = market_window_eur(quiet)
    assert paid == pytest.approx(80.0) and penalty == pytest.approx(1.0)
    assert "first recorded step" in caplog.text and "Market.cost_eur" in caplog.text


def test_hours_and_loading_over_the_dso_limit_by_hand(tmp_path: Path) -> None:
    """Trafo 70, 85, 90, 110 % and one line 50, 50, 95, 50 % against an 80 % DSO limit:
    over it in 3 of 4 steps (0.75 h), by (5 + 10 + 15 + 30) %·0.25 h = 15 %·h; over 100 %
    in one step."""
    import json

    series = {
        ("Area", "trafo_loading_pct"): [70.0, 85.0, 90.0, 110.0],
        ("Area", "line_loading_pct"): [50.0, 50.0, 95.0, 50.0],
    }
    path = tmp_path / "limit.h5"
    w = RunWriter(
        path,
        meta={
            "step_s": STEP_S,
            "start": "2016-01-11T00:00:00+01:00",
            "config_json": json.dumps({"dso": {"loading_limit_pct": 80.0}}),
        },
    )
    for model, attr in series:
        info = {"model": model, "attr": attr}
        w.declare(f"{model}/{attr}", SeriesSpec(model, attr, 1, ["Area_0"], "", info))
    for i, t in enumerate(T_REC):
        w.write_row(t, {f"{m}/{a}": [v[i]] for (m, a), v in series.items()})
    w.close("complete")
    kpis = {k.name: k.value for k in service_kpis(open_run(path))}
    assert kpis["dso_limit_hours"] == pytest.approx(0.75)
    assert kpis["dso_limit_excess_pct_h"] == pytest.approx(15.0)
    assert kpis["congestion_hours"] == pytest.approx(0.25)

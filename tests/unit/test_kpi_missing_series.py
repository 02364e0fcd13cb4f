"""A run that did not record a series loses exactly the KPIs that need it, no other.

A synthetic run records every series the registry reads (8 steps of 15 min after a
one-hour warm-up). Leaving one series out at a time, the KPIs that need it disappear,
every other KPI is still there in the same order, and those that do not read the series
keep their value.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from results.kpi_base import KpiSpec, evaluate
from results.kpi_registry import COMPARISON, REGISTRY, SUMMARY
from results.reader import Run, open_run
from results.series import Series, area, charger
from results.writer import RunWriter, SeriesSpec

STEP_S = 900
T_REC = [3600 + STEP_S * i for i in range(8)]
SPECS = [s for s in REGISTRY if s.group in COMPARISON]
ALL_SERIES = sorted({s for spec in SPECS for s in (*spec.series, *spec.group.gate)})
#: columns per model: 3 EVs and chargers, 4 buses, 2 segments, one entity otherwise
WIDTH = {"ChargerBank": 3, "Fleet": 3, "Segments": 2}
CUMULATIVE = ("_eur", "n_tso", "n_dso", "n_double", "n_afrr")


def _columns(s: Series) -> list[str]:
    if s.port == "line_loading_pct":
        return ["0", "1", "2"]
    if s.model == "Area" and (s.port.startswith("v") or s.port == "vuf_pct"):
        return ["10", "11", "12", "13"]  # bus ids
    return [f"{s.model}_{i}" for i in range(WIDTH.get(s.model, 1))]


def _values(s: Series, n: int, rng: np.random.Generator) -> np.ndarray:
    shape = (len(T_REC), n)
    if s.port in ("plugged", "tripped", "converged"):
        return (rng.random(shape) < 0.6).astype(float)
    if s.port.startswith(CUMULATIVE) or s.port.endswith(CUMULATIVE):
        return np.cumsum(rng.random(shape) * 2.0, axis=0)
    if s.port.startswith("v") and s.port.endswith("_pu"):
        return 0.85 + 0.3 * rng.random(shape)
    return rng.normal(40.0, 40.0, shape)  # loadings and powers, both signs


def write_run(path: Path, series: list[Series]) -> Run:
    rng = np.random.default_rng(7)
    config = {"dso": {"loading_limit_pct": 60.0}, "tso": {"afrr_capacity_price_eur_mw_h": 4.0}}
    w = RunWriter(
        path,
        meta={
            "step_s": STEP_S,
            "start": "2016-01-11T00:00:00+01:00",
            "config_json": json.dumps(config),
        },
    )
    data = {}
    for s in ALL_SERIES:  # the same values with or without the others
        cols = _columns(s)
        data[s] = _values(s, len(cols), rng)
        if s in series:
            spec = SeriesSpec(
                s.model, s.port, len(cols), cols, "", {"model": s.model, "attr": s.port}
            )
            w.declare(f"{s.model}/{s.port}", spec)
    for i, t in enumerate(T_REC):
        w.write_row(t, {f"{s.model}/{s.port}": data[s][i] for s in series})
    w.add_table("fleet", {"ev_id": ["ev0", "ev1", "ev2"]})
    w.add_table(
        "conflicts",
        {
            "time_s": [900, 3600, 5400, 6300],
            "kind": ["tso_aggravates_dso", "double_claim", "afrr_aggravates_dso", "double_claim"],
        },
    )
    w.close("complete")
    return open_run(path)


def _expected(specs: list[KpiSpec], run: Run) -> list[str]:
    """What the declarations promise: a KPI is there when its needs and its group's gate are."""
    return [s.name for s in specs if s.group.open(run) and s.applies(run)]


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> dict[str, float]:
    run = write_run(tmp_path_factory.mktemp("full") / "full.h5", ALL_SERIES)
    return {k.name: k.value for k in evaluate(run, SPECS)}


def test_a_run_with_every_series_has_every_kpi(full: dict[str, float]) -> None:
    assert list(full) == [s.name for s in SPECS]
    assert len(full) > 55


@pytest.mark.parametrize("missing", ALL_SERIES, ids=str)
def test_a_missing_series_skips_exactly_the_kpis_that_need_it(
    tmp_path: Path, full: dict[str, float], missing: Series
) -> None:
    run = write_run(tmp_path / "run.h5", [s for s in ALL_SERIES if s != missing])
    got = {k.name: k.value for k in evaluate(run, SPECS)}
    # a series only read when recorded ("uses": no revenue, no conflict) loses no KPI
    needing = {s.name for s in SPECS if missing in s.needs or missing in s.group.gate}
    assert list(got) == _expected(SPECS, run)
    lost = set(full) - set(got)
    assert lost <= needing  # nothing else is lost
    assert {s.name for s in SPECS if missing in s.needs} <= lost
    for spec in SPECS:
        if spec.name in got and missing not in (*spec.sources, *spec.group.gate):
            assert got[spec.name] == pytest.approx(full[spec.name], nan_ok=True), spec.name


def test_a_kpi_cannot_read_a_series_it_does_not_declare(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run.h5", ALL_SERIES)
    sneaky = KpiSpec(
        "sneaky_kwh",
        "Reads more than it says",
        "kWh",
        "declares the voltage, reads the chargers' power",
        SUMMARY,
        lambda c: float(c.values(charger("p_kw")).sum()),
        needs=(area("v_pu"),),
    )
    with pytest.raises(LookupError, match=r"'sneaky_kwh' reads ChargerBank\.p_kw, which it does"):
        evaluate(run, [sneaky])

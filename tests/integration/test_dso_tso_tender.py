"""The tender variant of the DSO-TSO conflict study: call-offs relieve the congested feeder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cosim.family import load_family
from results.grid_kpis import excess_kwh, ratings_kva
from results.reader import Run, open_run
from scenarios import dso_tso

ROOT = Path(__file__).resolve().parents[2]
FAMILY = ROOT / "scenarios" / "dso_tso_conflict_family.toml"
CONGESTED = ['scenario.until="2d"', "scenario.progress=false", "fleet.evs_per_household=4.0"]


def _run(name: str, tmp_path: Path) -> Run:
    cfg = load_family(FAMILY, CONGESTED).variants[name]
    out = tmp_path / f"{name}.h5"
    outcome = dso_tso.run(cfg, out=out, progress=False)
    assert outcome.status == "complete", (name, outcome.message)
    return open_run(out)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    tmp = tmp_path_factory.mktemp("tender")
    return {name: _run(name, tmp) for name in ("tso_first", "tso_first_tender")}


def _excess_kwh_per_step(run: Run, limit_pct: float) -> np.ndarray:
    """Energy over ``limit_pct`` per recorded step, summed over lines and trafos [kWh]."""
    lines, trafos = ratings_kva(str(run.config["grid"]["network"]))
    total = np.zeros(run.time_s.size)
    for attr, rating in (("line_loading_pct", lines), ("trafo_loading_pct", trafos)):
        over = np.maximum(run.get("Area", attr).to_numpy() - limit_pct, 0.0)
        total += np.nan_to_num(over / 100.0 * rating).sum(axis=1) * run.step_s / 3600.0
    return total


def test_call_offs_take_energy_off_the_elements_over_the_dso_limit(runs: dict[str, Run]) -> None:
    """Same seed, fleet and frequency: in the steps the DSO called off, the lines and the
    trafo carry less energy over the 80 % limit than without the tender; the whole run's
    total agrees with the study's own measure."""
    without, tender = runs["tso_first"], runs["tso_first_tender"]
    t = tender.time_s
    called = np.zeros(t.size, dtype=bool)
    for _, award in tender.table("flex_awards").iterrows():
        called |= (t >= award["t_start_s"]) & (t < award["t_end_s"])
    assert called.sum() >= 8  # at least two hours called off
    e_without, e_tender = _excess_kwh_per_step(without, 80.0), _excess_kwh_per_step(tender, 80.0)
    assert e_without[called].sum() > 0
    assert e_tender[called].sum() < e_without[called].sum()
    assert e_tender.sum() == pytest.approx(excess_kwh(tender, 80.0))


def test_call_offs_are_activated_for_the_aggregator_and_paid_utilisation(
    runs: dict[str, Run],
) -> None:
    run = runs["tso_first_tender"]
    requests = run.table("flex_requests")
    assert set(requests["gate"]) == {"call_off"}
    assert (requests["reason"] == "").all()
    awards = run.table("flex_awards")
    assert len(awards) > 0 and set(awards["gate"]) == {"call_off"}
    assert set(awards["bidder"]) == {"Aggregator_0"}
    assert set(awards["bid_id"]) <= {"t15", "t41", "t92", "t93"}  # contracted offers only
    assert awards["p_kw"].max() <= 25.0 + 1e-9  # never more than the contract
    s = run.table("flex_settlements")
    np.testing.assert_allclose(s["payment_eur"], s["paid_kwh"] / 1000.0 * 150.0)
    assert s["paid_kwh"].sum() > 0  # FCR goes first (tso_first): part is short, penalised
    # the DSO pays availability of the four contracts every step, utilisation on delivery
    cost = run.get("Market", "cost_eur").to_numpy()[:, 0]
    penalty = run.get("Market", "penalty_eur").to_numpy()[:, 0]
    t_end = int(run.time_s[-1]) + 900
    availability = 4 * 25.0 * 0.672 * t_end / 345600
    assert cost[-1] == pytest.approx(availability + s["payment_eur"].sum(), rel=1e-6)
    assert penalty[-1] == pytest.approx(s["penalty_eur"].sum(), rel=1e-6)
    assert runs["tso_first"].table("flex_requests")["gate"].isin(["day_ahead", "intraday"]).all()


def test_call_offs_move_an_uncontrolled_evening_peak_and_cut_the_energy_over_the_limit(
    tmp_path: Path,
) -> None:
    """An uncontrolled pool congests the evening by its timing: calling off the contracts
    moves part of it into the night, so the energy over the DSO limit falls (3 EVs per
    household, the family's base pool, shipped seed); no EV leaves short."""
    family = load_family(FAMILY, ['scenario.until="2d"', "scenario.progress=false"])
    runs = {}
    for name in ("uncontrolled", "uncontrolled_tender"):
        out = tmp_path / f"{name}.h5"
        assert dso_tso.run(family.variants[name], out=out, progress=False).status == "complete"
        runs[name] = open_run(out)
    without, tender = (excess_kwh(runs[n], 80.0) for n in ("uncontrolled", "uncontrolled_tender"))
    assert tender < 0.97 * without
    paid = runs["uncontrolled_tender"].table("flex_settlements")["paid_kwh"].sum()
    assert paid > 0
    unserved = runs["uncontrolled_tender"].get("Fleet", "e_unserved_kwh").to_numpy()
    assert np.nansum(unserved) < 1e-3

"""DSO and TSO ask the same EVs: the conflict shows, and the schemes resolve it."""

from __future__ import annotations

from pathlib import Path

from cosim.family import load_family
from results.compare import comparison_kpis
from results.reader import open_run
from scenarios import dso_tso

ROOT = Path(__file__).resolve().parents[2]


def test_dso_tso_family_two_days(tmp_path: Path) -> None:
    family = load_family(
        ROOT / "scenarios" / "dso_tso_family.toml",
        ['scenario.until="2d"', "scenario.progress=false"],
    )
    k = {}
    for name, cfg in family.variants.items():
        outcome = dso_tso.run(cfg, out=tmp_path / f"{name}.h5", progress=False)
        assert outcome.status == "complete", (name, outcome.message)
        run = open_run(outcome.path)
        k[name] = {x.name: x.value for x in comparison_kpis(run)}
        assert k[name]["ev_energy_unserved_kwh"] < 1e-3, name  # no departure need broken

    # each service earns on its own
    assert k["fcr_only"]["fcr_revenue_eur_ev_year"] > 0
    assert k["dso_market_only"]["flex_awarded_kwh"] > 0
    assert k["dso_market_only"]["flex_delivered_kwh"] > 0
    assert k["dso_market_only"]["dso_flex_cost_eur"] > 0
    # TSO-first: FCR activations raise consumption behind the congested transformer
    assert k["tso_first"]["conflicts_tso_aggravates_dso"] > 0
    assert k["tso_first"]["fcr_blocked_kwh"] == 0
    # the traffic light and the common market block most of those activations (they act on
    # the last measurement, so a congestion that starts within the step gets through); the
    # counts are of the recorded window, the warm-up day's conflicts left out
    aggravating = k["tso_first"]["conflicts_tso_aggravates_dso"]
    for scheme in ("traffic_light", "common_market"):
        assert k[scheme]["conflicts_tso_aggravates_dso"] < aggravating, scheme
        assert k[scheme]["fcr_blocked_kwh"] > 0, scheme
        assert k[scheme]["fcr_revenue_eur_ev_year"] <= k["tso_first"]["fcr_revenue_eur_ev_year"]

    # a DSO move counts against FCR only where it cost FCR: never under TSO-first
    assert k["tso_first"]["conflicts_dso_counteracts_tso"] == 0

    # every request, bid, award, activation and settlement is in the results file
    tables = open_run(tmp_path / "dso_market_only.h5")
    for name in (
        "flex_requests",
        "flex_bids",
        "flex_awards",
        "flex_activations",
        "flex_settlements",
        "conflicts",
    ):
        assert name in tables.tables(), name
    assert len(tables.table("flex_settlements")) > 0

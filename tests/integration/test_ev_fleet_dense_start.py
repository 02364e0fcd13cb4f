"""Issue 9: a dense fleet (3 EVs per household) starts without a non-converged power flow."""

from __future__ import annotations

from results.kpis import summary_kpis
from results.reader import open_run


def test_three_evs_per_household_start(run_base) -> None:
    outcome = run_base('scenario.until="1d"', "fleet.evs_per_household=3.0")
    run = open_run(outcome.path)
    assert run.status == "complete"
    kpis = {k.name: k.value for k in summary_kpis(run)}
    assert kpis["nonconverged_steps"] == 0

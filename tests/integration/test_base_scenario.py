"""The base scenario end to end on short horizons: physics, determinism, out-of-process."""

from __future__ import annotations

import numpy as np
import pytest

from results.kpis import summary_kpis
from results.reader import open_run
from tests.integration.conftest import datasets


def test_one_day_run_is_complete_and_physically_sane(run_base) -> None:
    outcome = run_base('scenario.until="1d"', "fleet.evs_per_household=1.0")
    run = open_run(outcome.path)
    assert run.status == "complete"
    assert len(run.time_s) == 96
    kpis = {k.name: k.value for k in summary_kpis(run)}

    v = run.bus_voltages()
    assert v.shape[1] == 97
    assert 0.85 < kpis["v_min_pu"] <= kpis["v_max_pu"] < 1.1
    assert kpis["nonconverged_steps"] == 0
    assert kpis["grid_losses_kwh"] > 0

    soc = run.ev_soc().to_numpy()
    assert np.all((soc >= 0) & (soc <= 1))
    # battery energy equals AC energy times the charger efficiency
    eff = run.config["evse"]["efficiency"]
    assert kpis["ev_energy_charged_kwh"] == pytest.approx(kpis["ev_energy_ac_kwh"] * eff, rel=1e-4)
    assert kpis["ev_energy_ac_kwh"] > 0


def test_ev_load_reaches_the_grid(run_base) -> None:
    with_evs = open_run(run_base('scenario.until="1d"', "fleet.evs_per_household=0.5").path)
    without = open_run(run_base('scenario.until="1d"', "fleet.evs_per_household=0.0").path)
    p_ev = np.nansum(with_evs.evse_power().to_numpy(), axis=1)
    slack_diff = (
        with_evs.get("Area", "p_slack_kw").to_numpy()[:, 0]
        - without.get("Area", "p_slack_kw").to_numpy()[:, 0]
    )
    # the upstream grid supplies the EV load plus the extra losses it causes
    assert np.all(slack_diff >= p_ev - 1e-3)
    assert np.all(slack_diff <= 1.25 * p_ev + 0.5)
    assert p_ev.max() > 50
    assert with_evs.bus_voltages().min().min() < without.bus_voltages().min().min()


def test_same_seed_gives_identical_datasets_and_another_seed_differs(run_base) -> None:
    a = datasets(run_base('scenario.until="12h"', "scenario.seed=5").path)
    b = datasets(run_base('scenario.until="12h"', "scenario.seed=5").path)
    c = datasets(run_base('scenario.until="12h"', "scenario.seed=6").path)
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    assert any(not np.array_equal(a[n], c[n]) for n in a if n in c)


def test_every_simulator_runs_out_of_process_with_identical_results(run_base) -> None:
    horizon = 'scenario.until="6h"'
    inproc = datasets(run_base(horizon).path)
    cmd = [f'simulators.{role}.starter="cmd"' for role in ("ev_fleet", "evse", "grid", "recorder")]
    outproc = datasets(run_base(horizon, *cmd).path)
    assert inproc.keys() == outproc.keys()
    for name in inproc:
        np.testing.assert_array_equal(inproc[name], outproc[name], err_msg=name)


def test_pandapower_backend_gives_the_same_run(run_base) -> None:
    fast = open_run(run_base('scenario.until="6h"').path)
    ref = open_run(run_base('scenario.until="6h"', 'grid.backend="pandapower"').path)
    np.testing.assert_allclose(fast.bus_voltages(), ref.bus_voltages(), atol=2e-6)
    np.testing.assert_allclose(fast.trafo_loading(), ref.trafo_loading(), atol=1e-3)

"""The fast backends (lightsim2grid, power-grid-model) equal pandapower's runpp over a day."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

import numpy as np
import pandapower as pp
import pytest

from simulators.grid.model import GridModel
from simulators.grid.network import load_network, prepare
from simulators.grid.profiles import BackgroundProfiles

CODES = ["simbench:1-LV-rural2--0-sw", "simbench:1-MV-semiurb--0-sw"]
FAST = ["lightsim2grid", "power_grid_model"]
START = datetime(2016, 6, 20, tzinfo=timezone(timedelta(hours=2)))  # PV and load both active
STEP_S, N_STEPS = 900, 96
TOL_V_PU, TOL_LOADING_PCT, TOL_LOSSES_KW = 1e-6, 1e-4, 1e-3


@pytest.fixture(scope="module", params=CODES, ids=lambda c: c.split(":")[1])
def reference(request):
    """Grid, profiles and the pandapower reference states of the whole day."""
    grid = prepare(load_network(request.param))
    profiles = BackgroundProfiles.from_simbench(grid.net, start=START)
    pristine = copy.deepcopy(grid.net)
    ref = GridModel(copy.deepcopy(grid), profiles, backend="pandapower")
    rng = np.random.default_rng(2016)
    ev_rows = rng.choice(grid.n_bus, size=30, replace=False)
    p_kw = np.zeros((N_STEPS, grid.n_bus))
    p_kw[:, ev_rows] = rng.uniform(0.0, 11.0, size=(N_STEPS, len(ev_rows)))
    q_kvar = 0.1 * p_kw
    states = [ref.step(k * STEP_S, p_kw[k], q_kvar[k]) for k in range(N_STEPS)]
    return grid, profiles, pristine, states, p_kw, q_kvar


@pytest.fixture(params=FAST)
def setup(request, reference):
    grid, profiles, pristine, states, p_kw, q_kvar = reference
    fast = GridModel(grid, profiles, backend=request.param)
    return grid, profiles, pristine, fast, states, p_kw, q_kvar


def test_fast_backend_equals_pandapower_over_a_day(setup):
    _, _, _, fast, states, p_kw, q_kvar = setup
    worst = np.zeros(4)
    for k in range(N_STEPS):
        a = fast.step(k * STEP_S, p_kw[k], q_kvar[k])
        b = states[k]
        assert a.converged and b.converged
        dev = [
            np.max(np.abs(a.vm_pu - b.vm_pu)),
            np.max(np.abs(a.line_loading_pct - b.line_loading_pct)),
            np.max(np.abs(a.trafo_loading_pct - b.trafo_loading_pct)),
            abs(a.losses_kw - b.losses_kw),
        ]
        worst = np.maximum(worst, dev)
        assert dev[0] < TOL_V_PU, f"step {k}: |dV| = {dev[0]:.3g} p.u."
        assert dev[1] < TOL_LOADING_PCT, f"step {k}: line loading off by {dev[1]:.3g} %"
        assert dev[2] < TOL_LOADING_PCT, f"step {k}: trafo loading off by {dev[2]:.3g} %"
        assert dev[3] < TOL_LOSSES_KW, f"step {k}: losses off by {dev[3]:.3g} kW"
        assert a.p_slack_kw == pytest.approx(b.p_slack_kw, abs=1e-2)
        assert a.q_slack_kvar == pytest.approx(b.q_slack_kvar, abs=1e-2)
        np.testing.assert_allclose(a.va_deg, b.va_deg, atol=1e-4)
        np.testing.assert_allclose(a.i_line_from_ka, b.i_line_from_ka, atol=1e-7)
        np.testing.assert_allclose(a.i_trafo_hv_ka, b.i_trafo_hv_ka, atol=1e-7)
        np.testing.assert_allclose(a.p_line_from_kw, b.p_line_from_kw, atol=1e-3)
        assert a.p_load_bg_kw == b.p_load_bg_kw
    # the day must really exercise the grid: EV load plus background moves the voltages
    assert worst[0] < TOL_V_PU


def test_fast_backend_equals_an_independent_runpp(setup):
    grid, profiles, pristine, fast, _, p_kw, q_kvar = setup
    day_rows = [profiles.row(j * STEP_S) for j in range(N_STEPS)]
    k = int(np.argmax([profiles.sgen_p_mw_at(r).sum() for r in day_rows]))  # the sunniest step
    state = fast.step(k * STEP_S, p_kw[k], q_kvar[k])
    row = profiles.row(k * STEP_S)
    net = copy.deepcopy(pristine)
    n_bg = grid.n_bg_load
    load_p = net.load["p_mw"].to_numpy(copy=True)
    load_q = net.load["q_mvar"].to_numpy(copy=True)
    load_p[:n_bg] = profiles.load_p_mw_at(row)
    load_q[:n_bg] = profiles.load_q_mvar_at(row)
    load_p[n_bg:] = p_kw[k] / 1e3
    load_q[n_bg:] = q_kvar[k] / 1e3
    net.load["p_mw"], net.load["q_mvar"] = load_p, load_q
    net.sgen["p_mw"] = profiles.sgen_p_mw_at(row).astype(float)
    assert net.sgen["p_mw"].sum() > 0.005  # PV is producing at this step
    pp.runpp(net, lightsim2grid=False, numba=False)
    # float32 rounding of the EV inputs is far below these tolerances
    np.testing.assert_allclose(state.vm_pu, net.res_bus["vm_pu"], atol=TOL_V_PU)
    np.testing.assert_allclose(state.va_deg, net.res_bus["va_degree"], atol=1e-4)
    np.testing.assert_allclose(
        state.line_loading_pct, net.res_line["loading_percent"], atol=TOL_LOADING_PCT
    )
    np.testing.assert_allclose(
        state.trafo_loading_pct, net.res_trafo["loading_percent"], atol=TOL_LOADING_PCT
    )
    losses = (net.res_line["pl_mw"].sum() + net.res_trafo["pl_mw"].sum()) * 1e3
    assert state.losses_kw == pytest.approx(losses, abs=TOL_LOSSES_KW)
    assert state.p_slack_kw == pytest.approx(net.res_ext_grid["p_mw"].sum() * 1e3, abs=1e-2)

"""The power-grid-model backend: conversion details, update paths, failures."""

from __future__ import annotations

import numpy as np
import pandapower as pp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cosim.errors import GridNotConvergedError, ModelError
from simulators.grid.backends import Injections
from simulators.grid.model import GridModel
from simulators.grid.network import load_network, prepare
from simulators.grid.pgm_backend import PgmUpdate, PowerGridModelBackend
from simulators.grid.profiles import BackgroundProfiles

LV = "simbench:1-LV-rural2--0-sw"


def _inj(net, *, scale=1.0):
    return Injections(
        load_p_mw=net.load["p_mw"].to_numpy(float) * scale,
        load_q_mvar=net.load["q_mvar"].to_numpy(float) * scale,
        sgen_p_mw=net.sgen["p_mw"].to_numpy(float),
    )


def _assert_equals_runpp(state, net, *, atol_v=1e-9):
    np.testing.assert_allclose(state.vm_pu, net.res_bus["vm_pu"], atol=atol_v)
    np.testing.assert_allclose(state.va_deg, net.res_bus["va_degree"], atol=1e-6)
    np.testing.assert_allclose(state.line_loading_pct, net.res_line["loading_percent"], atol=1e-5)
    np.testing.assert_allclose(state.trafo_loading_pct, net.res_trafo["loading_percent"], atol=1e-5)
    np.testing.assert_allclose(state.i_line_from_ka, net.res_line["i_from_ka"], atol=1e-9)
    np.testing.assert_allclose(state.i_trafo_hv_ka, net.res_trafo["i_hv_ka"], atol=1e-9)
    losses = (net.res_line["pl_mw"].sum() + net.res_trafo["pl_mw"].sum()) * 1e3
    assert state.losses_kw == pytest.approx(losses, abs=1e-5)
    # powers: 10 mW, or 1e-7 of the power (both solvers stop at a 1e-8 p.u. voltage step, so a
    # 130 kW slack may differ by ~1e-5 kW while the voltages agree to 1e-9 p.u.)
    slack_p, slack_q = net.res_ext_grid["p_mw"].sum() * 1e3, net.res_ext_grid["q_mvar"].sum() * 1e3
    assert state.p_slack_kw == pytest.approx(slack_p, abs=1e-5, rel=1e-7)
    assert state.q_slack_kvar == pytest.approx(slack_q, abs=1e-5, rel=1e-7)


@pytest.fixture(scope="module")
def lv():
    return prepare(load_network(LV))


def test_simbench_seed_solution_is_reproduced_to_1e9_pu(lv):
    # pandapower's T transformer model is mapped to an exact pi; without that the
    # voltages differ by 2e-7 p.u. and this fails
    state = PowerGridModelBackend(lv).solve(_inj(lv.net))
    _assert_equals_runpp(state, lv.net)


def test_update_paths_give_identical_results(lv):
    backends = [PowerGridModelBackend(lv, update=u) for u in PgmUpdate]
    assert [b.update for b in backends] == list(PgmUpdate)
    rng = np.random.default_rng(3)
    for _ in range(3):
        inj = _inj(lv.net, scale=rng.uniform(0.2, 3.0))
        a, *rest = (b.solve(inj) for b in backends)
        for b in rest:
            np.testing.assert_array_equal(a.vm_pu, b.vm_pu)
            np.testing.assert_array_equal(a.line_loading_pct, b.line_loading_pct)
            assert a.p_slack_kw == b.p_slack_kw


def test_direct_path_results_are_not_overwritten_by_the_next_step(lv):
    backend = PowerGridModelBackend(lv)
    first = backend.solve(_inj(lv.net))
    kept = first.vm_pu.copy()
    backend.solve(_inj(lv.net, scale=3.0))
    np.testing.assert_array_equal(first.vm_pu, kept)


def test_nonconvergence_is_a_failed_state_and_the_next_step_recovers(lv):
    net = lv.net
    prof = BackgroundProfiles.constant(net)
    model = GridModel(lv, prof, backend="power_grid_model", on_nonconvergence="flag")
    huge = np.zeros(lv.n_bus)
    huge[int(np.argmin(net.res_bus["vm_pu"]))] = 1e9  # at the far end of a feeder
    state = model.step(0, huge, np.zeros(lv.n_bus))
    assert not state.converged
    assert np.isnan(state.vm_pu).all() and np.isnan(state.i_line_from_ka).all()
    assert model.step(900, np.zeros(lv.n_bus), np.zeros(lv.n_bus)).converged
    strict = GridModel(lv, prof, backend="power_grid_model")
    with pytest.raises(GridNotConvergedError, match="power_grid_model"):
        strict.step(0, huge, np.zeros(lv.n_bus))


def _mini_net(*, tap_side="hv", tap_pos=0, parallel=1, shift=150.0, vk=6.0, vkr=1.2):
    net = pp.create_empty_network()
    b = [pp.create_bus(net, vn) for vn in (20.0, 0.4, 0.4, 0.4)]
    pp.create_ext_grid(net, b[0], vm_pu=1.02, va_degree=5.0)
    pp.create_transformer_from_parameters(
        net, b[0], b[1], sn_mva=0.4, vn_hv_kv=20.0, vn_lv_kv=0.4, vkr_percent=vkr,
        vk_percent=vk, pfe_kw=1.1, i0_percent=0.35, shift_degree=shift, tap_side=tap_side,
        tap_neutral=0, tap_min=-2, tap_max=2, tap_step_percent=2.5, tap_pos=tap_pos,
        tap_changer_type="Ratio", parallel=parallel,
    )  # fmt: skip
    for f, t, on in ((1, 2, True), (2, 3, True), (1, 3, False)):
        pp.create_line_from_parameters(
            net, b[f], b[t], length_km=0.3, r_ohm_per_km=0.2, x_ohm_per_km=0.08,
            c_nf_per_km=250.0, max_i_ka=0.27, parallel=2, in_service=on,
        )  # fmt: skip
    pp.create_load(net, b[3], p_mw=0.15, q_mvar=0.05)
    pp.create_sgen(net, b[2], p_mw=0.03)
    return net


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tap_side=st.sampled_from(["hv", "lv"]),
    tap_pos=st.integers(-4, 4),
    parallel=st.integers(1, 3),
    clock=st.integers(-11, 11),
    vk=st.floats(3.0, 12.0),
    vkr_share=st.floats(0.05, 0.9),
)
def test_transformer_settings_match_runpp(tap_side, tap_pos, parallel, clock, vk, vkr_share):
    net = _mini_net(
        tap_side=tap_side, tap_pos=tap_pos, parallel=parallel, shift=30.0 * clock,
        vk=vk, vkr=vk * vkr_share,
    )  # fmt: skip
    grid = prepare(net)
    state = PowerGridModelBackend(grid).solve(_inj(grid.net))
    _assert_equals_runpp(state, grid.net)
    assert state.line_loading_pct[2] == 0.0  # the out-of-service line carries nothing


def test_out_of_service_bus_is_nan():
    net = _mini_net()
    extra = pp.create_bus(net, 0.4, in_service=False)
    pp.create_load(net, extra, p_mw=0.01)
    grid = prepare(net)
    state = PowerGridModelBackend(grid).solve(_inj(grid.net))
    assert np.isnan(state.vm_pu[extra]) and np.isfinite(np.delete(state.vm_pu, extra)).all()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda n: pp.create_gen(n, 2, p_mw=0.01, vm_pu=1.0), "1 gen"),
        (lambda n: n.trafo.__setitem__("shift_degree", 15.0), "multiples of 30"),
        (lambda n: n.load.__setitem__("const_z_p_percent", 50.0), "voltage-dependent"),
    ],
)
def test_grids_it_cannot_represent_are_refused(change, message):
    net = _mini_net()
    change(net)
    grid = prepare(net)
    with pytest.raises(ModelError, match=message):
        PowerGridModelBackend(grid)

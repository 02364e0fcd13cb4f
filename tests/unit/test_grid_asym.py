"""Unbalanced power flow: a hand-computed feeder, balanced limit, phase helpers, errors."""

from __future__ import annotations

import numpy as np
import pandapower as pp
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from cosim.errors import ModelError
from simulators.grid.asym_params import ZeroSequenceParams
from simulators.grid.asym_state import (
    THREE_PHASE,
    AsymInjections,
    assign_phases,
    spread_over_phases,
    vuf_pct,
)
from simulators.grid.backends import Injections
from simulators.grid.network import load_network, prepare
from simulators.grid.pgm_asym import PgmAsymBackend
from simulators.grid.pgm_backend import PowerGridModelBackend

LV = "simbench:1-LV-rural2--0-sw"
R1, X1, LENGTH_KM = 0.2067, 0.080425, 0.5  # NAYY 4x150 SE [ohm/km]


@pytest.fixture(scope="module")
def lv_grid():
    return prepare(load_network(LV))


def _far_bus(grid) -> int:
    """The bus row with the lowest voltage without EVs (a feeder end)."""
    return int(np.nanargmin(grid.net.res_bus["vm_pu"].to_numpy()))


def _feeder():
    net = pp.create_empty_network()
    b0, b1 = pp.create_bus(net, vn_kv=0.4), pp.create_bus(net, vn_kv=0.4)
    pp.create_ext_grid(net, b0, vm_pu=1.0)
    pp.create_line_from_parameters(
        net, b0, b1, LENGTH_KM, r_ohm_per_km=R1, x_ohm_per_km=X1, c_nf_per_km=0.0, max_i_ka=0.27
    )
    pp.create_load(net, b1, p_mw=0.0)
    return prepare(net)


def _hand_feeder(p_w: float, r0_r1: float, x0_x1: float) -> np.ndarray:
    """Phase voltages [p.u.] at the feeder end, one single-phase load on phase a.

    Phase-domain line: self impedance (Z0 + 2 Z1) / 3, mutual (Z0 - Z1) / 3; the
    constant-power current is found by fixed-point iteration.
    """
    z1 = complex(R1, X1) * LENGTH_KM
    z0 = complex(R1 * r0_r1, X1 * x0_x1) * LENGTH_KM
    v_ph = 400.0 / np.sqrt(3.0)
    a = np.exp(2j * np.pi / 3)
    v_src = v_ph * np.array([1.0, a**2, a])
    va = v_src[0]
    for _ in range(100):
        i_a = np.conj(p_w / va)
        va = v_src[0] - i_a * (z0 + 2 * z1) / 3
    v_end = v_src - i_a * (z0 - z1) / 3
    v_end[0] = va
    return v_end / v_ph


def _single_phase_load(grid, p_kw: float, phase: int) -> AsymInjections:
    n_load = len(grid.net.load)
    p = np.zeros((n_load, 3))
    p[grid.n_bg_load + 1, phase] = p_kw * 1e-3
    return AsymInjections(
        load_p_mw=p, load_q_mvar=np.zeros((n_load, 3)), sgen_p_mw=np.zeros((0, 3))
    )


@pytest.mark.parametrize(("r0_r1", "x0_x1"), [(4.0, 4.0), (1.0, 1.0), (3.0, 4.5)])
def test_single_phase_load_on_a_feeder_matches_hand_calculation(r0_r1, x0_x1):
    grid = _feeder()
    backend = PgmAsymBackend(grid, ZeroSequenceParams(line_r0_r1=r0_r1, line_x0_x1=x0_x1))
    state = backend.solve(_single_phase_load(grid, 20.0, phase=0))
    expected = _hand_feeder(20e3, r0_r1, x0_x1)
    np.testing.assert_allclose(state.vm_abc_pu[1], np.abs(expected), atol=1e-7)
    np.testing.assert_allclose(state.va_abc_deg[1], np.rad2deg(np.angle(expected)), atol=1e-5)
    assert state.vuf_pct[1] == pytest.approx(vuf_pct(expected[np.newaxis])[0], abs=1e-5)
    assert state.vm_abc_pu[1, 0] < 0.96  # 20 kW on one phase at 500 m drops phase a clearly


def test_zero_sequence_impedance_shifts_the_neutral_point():
    """With Z0 = Z1 the unloaded phases keep their voltage; with Z0 > Z1 they move."""
    grid = _feeder()
    equal = PgmAsymBackend(grid, ZeroSequenceParams(line_r0_r1=1.0, line_x0_x1=1.0))
    four = PgmAsymBackend(grid, ZeroSequenceParams())
    s_eq, s_four = (b.solve(_single_phase_load(grid, 20.0, phase=2)) for b in (equal, four))
    np.testing.assert_allclose(s_eq.vm_abc_pu[1, :2], 1.0, atol=1e-9)
    assert np.all(np.abs(s_four.vm_abc_pu[1, :2] - 1.0) > 1e-3)
    assert s_four.v0_pu[1] > s_eq.v0_pu[1] > 0.0


def test_balanced_injections_equal_the_balanced_backend(lv_grid):
    net = lv_grid.net
    inj = Injections(
        load_p_mw=net.load["p_mw"].to_numpy(float) * 2.0,
        load_q_mvar=net.load["q_mvar"].to_numpy(float) * 2.0,
        sgen_p_mw=net.sgen["p_mw"].to_numpy(float),
    )
    asym = PgmAsymBackend(lv_grid).solve(inj)
    sym = PowerGridModelBackend(lv_grid).solve(inj)
    np.testing.assert_allclose(asym.vm_pu, sym.vm_pu, atol=1e-9)
    np.testing.assert_allclose(asym.vm_abc_pu, np.repeat(sym.vm_pu[:, None], 3, axis=1), atol=1e-9)
    np.testing.assert_allclose(asym.line_loading_pct, sym.line_loading_pct, atol=1e-6)
    assert np.nanmax(asym.vuf_pct) < 1e-6
    assert asym.losses_kw == pytest.approx(sym.losses_kw, abs=1e-6)
    assert asym.p_slack_kw == pytest.approx(sym.p_slack_kw, abs=1e-6)


def test_moving_a_load_to_another_phase_moves_the_lowest_phase(lv_grid):
    backend = PgmAsymBackend(lv_grid)
    bus = _far_bus(lv_grid)
    n_load = len(lv_grid.net.load)
    lowest = []
    for phase in range(3):
        p = np.zeros((n_load, 3))
        p[lv_grid.n_bg_load + bus, phase] = 0.011
        state = backend.solve(
            AsymInjections(p, np.zeros_like(p), np.zeros((len(lv_grid.net.sgen), 3)))
        )
        lowest.append(int(np.argmin(state.vm_abc_pu[bus])))
    assert lowest == [0, 1, 2]


def test_impossible_load_is_reported_as_not_converged(lv_grid):
    n_load = len(lv_grid.net.load)
    p = np.zeros((n_load, 3))
    p[lv_grid.n_bg_load + _far_bus(lv_grid), 0] = 50.0  # 50 MW on one LV phase
    state = PgmAsymBackend(lv_grid).solve(
        AsymInjections(p, np.zeros_like(p), np.zeros((len(lv_grid.net.sgen), 3)))
    )
    assert not state.converged
    assert np.isnan(state.vm_abc_pu).all() and np.isnan(state.vuf_pct).all()


def test_vector_group_must_fit_the_transformer_shift(lv_grid):
    with pytest.raises(ModelError, match="vector_group"):
        PgmAsymBackend(lv_grid, ZeroSequenceParams(vector_group="YNyn"))


def test_bad_zero_sequence_params_are_all_reported():
    with pytest.raises(ModelError) as err:
        ZeroSequenceParams(line_r0_r1=0.0, source_rx=-1.0, vector_group="Yd", trafo_z0_z1=0.9)
    msg = str(err.value)
    for part in ("line_r0_r1=0.0", "source_rx=-1.0", "vector_group='Yd'", "trafo_z0_z1=0.9"):
        assert part in msg


@given(
    arrays(np.float64, st.integers(0, 20), elements=st.floats(-1e3, 1e3)),
    st.data(),
)
def test_spread_over_phases_keeps_each_total(p, data):
    phase = np.array(
        data.draw(
            st.lists(st.sampled_from([THREE_PHASE, 0, 1, 2]), min_size=len(p), max_size=len(p))
        ),
        dtype=np.int64,
    )
    out = spread_over_phases(p, phase)
    np.testing.assert_allclose(out.sum(axis=1), p, atol=1e-9)
    single = phase != THREE_PHASE
    assert np.all(np.count_nonzero(out[single], axis=1) <= 1)
    np.testing.assert_allclose(out[single, phase[single]], p[single])


def test_assign_phases_is_seeded_and_follows_the_share():
    a = assign_phases(6000, share_single=0.3, rng=np.random.default_rng(7))
    b = assign_phases(6000, share_single=0.3, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    assert np.mean(a != THREE_PHASE) == pytest.approx(0.3, abs=0.03)
    counts = np.bincount(a[a != THREE_PHASE], minlength=3)
    assert counts.min() > 0.28 * counts.sum()
    assert np.all(assign_phases(50, share_single=1.0, rng=np.random.default_rng(1)) >= 0)
    with pytest.raises(ValueError, match="share_single"):
        assign_phases(3, share_single=1.5, rng=np.random.default_rng(1))


def test_asym_model_with_balanced_layout_equals_the_balanced_model(lv_grid):
    from simulators.grid.asym_model import AsymGridModel, PhaseLayout
    from simulators.grid.model import GridModel
    from simulators.grid.profiles import BackgroundProfiles

    prof = BackgroundProfiles.constant(lv_grid.tables)
    asym = AsymGridModel(
        lv_grid, prof, zero_sequence=ZeroSequenceParams(), layout=PhaseLayout.balanced(lv_grid)
    )
    sym = GridModel(lv_grid, prof, backend="power_grid_model")
    p = np.zeros(lv_grid.n_bus)
    p[_far_bus(lv_grid)] = 22.0
    a, b = asym.step(0, p, 0.1 * p), sym.step(0, p, 0.1 * p)
    np.testing.assert_allclose(a.vm_pu, b.vm_pu, atol=1e-9)
    assert a.p_load_bg_kw == pytest.approx(b.p_load_bg_kw, rel=1e-6)
    per_phase = np.repeat(p[:, None] / 3.0, 3, axis=1)
    np.testing.assert_allclose(
        asym.step(0, per_phase, 0.1 * per_phase).vm_abc_pu, a.vm_abc_pu, atol=1e-12
    )
    with pytest.raises(ModelError, match=r"p_inj_kw has shape \(3,\)"):
        asym.step(0, np.zeros(3), np.zeros(3))


def test_phase_layout_puts_small_pv_on_one_phase(lv_grid):
    from simulators.grid.asym_model import PhaseLayout, PhaseParams

    sgen = lv_grid.tables.sgen
    small = sgen["sn_mva"].to_numpy(float) * 1e3 <= 30.0
    layout = PhaseLayout.draw(
        lv_grid, PhaseParams(sgen_single_max_kva=30.0), np.random.default_rng(3)
    )
    assert np.all(layout.sgen_phase[small] >= 0) and np.all(
        layout.sgen_phase[~small] == THREE_PHASE
    )
    none = PhaseLayout.draw(
        lv_grid,
        PhaseParams(load_share_single=0.0, sgen_single_max_kva=0.0),
        np.random.default_rng(3),
    )
    assert np.all(none.load_phase == THREE_PHASE) and np.all(none.sgen_phase == THREE_PHASE)
    with pytest.raises(ModelError, match="load_share_single"):
        PhaseParams(load_share_single=2.0)


def test_direct_and_public_api_paths_agree(lv_grid):
    n_load, n_sgen = len(lv_grid.net.load), len(lv_grid.net.sgen)
    rng = np.random.default_rng(5)
    fast, public = PgmAsymBackend(lv_grid), PgmAsymBackend(lv_grid, direct=False)
    for _ in range(3):  # the direct path reuses its buffers: results must not leak across steps
        p = rng.uniform(0.0, 0.001, (n_load, 3))
        inj = AsymInjections(p, 0.2 * p, rng.uniform(0.0, 0.01, (n_sgen, 3)))
        a, b = fast.solve(inj), public.solve(inj)
        assert a.converged and b.converged
        np.testing.assert_array_equal(a.vm_abc_pu, b.vm_abc_pu)
        np.testing.assert_array_equal(a.line_loading_pct, b.line_loading_pct)
        assert a.losses_kw == b.losses_kw

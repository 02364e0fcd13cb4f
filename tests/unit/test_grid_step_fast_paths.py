"""The grid's per-step shortcuts give bit for bit what the plain computations give."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from simulators.grid.backends import Injections
from simulators.grid.cache import prepared_grid
from simulators.grid.lightsim_backend import LightSimBackend, _Sent

# float32 values with the awkward ones: signed zeros, NaN, infinities, subnormals
_f32 = st.one_of(
    st.sampled_from([0.0, -0.0, np.nan, np.inf, -np.inf, 1e-45, -1e-45]),
    st.floats(-1e6, 1e6, width=32),
)


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(np.float32, st.integers(0, 50), elements=st.floats(-1e6, 1e6, width=32)), st.data()
)
def test_float32_flags_give_the_bool_flag_dot_product(x: np.ndarray, data: st.DataObject) -> None:
    on = data.draw(hnp.arrays(np.bool_, x.shape))
    plain = x @ on
    fast = x @ on.astype(np.float32)
    assert plain.dtype == fast.dtype and plain.tobytes() == fast.tobytes()


class _Recorder:
    """What lightsim2grid's ``update_*`` does: set the flagged elements to their values."""

    def __init__(self, n: int) -> None:
        self.values = np.full(n, 123.0, dtype=np.float64)
        self.flagged = 0

    def __call__(self, mask: np.ndarray, values: np.ndarray) -> None:
        assert mask.dtype == np.bool_ and values.dtype == np.float32
        self.values[mask] = values[mask]
        self.flagged += int(mask.sum())


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_sending_only_changed_values_leaves_the_model_as_full_updates(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 30))
    in_service = data.draw(hnp.arrays(np.bool_, n))
    steps = data.draw(st.lists(hnp.arrays(np.float32, n, elements=_f32), min_size=1, max_size=6))
    # repeat some steps so that unchanged values occur
    steps = [s for s in steps for _ in range(data.draw(st.integers(1, 2)))]
    full, fast = _Recorder(n), _Recorder(n)
    sent = _Sent(in_service, min_size=0)
    for values in steps:
        full(in_service, values)
        sent.send(fast, values.astype(np.float64))  # any float dtype, sent as float32
        assert full.values.tobytes() == fast.values.tobytes()
    assert fast.flagged <= full.flagged


def test_small_fields_are_sent_whole() -> None:
    rec = _Recorder(3)
    sent = _Sent(np.array([True, False, True]))
    for _ in range(2):
        sent.send(rec, np.ones(3, dtype=np.float32))
    assert rec.flagged == 4


@pytest.fixture(scope="module")
def lv_grid():
    return prepared_grid("simbench:1-LV-rural2--0-sw", cache=True).grid


def _states(backend: LightSimBackend, grid, n_steps: int) -> list:
    rng = np.random.default_rng(5)
    net = grid.tables
    base_p = net.load["p_mw"].to_numpy(np.float32)
    base_q = net.load["q_mvar"].to_numpy(np.float32)
    sgen = net.sgen["p_mw"].to_numpy(np.float32)
    out = []
    for k in range(n_steps):
        p, q = base_p.copy(), base_q.copy()
        if k % 3:  # every third step repeats the nominal injections
            some = rng.random(len(p)) < 0.3
            p[some] *= rng.uniform(0.0, 3.0, some.sum()).astype(np.float32)
            q[some] = -q[some]
        out.append(backend.solve(Injections(load_p_mw=p, load_q_mvar=q, sgen_p_mw=sgen * (k % 2))))
    return out


def test_lightsim_changed_only_updates_solve_as_full_updates(lv_grid) -> None:
    full, fast = LightSimBackend(lv_grid), LightSimBackend(lv_grid)
    for b, min_size in ((full, 10**9), (fast, 0)):
        b._load_p, b._load_q, b._sgen_p = (
            _Sent(b._load_mask, min_size=min_size),
            _Sent(b._load_mask, min_size=min_size),
            _Sent(b._sgen_mask, min_size=min_size),
        )
    for a, b in zip(_states(full, lv_grid, 12), _states(fast, lv_grid, 12), strict=True):
        for name in a.__dataclass_fields__:
            x, y = np.asarray(getattr(a, name)), np.asarray(getattr(b, name))
            assert x.tobytes() == y.tobytes(), name


def test_lightsim_read_matches_the_plain_formulas(lv_grid) -> None:
    backend = LightSimBackend(lv_grid)
    state = _states(backend, lv_grid, 2)[-1]
    v = backend._v_good
    assert state.va_deg.tobytes() == (np.rad2deg(np.angle(v)) + backend._va_ref).tobytes()
    a1, a2 = backend._ls.get_line_res1()[3], backend._ls.get_line_res2()[3]
    plain = np.maximum(a1, a2) / backend._line_imax_ka * 100.0
    assert state.line_loading_pct.tobytes() == plain.tobytes()
    p = [backend._ls.get_line_res1()[0], backend._ls.get_line_res2()[0]]
    p += [backend._ls.get_trafo_res1()[0], backend._ls.get_trafo_res2()[0]]
    assert state.losses_kw == float((p[0].sum() + p[1].sum() + p[2].sum() + p[3].sum()) * 1e3)


def test_a_state_keeps_its_own_results_after_the_next_solve(lv_grid) -> None:
    backend = LightSimBackend(lv_grid)
    first = _states(backend, lv_grid, 2)[-1]
    v_first = backend._v_good.copy()
    i_first = first.i_line_from_ka.copy()
    later = _states(backend, lv_grid, 3)[-1]  # other injections: other results
    assert not np.array_equal(later.i_line_from_ka, i_first)
    assert first.i_line_from_ka.tobytes() == i_first.tobytes()
    angles = np.rad2deg(np.angle(v_first)) + backend._va_ref
    assert first.va_deg.tobytes() == angles.tobytes()  # read only now, after the next solve
    assert first.va_deg is first.va_deg  # computed once


def _newton_only(backend: LightSimBackend) -> LightSimBackend:
    """``backend`` refactorising every iteration (lightsim2grid's default Newton)."""
    backend._chord = backend._newton
    backend._ls.set_ac_algo_config(backend._newton)
    return backend


def test_chord_power_flow_lands_where_full_newton_does(lv_grid) -> None:
    chord, newton = LightSimBackend(lv_grid), _newton_only(LightSimBackend(lv_grid))
    assert chord._ls.get_ac_algo_config().int_params[1] != newton._newton.int_params[1]
    for a, b in zip(_states(chord, lv_grid, 12), _states(newton, lv_grid, 12), strict=True):
        assert a.converged and b.converged
        np.testing.assert_allclose(a.vm_pu, b.vm_pu, rtol=0, atol=1e-7)
        np.testing.assert_allclose(a.line_loading_pct, b.line_loading_pct, rtol=0, atol=1e-5)
        assert a.losses_kw == pytest.approx(b.losses_kw, abs=1e-4)


def test_a_step_the_chord_method_cannot_finish_is_solved_by_full_newton(lv_grid) -> None:
    # three iterations: full Newton converges on these steps, the chord method needs more
    chord = LightSimBackend(lv_grid, max_iter=3)
    newton = _newton_only(LightSimBackend(lv_grid, max_iter=3))
    calls = []
    ac_pf = chord._ls.ac_pf
    chord._ls = _Spy(chord._ls, lambda *a: calls.append(a) or ac_pf(*a))
    states = _states(chord, lv_grid, 6)
    assert len(calls) > 6  # some steps were solved twice
    assert chord._ls.get_ac_algo_config().int_params == chord._chord.int_params  # restored
    for a, b in zip(states, _states(newton, lv_grid, 6), strict=True):
        assert a.converged and b.converged
        np.testing.assert_allclose(a.vm_pu, b.vm_pu, rtol=0, atol=1e-7)


class _Spy:
    """``target`` with its ``ac_pf`` replaced by ``ac_pf``."""

    def __init__(self, target: object, ac_pf: object) -> None:
        self._target, self.ac_pf = target, ac_pf

    def __getattr__(self, name: str) -> object:
        return getattr(self._target, name)

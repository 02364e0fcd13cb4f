"""The EVSE step's compiled loops agree bit for bit with the numpy expressions they replaced.

Each reference below is the numpy code the step ran before the loop was compiled
(``simulators.evse.charger_kernels``, ``loss_kernels``, ``map_kernels``); same
floating-point operations, so the results must be identical, signed zeros included, not
merely close: a run keeps its recorded datasets.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.evse import charger_kernels as kernels
from simulators.evse import map_kernels
from simulators.evse.losses import ChargerLosses

EDGE = [0.0, -0.0, 1.0, -1.0, 0.5, np.nan, np.inf, -np.inf, 1e-300, 5e-324]
N = st.integers(0, 12)


def _values(n: int, lo: float = -60.0, hi: float = 60.0) -> st.SearchStrategy[np.ndarray]:
    element = st.one_of(st.sampled_from(EDGE), st.floats(lo, hi))
    return st.lists(element, min_size=n, max_size=n).map(lambda v: np.array(v, dtype=float))


def _same(got: np.ndarray, want: np.ndarray) -> bool:
    """Equal values (NaN where NaN) and the same sign of every zero."""
    num = ~np.isnan(want)
    return (
        got.dtype == want.dtype
        and np.array_equal(got, want, equal_nan=True)
        and np.array_equal(np.signbit(got[num]), np.signbit(want[num]))
    )


@st.composite
def banks(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rated powers (n,) and charging, discharging loss coefficients (3, n) >= 0."""
    n = draw(N)
    rated = st.one_of(st.sampled_from([3.7, 11.0, 22.0, 1e-3]), st.floats(1e-3, 50.0))
    coeff = st.one_of(st.sampled_from([0.0, 0.015, 0.045, 1.0]), st.floats(0.0, 1.5))
    r = np.array(draw(st.lists(rated, min_size=n, max_size=n)), dtype=float)
    c_ch, c_dis = (
        np.array(draw(st.lists(coeff, min_size=3 * n, max_size=3 * n))).reshape(3, n) for _ in "cd"
    )
    return r, c_ch, c_dis


@st.composite
def ev_maps(draw: st.DrawFn, n: int) -> tuple[np.ndarray, int]:
    """The EV at each of ``n`` chargers (-1: free) among ``n_ev >= 1`` EVs."""
    n_ev = draw(st.integers(1, 12))
    ev_of = np.array(draw(st.lists(st.integers(-1, n_ev - 1), min_size=n, max_size=n)))
    return ev_of.astype(np.int64), n_ev


DT_H = st.one_of(st.sampled_from([0.25, 1.0 / 60.0, 1.0]), st.floats(1e-3, 2.0))


def _gather(values: np.ndarray, ev_of: np.ndarray, fill: float) -> np.ndarray:
    return np.where(ev_of >= 0, values[np.maximum(ev_of, 0)], fill)


def _loss_kw(p_abs, r, c):
    x = p_abs / r
    loss = r * (c[0] + c[1] * x + c[2] * x * x)
    return np.where(p_abs > 0, loss, 0.0)


def _battery_power_ref(p, r, c_ch, c_dis):
    p_abs = np.abs(p)
    charging = p > 0
    loss = np.where(charging, _loss_kw(p_abs, r, c_ch), _loss_kw(p_abs, r, c_dis))
    return np.where(charging, np.maximum(p - loss, 0.0), p - loss)


def _charging_ref(p, r, c_ch):  # the former fast path where no charger discharges
    x = p / r
    loss = r * (c_ch[0] + c_ch[1] * x + c_ch[2] * x * x)
    return np.where(p > 0, np.maximum(p - loss, 0.0), p)


@settings(max_examples=300, deadline=None)
@given(banks(), st.data())
def test_battery_power_is_the_numpy_loss_curve(bank, data) -> None:
    r, c_ch, c_dis = bank
    p = data.draw(_values(r.size))
    with np.errstate(all="ignore"):
        want = _battery_power_ref(p, r, c_ch, c_dis)
        got = ChargerLosses(r, c_ch, c_dis).battery_power(p)
        assert _same(got, want)
        charging = np.abs(p)  # no discharge: the former fast path gave the same bits
        got_charging = ChargerLosses(r, c_ch, c_dis).battery_power(charging)
        assert _same(got_charging, _charging_ref(charging, r, c_ch))


def _ac_power_for_battery_ref(b_kw, r, c):
    lin = 1.0 - c[1]
    lin2, a4, c0r = lin * lin, 4.0 * (c[2] / r), c[0] * r
    b = np.maximum(b_kw, 0.0)
    const = c0r + b
    disc = lin2 - a4 * const
    if not np.fmin.reduce(disc, initial=np.inf) < 0:
        p = 2.0 * const / (lin + np.sqrt(disc))
    else:
        p = 2.0 * const / (lin + np.sqrt(np.maximum(disc, 0.0)))
        p = np.where(disc < 0, np.inf, p)
    return np.where(b > 0, p, 0.0)


@settings(max_examples=300, deadline=None)
@given(banks(), DT_H, st.data())
def test_ac_power_for_need_is_the_numpy_root(bank, dt_h, data) -> None:
    r, c_ch, c_dis = bank
    ev_of, n_ev = data.draw(ev_maps(r.size))
    need = data.draw(_values(n_ev, hi=200.0))
    with np.errstate(all="ignore"):
        want = _ac_power_for_battery_ref(_gather(need, ev_of, 0.0) / dt_h, r, c_ch)
        got = ChargerLosses(r, c_ch, c_dis).ac_power_for_need(ev_of, need, dt_h)
    assert _same(got, want)


def _max_discharge_ref(ev_of, soc, soc_min, cap, dt_h, bidir, r, c):
    room = np.maximum(_gather(soc, ev_of, 0.0) - _gather(soc_min, ev_of, 1.0), 0.0)
    e_batt = room * _gather(cap, ev_of, 0.0) / dt_h
    lin = 1.0 + c[1]
    lin2, a4, c0r = lin * lin, 4.0 * (c[2] / r), c[0] * r
    b = np.maximum(e_batt, 0.0)
    rest = b - c0r
    disc = lin2 + a4 * np.maximum(rest, 0.0)
    p = np.maximum(2.0 * rest / (lin + np.sqrt(disc)), 0.0)
    return np.where(bidir, p, 0.0)


@settings(max_examples=300, deadline=None)
@given(banks(), DT_H, st.data())
def test_max_discharge_for_room_is_the_numpy_root(bank, dt_h, data) -> None:
    r, c_ch, c_dis = bank
    ev_of, n_ev = data.draw(ev_maps(r.size))
    soc, soc_min = (data.draw(_values(n_ev, -0.5, 1.5)) for _ in "sf")
    cap = data.draw(_values(n_ev, 0.0, 120.0))
    bidir = np.array(data.draw(st.lists(st.booleans(), min_size=r.size, max_size=r.size)), bool)
    with np.errstate(all="ignore"):
        want = _max_discharge_ref(ev_of, soc, soc_min, cap, dt_h, bidir, r, c_dis)
        got = ChargerLosses(r, c_ch, c_dis).max_discharge_for_room(
            ev_of, soc, soc_min, cap, dt_h=dt_h, bidirectional=bidir
        )
    assert _same(got, want)


def _draw_ref(cmd, ev_max, need_ac, dis_ac, has_ev):
    charge = np.minimum(np.maximum(cmd, 0.0), np.minimum(ev_max, need_ac))
    discharge = np.maximum(np.minimum(cmd, 0.0), -np.minimum(ev_max, dis_ac))
    return np.where(has_ev, charge + discharge, 0.0)


@st.composite
def pilots(draw: st.DrawFn) -> tuple[np.ndarray, ...]:
    """A command and caps, the EV's limits and which chargers have an EV (n,)."""
    n = draw(N)
    p, cap_ch, cap_dis, ev_max, need_ac, dis_ac = (draw(_values(n)) for _ in range(6))
    has_ev = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    return p, cap_ch, cap_dis, ev_max, need_ac, dis_ac, has_ev


@settings(max_examples=300, deadline=None)
@given(pilots())
def test_pilot_is_the_numpy_clip_and_draw(args) -> None:
    p, cap_ch, cap_dis, ev_max, need_ac, dis_ac, has_ev = args
    cmd = np.minimum(np.maximum(p, -cap_dis), cap_ch)
    with np.errstate(invalid="ignore"):  # inf + -inf: NaN, as in the loop
        want = _draw_ref(cmd, ev_max, need_ac, dis_ac, has_ev)
    got = np.empty(p.size)
    kernels.pilot(p, cap_ch, cap_dis, ev_max, need_ac, dis_ac, has_ev, got)
    assert _same(got, want)


@settings(max_examples=300, deadline=None)
@given(pilots())
def test_draw_is_the_numpy_draw(args) -> None:
    cmd, _, _, ev_max, need_ac, dis_ac, has_ev = args
    for arr in (cmd, ev_max):  # cached inputs arrive read-only: the same compiled loop
        arr.flags.writeable = False
    got = np.empty(cmd.size)
    kernels.draw(cmd, ev_max, need_ac, dis_ac, has_ev, got)
    with np.errstate(invalid="ignore"):
        assert _same(got, _draw_ref(cmd, ev_max, need_ac, dis_ac, has_ev))


def test_pilot_and_draw_keep_numpy_signed_zeros_and_nan_on_every_combination() -> None:
    """Every combination of signed zeros, +-1 and NaN: where numpy's maximum/minimum pick
    one of two equal zeros, the loops must pick the same."""
    grid = np.array(np.meshgrid(*[[-0.0, 0.0, 1.0, -1.0, np.nan]] * 6)).reshape(6, -1).copy()
    p, cap_ch, cap_dis, ev_max, need_ac, dis_ac = grid
    has_ev = np.ones(p.size, dtype=bool)
    got = np.empty(p.size)
    with np.errstate(invalid="ignore"):
        kernels.draw(p, ev_max, need_ac, dis_ac, has_ev, got)
        assert _same(got, _draw_ref(p, ev_max, need_ac, dis_ac, has_ev))
        kernels.pilot(p, cap_ch, cap_dis, ev_max, need_ac, dis_ac, has_ev, got)
        cmd = np.minimum(np.maximum(p, -cap_dis), cap_ch)
        assert _same(got, _draw_ref(cmd, ev_max, need_ac, dis_ac, has_ev))


def _map_evs_ref(key: np.ndarray, n: int) -> tuple[object, ...]:
    ev = np.flatnonzero(key >= 0)
    chg = key[ev]
    if chg.size and np.maximum.reduce(chg) >= n:
        return ("charger out of range", int(ev[np.argmax(chg >= n)]))
    ev_of = np.full(n, -1, dtype=np.int64)
    ev_of[chg] = ev
    has_ev = ev_of >= 0
    if np.flatnonzero(has_ev).size < chg.size:
        return ("shared charger",)
    return ev_of, has_ev


@settings(max_examples=300, deadline=None)
@given(N, st.data())
def test_map_evs_is_the_numpy_scatter_and_its_checks(n, data) -> None:
    distinct = data.draw(st.booleans())  # mostly valid maps, else any charger numbers
    chargers = st.integers(-3, n + 1)
    key = np.array(data.draw(st.lists(chargers, max_size=15, unique=distinct)), dtype=np.int64)
    want = _map_evs_ref(key, n)
    ev_of, has_ev = np.empty(n, dtype=np.int64), np.empty(n, dtype=bool)
    status = map_kernels.map_evs(key, ev_of, has_ev)
    if isinstance(want[0], str):  # an error: the first EV out of range, else -2
        assert status == (want[1] if want[0] == "charger out of range" else -2)
    else:
        assert status == -1
        assert np.array_equal(ev_of, want[0]) and np.array_equal(has_ev, want[1])

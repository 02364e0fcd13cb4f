"""The aggregator's compiled loops give the bits of the numpy code they replaced.

Each reference below is the numpy formulation the kernel replaced, kept as written. The
kernels must agree bit for bit (NaN where NaN, the same sign of every zero): a run with
the kernels keeps its recorded datasets. The inputs include the edge values a step sees:
unplugged EVs, zero and negative needs, unknown and past departures, zero efficiency,
NaN setpoints (uncontrolled) and NaN states.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controllers.aggregator.availability import (
    BaseShape,
    charger_availability,
    ev_bounds,
    even_rate_kw,
    zone_availability,
)
from controllers.aggregator.baseline import rule_profile_kw
from controllers.aggregator.fleet_forecast import availability_forecast
from controllers.aggregator.policy import (
    DEFAULT_EFFICIENCY,
    FleetObservation,
    charger_of,
    ev_power_kw,
    ev_steps,
    must_run_kw,
)
from cosim.errors import ModelError

EDGES = [0.0, -0.0, 1.0, -1.0, 0.25, np.nan, np.inf, 1e-300, 7.3]


@st.composite
def _values(draw: st.DrawFn, n: int, lo: float = -50.0, hi: float = 50.0) -> np.ndarray:
    """``n`` values uniform in [lo, hi) with full mantissas (whose products round), a few
    replaced by edge values."""
    out = np.random.default_rng(draw(st.integers(0, 2**32))).uniform(lo, hi, n)
    if n:
        edges = st.tuples(st.integers(0, n - 1), st.sampled_from(EDGES))
        for i, v in draw(st.lists(edges, max_size=max(n // 3, 1))):
            out[i] = v
    return out


def _flags(n: int, p_true: float) -> st.SearchStrategy[np.ndarray]:
    """``n`` booleans, each True with probability ``p_true``."""
    flag = st.integers(0, 99).map(lambda k: k < 100 * p_true)
    return st.lists(flag, min_size=n, max_size=n).map(lambda v: np.array(v, dtype=bool))


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal bit for bit, up to NaN payloads: values, NaN places and the signs of zeros."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind != "f":
        return bool(np.array_equal(a, b))
    zeros = a == 0.0
    return bool(
        np.array_equal(a, b, equal_nan=True)
        and np.array_equal(np.signbit(a[zeros]), np.signbit(b[zeros]))
    )


@st.composite
def fleets(draw: st.DrawFn) -> FleetObservation:
    n = draw(st.integers(0, 24))
    n_chg = draw(st.integers(1, 8))
    step_s = draw(st.one_of(st.sampled_from([900, 3600]), st.integers(1, 7200)))
    time_s = draw(st.integers(0, 10**6))
    # departures a few steps ahead (where the must-run floor binds), or unknown (-1)
    ahead = st.tuples(st.integers(-2, 12), st.integers(0, step_s - 1))
    dep = [
        -1 if a is None else max(time_s + a[0] * step_s + a[1], 0)
        for a in draw(st.lists(st.none() | ahead, min_size=n, max_size=n))
    ]
    obs = FleetObservation(
        time_s=time_s,
        step_s=step_s,
        plugged=draw(_flags(n, 0.75)),
        soc=draw(_values(n, -0.5, 1.5)),
        e_need_kwh=draw(_values(n)),
        e_capacity_kwh=draw(_values(n, 0.0, 100.0)),
        departure_s=np.array(dep, dtype=np.int64),
        p_max_kw=draw(_values(n, -5.0, 25.0)),
        soc_min=draw(_values(n, -0.5, 1.0)),
        soc_target=np.ones(n),
        opt_out=draw(_flags(n, 0.25)),
        charger_idx=np.array(
            draw(st.lists(st.integers(-1, n_chg - 1), min_size=n, max_size=n)), dtype=np.int64
        ),
        p_rated_kw=draw(_values(n_chg, 0.0, 25.0)),
        efficiency=draw(_values(n_chg, 0.0, 1.0)),
        bidirectional=draw(_flags(n_chg, 0.75)),
    )
    # needs near what full power in the later steps delivers, where the must-run floor and
    # the V2G room are neither zero nor capped at the power limit
    p_hi, eta, _ = _ev_power_ref(obs)
    later_steps = _ev_steps_ref(obs, 1) - 1 + draw(_values(n, -1.0, 1.0))
    near = draw(_flags(n, 0.75))
    need = np.where(near, p_hi * eta * obs.dt_h * later_steps, obs.e_need_kwh)
    return replace(obs, e_need_kwh=need)


def _fresh(obs: FleetObservation) -> FleetObservation:
    """The same observation with nothing memoised."""
    return FleetObservation(**{k: v for k, v in obs.__dict__.items() if k != "_memo"})


# ---------------------------------------------------------------- the numpy references
def _charger_of_ref(obs):
    idx = np.asarray(obs.charger_idx, dtype=np.int64)
    return np.where(obs.plugged & (idx >= 0), idx, -1)


def _ev_power_ref(obs):
    chg = _charger_of_ref(obs)
    at = chg >= 0
    p_hi = np.where(at, np.minimum(obs.p_max_kw, obs.p_rated_kw[chg]), 0.0)
    eta = np.where(at, obs.efficiency[chg], DEFAULT_EFFICIENCY)
    bidir = at & obs.bidirectional[chg]
    return np.maximum(p_hi, 0.0), eta, bidir


def _ev_steps_ref(obs, unknown_steps):
    steps = (np.asarray(obs.departure_s, dtype=np.int64) - int(obs.time_s)) // int(obs.step_s)
    steps = np.where(obs.departure_s < 0, int(unknown_steps), steps)
    return np.maximum(steps, 1, out=steps)


def _ev_bounds_ref(obs, v2g):
    p_hi, eta, bidir = _ev_power_ref(obs)
    at = _charger_of_ref(obs) >= 0
    ctrl = at & ~obs.opt_out
    dt = obs.dt_h
    eta_dt = eta * dt
    steps = _ev_steps_ref(obs, 1)
    need = np.where(at, np.maximum(obs.e_need_kwh, 0.0), 0.0)
    top = np.minimum(p_hi, need / eta_dt)
    later = p_hi * eta * dt * (steps - 1)
    floor = np.minimum(np.maximum(need - later, 0.0) / (eta * dt), p_hi)  # must_run_after_kw
    bottom = floor
    if v2g:
        spare = np.maximum(later - need, 0.0)
        above_min = np.maximum(obs.soc - obs.soc_min, 0.0) * obs.e_capacity_kwh
        g_max = np.minimum(p_hi, np.minimum(above_min, spare) * eta / dt)
        bottom = np.where(ctrl & bidir & (floor <= 0.0), -g_max, floor)
    even = np.maximum(need / (eta_dt * steps), floor)
    return at, ctrl, top, np.minimum(bottom, top), even


def _charger_availability_ref(obs, p_set_kw, v2g):
    _, ctrl, unc, bottom_kw, _ = _ev_bounds_ref(obs, v2g)
    chg = _charger_of_ref(obs)
    p_set = np.asarray(p_set_kw, dtype=float)[chg]
    base = np.where(ctrl & np.isfinite(p_set), p_set, unc)
    up = np.where(ctrl, np.maximum(unc - base, 0.0), 0.0)
    down = np.where(ctrl, np.maximum(base - bottom_kw, 0.0), 0.0)
    bins, n = chg + 1, obs.n_chargers + 1
    # float: numpy's bincount of no EVs at all gives int64 zeros, the kernel float zeros
    return [np.bincount(bins, weights=w, minlength=n)[1:].astype(float) for w in (base, up, down)]


def _forecast_ref(obs, horizon, shape, v2g, zone_of_charger, n_zone):
    _, ctrl, *_ = _ev_bounds_ref(obs, v2g)
    ev = np.flatnonzero(ctrl)
    p_all, eta_all, bidir_all = _ev_power_ref(obs)
    p_hi, eta, bidir = p_all[ev], eta_all[ev], bidir_all[ev]
    dt = obs.dt_h
    steps = _ev_steps_ref(obs, 1)[ev]
    need0 = np.maximum(obs.e_need_kwh[ev], 0.0)
    if shape is BaseShape.ASAP:
        allowed = np.ones(horizon, dtype=bool)
        base = rule_profile_kw(need0, p_hi, eta, steps, allowed=allowed, dt_h=dt)
    else:
        rate = even_rate_kw(need0, eta, steps, dt)
        base = np.where(np.arange(horizon)[None, :] < steps[:, None], rate[:, None], 0.0)
    k = np.arange(horizon)[None, :]
    charged = np.cumsum(base, axis=1) - base
    charged_kwh = charged * eta[:, None] * dt
    need_k = np.maximum(need0[:, None] - charged_kwh, 0.0)
    left = steps[:, None] - k
    live = left > 0
    top = np.minimum(p_hi[:, None], need_k / (eta[:, None] * dt))
    floor = must_run_kw(need_k, p_hi[:, None], eta[:, None], np.maximum(left, 1), dt)
    bottom = floor
    if v2g:
        spare = np.maximum(p_hi[:, None] * eta[:, None] * dt * (left - 1) - need_k, 0.0)
        above = np.maximum(obs.soc[ev] - obs.soc_min[ev], 0.0) * obs.e_capacity_kwh[ev]
        above_k = above[:, None] + charged_kwh
        g_max = np.minimum(p_hi[:, None], np.minimum(above_k, spare) * eta[:, None] / dt)
        bottom = np.where(bidir[:, None] & (floor <= 0.0), -g_max, floor)
    bottom = np.minimum(bottom, top)
    up = np.where(live, np.maximum(top - base, 0.0), 0.0)
    down = np.where(live, np.maximum(base - bottom, 0.0), 0.0)
    zone_ev = zone_of_charger[obs.charger_idx[ev]]
    inzone = zone_ev >= 0
    bins = (zone_ev[inzone][:, None] * horizon + np.arange(horizon)).reshape(-1)
    # float: numpy's bincount of no EVs at all gives int64 zeros, the kernel float zeros
    return [
        np.bincount(bins, weights=v[inzone].reshape(-1), minlength=n_zone * horizon)
        .reshape(n_zone, horizon)
        .astype(float)
        for v in (np.where(live, base, 0.0), up, down)
    ]


# ---------------------------------------------------------------- the kernels
@settings(max_examples=500, deadline=None)
@given(fleets())
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_fleet_bounds_equal_numpy(obs: FleetObservation) -> None:
    for v2g in (False, True):
        b = ev_bounds(obs, v2g=v2g)
        got = (b.at, b.ctrl, b.p_top_kw, b.p_bottom_kw, b.p_even_kw)
        ref = _ev_bounds_ref(obs, v2g)
        for name, g, r in zip(("at", "ctrl", "top", "bottom", "even"), got, ref, strict=True):
            assert _same(g, r), (name, v2g)
        assert b.p_unc_kw is b.p_top_kw
    # the helpers' results that came with the bounds are theirs
    assert _same(charger_of(obs), _charger_of_ref(obs))
    for g, r in zip(ev_power_kw(obs), _ev_power_ref(obs), strict=True):
        assert _same(g, r)
    assert _same(ev_steps(obs, unknown_steps=1), _ev_steps_ref(obs, 1))


@settings(max_examples=400, deadline=None)
@given(fleets(), st.booleans(), st.data())
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_charger_sums_equal_numpy(obs: FleetObservation, v2g: bool, data: st.DataObject) -> None:
    p_set = data.draw(_values(obs.n_chargers, -25.0, 25.0))
    av = charger_availability(obs, p_set, v2g=v2g)
    got = (av.p_base_kw, av.p_up_kw, av.p_down_kw)
    ref = _charger_availability_ref(_fresh(obs), p_set, v2g)
    for name, g, r in zip(("base", "up", "down"), got, ref, strict=True):
        assert _same(g, r), name


def test_a_charger_beyond_the_bank_is_named() -> None:
    obs = FleetObservation(
        time_s=0,
        step_s=900,
        plugged=np.array([True, True]),
        soc=np.zeros(2),
        e_need_kwh=np.ones(2),
        e_capacity_kwh=np.full(2, 50.0),
        departure_s=np.full(2, 3600, dtype=np.int64),
        p_max_kw=np.full(2, 11.0),
        soc_min=np.zeros(2),
        soc_target=np.ones(2),
        opt_out=np.zeros(2, dtype=bool),
        charger_idx=np.array([0, 5], dtype=np.int64),
        p_rated_kw=np.full(2, 11.0),
        efficiency=np.full(2, 0.9),
        bidirectional=np.zeros(2, dtype=bool),
    )
    with pytest.raises(ModelError, match="EV 1 uses charger 5 but only 2 chargers"):
        ev_bounds(obs, v2g=False)


@settings(max_examples=300, deadline=None)
@given(fleets(), st.data())
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_forecast_sums_equal_numpy(obs: FleetObservation, data: st.DataObject) -> None:
    horizon = data.draw(st.integers(1, 20))
    n_zone = data.draw(st.integers(1, 3))
    zones = st.lists(st.integers(-1, n_zone - 1), min_size=obs.n_chargers, max_size=obs.n_chargers)
    zone_of_charger = np.array(data.draw(zones), dtype=np.int64)
    for shape in BaseShape:
        for v2g in (False, True):
            kw = {"horizon": horizon, "shape": shape, "v2g": v2g}
            fc = availability_forecast(obs, **kw, zone_of_charger=zone_of_charger, n_zone=n_zone)
            got = (fc.p_base_kw, fc.p_up_kw, fc.p_down_kw)
            ref = _forecast_ref(_fresh(obs), horizon, shape, v2g, zone_of_charger, n_zone)
            for name, g, r in zip(("base", "up", "down"), got, ref, strict=True):
                assert _same(g, r), (name, shape, v2g)


def _large_fleet(
    seed: int, *, step_s: int, time_s: int
) -> tuple[FleetObservation, np.ndarray, np.ndarray]:
    """300 V2G EVs at 300 chargers with realistic values, their zones and setpoints (half
    of them NaN: uncontrolled)."""
    rng = np.random.default_rng(seed)
    n = 300
    cap = rng.uniform(30.0, 80.0, n)
    soc_min = rng.uniform(0.0, 0.3, n)
    steps = rng.integers(1, 40, n)
    obs = FleetObservation(
        time_s=time_s,
        step_s=step_s,
        plugged=rng.random(n) < 0.9,
        soc=soc_min + rng.uniform(0.0, 0.3, n),
        e_need_kwh=rng.uniform(0.0, 1.0, n) * 0.92 * 0.25 * 11.0 * steps,
        e_capacity_kwh=cap,
        departure_s=time_s + steps * step_s + rng.integers(0, step_s, n),
        p_max_kw=rng.uniform(3.7, 22.0, n),
        soc_min=soc_min,
        soc_target=np.ones(n),
        opt_out=rng.random(n) < 0.1,
        charger_idx=rng.permutation(n),
        p_rated_kw=rng.choice([7.4, 11.0, 22.0], n),
        efficiency=rng.uniform(0.85, 0.95, n),
        bidirectional=rng.random(n) < 0.8,
    )
    zone_of_charger = rng.integers(-1, 3, n)
    p_set = np.where(rng.random(n) < 0.5, rng.uniform(-11.0, 11.0, n), np.nan)
    return obs, zone_of_charger, p_set


@pytest.mark.parametrize("seed", range(5))
def test_kernels_equal_numpy_on_a_large_fleet(seed: int) -> None:
    """Hundreds of V2G EVs with realistic values: every rounding path is taken often
    (600-s steps: dt_h = 1/6, so products with it round)."""
    obs, zone_of_charger, p_set = _large_fleet(seed, step_s=600, time_s=86_400)
    for v2g in (False, True):
        b = ev_bounds(obs, v2g=v2g)
        got = (b.at, b.ctrl, b.p_top_kw, b.p_bottom_kw, b.p_even_kw)
        assert all(_same(g, r) for g, r in zip(got, _ev_bounds_ref(obs, v2g), strict=True))
        av = charger_availability(obs, p_set, v2g=v2g)
        got = (av.p_base_kw, av.p_up_kw, av.p_down_kw)
        ref = _charger_availability_ref(_fresh(obs), p_set, v2g)
        assert all(_same(g, r) for g, r in zip(got, ref, strict=True))
        for shape in BaseShape:
            kw = {"horizon": 16, "shape": shape, "v2g": v2g}
            fc = availability_forecast(obs, **kw, zone_of_charger=zone_of_charger, n_zone=3)
            got = (fc.p_base_kw, fc.p_up_kw, fc.p_down_kw)
            ref = _forecast_ref(_fresh(obs), 16, shape, v2g, zone_of_charger, 3)
            assert all(_same(g, r) for g, r in zip(got, ref, strict=True)), (shape, v2g)


def _zone_availability_ref(obs, p_set_kw, v2g, zone_of_charger, n_zone):
    """The services' numpy: per-zone sums as ``FleetServices._zone_sum``, the room and its
    total as ``fcr.band_share``."""
    base, up, down = _charger_availability_ref(obs, p_set_kw, v2g)
    bins = np.asarray(zone_of_charger, dtype=np.int64) + 1
    zone = [np.bincount(bins, weights=w, minlength=n_zone + 1)[1:] for w in (base, down)]
    room = np.maximum(np.minimum(up, down), 0.0)
    return [base, up, down, *zone, room, np.float64(np.add.reduce(room))]


def _zone_availability_got(obs, p_set_kw, v2g, zone_of_charger, n_zone):
    z = zone_availability(obs, p_set_kw, v2g=v2g, zone_of_charger=zone_of_charger, n_zone=n_zone)
    c = z.chargers
    total = np.float64(z.room_total_kw)
    return [c.p_base_kw, c.p_up_kw, c.p_down_kw, z.p_base_kw, z.p_down_kw, z.room_kw, total]


_ZONE_FIELDS = ("base", "up", "down", "zone base", "zone down", "room", "room total")


@settings(max_examples=300, deadline=None)
@given(fleets(), st.booleans(), st.data())
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_zone_sums_equal_numpy(obs: FleetObservation, v2g: bool, data: st.DataObject) -> None:
    p_set = data.draw(_values(obs.n_chargers, -25.0, 25.0))
    n_zone = data.draw(st.integers(1, 3))
    zones = st.lists(st.integers(-1, n_zone - 1), min_size=obs.n_chargers, max_size=obs.n_chargers)
    zone_of_charger = np.array(data.draw(zones), dtype=np.int64)
    got = _zone_availability_got(obs, p_set, v2g, zone_of_charger, n_zone)
    ref = _zone_availability_ref(_fresh(obs), p_set, v2g, zone_of_charger, n_zone)
    for name, g, r in zip(_ZONE_FIELDS, got, ref, strict=True):
        assert _same(g, r), name


@pytest.mark.parametrize("seed", range(5))
def test_zone_sums_equal_numpy_on_a_large_bank(seed: int) -> None:
    """300 chargers: the room total takes numpy's pairwise path (blocks of 8, unrolled)."""
    obs, zone_of_charger, p_set = _large_fleet(seed, step_s=900, time_s=3_600)
    for v2g in (False, True):
        got = _zone_availability_got(obs, p_set, v2g, zone_of_charger, 3)
        ref = _zone_availability_ref(_fresh(obs), p_set, v2g, zone_of_charger, 3)
        for name, g, r in zip(_ZONE_FIELDS, got, ref, strict=True):
            assert _same(g, r), (name, v2g)

"""The fleet's and charger bank's per-step shortcuts give the plain result, bit for bit.

Each shortcut (per-segment sums over the contributing EVs only and kept between steps,
trips due found by binary search, the next trip looked up in one week first, indexed
battery-wear updates, the charger bank's cached EV mapping) is checked against the plain
computation on random inputs. The fleet's outputs are read-only and never change after
they were handed out: a consumer keeping them sees what it was given.
"""

from __future__ import annotations

import copy
import importlib

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from cosim.seeding import generator
from simulators.ev_fleet.ageing_params import AgeingParams
from simulators.ev_fleet.due import DueTrips
from simulators.ev_fleet.flex import SegmentState, flexibility_band, per_segment
from simulators.ev_fleet.mixed import MixedFleet
from simulators.ev_fleet.outputs import FleetState, readonly
from simulators.ev_fleet.schedule import WeekPlan, _next_trip
from simulators.ev_fleet.segment_sums import SegmentSums
from simulators.ev_fleet.segments import make_segment
from simulators.ev_fleet.wear import FleetWear
from simulators.evse import EVSEModel, EVSEParams

STEP_S = 900
# modules (the package's ``efficiency`` is a function of the same name)
evse_efficiency = importlib.import_module("simulators.evse.efficiency")
ev_map = importlib.import_module("simulators.evse.ev_map")


def plain_segment_state(
    state: FleetState, segment_idx: NDArray[np.int64], n_seg: int, step_s: int
) -> SegmentState:
    """Per-segment outputs of ``state``, computed over every EV in numpy (the definition
    :class:`SegmentSums` compiles)."""
    hi, lo = flexibility_band(
        plugged=state.plugged,
        e_need_kwh=state.e_need_kwh,
        e_room_kwh=(1.0 - state.soc) * state.e_capacity_kwh,
        p_max_kw=state.p_max_kw,
        departure_s=state.departure_s,
        opt_out=state.opt_out,
        time_s=state.time_s,
        step_s=step_s,
    )
    idx, n = segment_idx, n_seg
    return SegmentState(
        n_plugins=per_segment(state.plugin_event, idx, n),
        n_plugged=per_segment(state.plugged, idx, n),
        p_flex_max_kw=per_segment(hi, idx, n),
        p_flex_min_kw=per_segment(lo, idx, n),
        e_flex_need_kwh=per_segment(state.e_need_kwh, idx, n),
    )


def _next_trip_all(
    plans: list[WeekPlan], idx: NDArray[np.intp], after_s: int
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """``schedule._next_trip`` in numpy over every week at once (its definition)."""
    dep = np.concatenate([pl.dep_s[idx] for pl in plans], axis=1)
    trip = np.concatenate([pl.trip[idx] for pl in plans], axis=1)
    km = np.concatenate([pl.km[idx] for pl in plans], axis=1)
    valid = trip & (dep >= after_s)
    first = np.argmax(valid, axis=1)
    rows = np.arange(len(idx))
    found = valid[rows, first]
    dep_next = np.where(found, dep[rows, first], -1).astype(np.int64)
    km_next = np.where(found, km[rows, first], 0.0)
    return dep_next, km_next


def _bits(a: np.ndarray) -> tuple[str, tuple[int, ...], bytes]:
    return a.dtype.str, a.shape, a.tobytes()


def _same_bits(a: object, b: object) -> bool:
    fields = a.__dataclass_fields__  # type: ignore[attr-defined]
    return all(_bits(np.asarray(getattr(a, f))) == _bits(np.asarray(getattr(b, f))) for f in fields)


@st.composite
def fleet_states(draw: st.DrawFn) -> tuple[FleetState, np.ndarray, int]:
    """A random fleet state (read-only arrays, as the fleet hands them out)."""
    n = draw(st.integers(1, 40))
    n_seg = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    seg = np.sort(rng.integers(0, n_seg, n))
    plugged = rng.random(n) < draw(st.floats(0.0, 1.0))
    soc = np.round(rng.random(n), draw(st.integers(1, 3)))  # ties and exact 0 / 1
    target = np.where(rng.random(n) < 0.5, 0.9, 1.0)
    cap = rng.choice([40.0, 60.0, 77.0], n)
    need = np.where(plugged, np.maximum(target - soc, 0.0) * cap, 0.0)
    if draw(st.booleans()):  # a need on an unplugged EV: the sums take every EV
        need = need + np.where(rng.random(n) < 0.2, 1.0, 0.0)
    p_max = rng.choice(draw(st.sampled_from([(7.4, 11.0), (11.0, 0.0), (3.7, np.inf)])), n)
    time_s = int(draw(st.integers(0, 7 * 86400)))
    dep = np.where(plugged, time_s + rng.integers(0, 20 * 3600, n), -1)
    arrays = {
        "plugged": plugged,
        "soc": soc,
        "e_need_kwh": need,
        "e_capacity_kwh": cap,
        "departure_s": dep.astype(np.int64),
        "p_max_kw": p_max,
        "soc_min": np.full(n, 0.2),
        "soc_target": target,
        "charger_idx": np.where(plugged, np.arange(n), -1),
        "e_unserved_kwh": np.zeros(n),
        "e_trip_kwh": np.zeros(n),
        "e_trip_unmet_kwh": np.zeros(n),
        "opt_out": plugged & (rng.random(n) < draw(st.sampled_from([0.0, 0.3]))),
        "capacity_fade": np.zeros(n),
        "plugin_event": plugged & (rng.random(n) < 0.3),
    }
    state = FleetState(time_s=time_s, **{k: readonly(v) for k, v in arrays.items()})
    return state, seg, n_seg


@settings(max_examples=150, deadline=None)
@given(fleet_states(), st.lists(st.integers(0, 6 * 3600), min_size=1, max_size=4))
def test_segment_sums_are_the_plain_sums(
    case: tuple[FleetState, np.ndarray, int], later_s: list[int]
) -> None:
    state, seg, n_seg = case
    sums = SegmentSums(seg, n_seg, STEP_S)
    # the same arrays at later times: the kept sums and the lower edge of each time
    for dt in [0, *sorted(later_s)]:
        s = copy.copy(state)
        object.__setattr__(s, "time_s", state.time_s + dt)
        with np.errstate(invalid="ignore"):  # p_max_kw = inf: 0 x inf in the plain band
            assert _same_bits(sums(s), plain_segment_state(s, seg, n_seg, STEP_S))


@st.composite
def week_plans(draw: st.DrawFn) -> tuple[WeekPlan, WeekPlan, WeekPlan]:
    n = draw(st.integers(1, 30))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    plans = []
    for w in range(3):
        day0 = w * 7 * 86400 + 86400 * np.arange(7)
        dep = day0 + rng.integers(3, 12, (n, 7)) * 3600 + rng.choice([0, 900, 1800], (n, 7))
        plans.append(
            WeekPlan(
                trip=rng.random((n, 7)) < draw(st.floats(0.0, 1.0)),
                dep_s=dep.astype(np.int64),
                ret_s=(dep + rng.integers(1, 10, (n, 7)) * 3600).astype(np.int64),
                km=rng.random((n, 7)) * 50.0,
            )
        )
    return plans[0], plans[1], plans[2]


@settings(max_examples=150, deadline=None)
@given(week_plans(), st.integers(0, 6), st.integers(0, 86400), st.sampled_from([900, 3 * 3600]))
def test_due_trips_are_the_masked_trips(
    plans: tuple[WeekPlan, ...], day: int, t_in_day: int, step_s: int
) -> None:
    plan = plans[0]
    t0 = day * 86400 + t_in_day
    t1 = t0 + step_s
    due = DueTrips()
    for _ in range(2):  # computed, then from the kept sorted times
        dep, ret = due(plan, day, t0, t1)
        trip, d, r = plan.trip[:, day], plan.dep_s[:, day], plan.ret_s[:, day]
        assert np.array_equal(dep, np.flatnonzero(trip & (d >= t0) & (d < t1)))
        assert np.array_equal(ret, np.flatnonzero(trip & (r >= t0) & (r < t1)))


@settings(max_examples=150, deadline=None)
@given(week_plans(), st.integers(0, 7 * 86400), st.integers(0, 2**16))
def test_next_trip_in_the_first_week_is_the_three_week_search(
    plans: tuple[WeekPlan, ...], after_s: int, pick: int
) -> None:
    n = plans[0].trip.shape[0]
    idx = np.flatnonzero(np.random.default_rng(pick).random(n) < 0.6)
    fast, plain = _next_trip(list(plans), idx, after_s), _next_trip_all(list(plans), idx, after_s)
    assert all(_bits(a) == _bits(b) for a, b in zip(fast, plain, strict=True))


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 30), st.integers(0, 2**32 - 1))
def test_indexed_wear_update_is_the_full_update(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    soc0 = rng.random(n)
    full = FleetWear(np.full(n, 60.0), AgeingParams(), soc0=soc0)
    part = copy.deepcopy(full)
    soc = soc0.copy()
    for _ in range(4):  # SoC moves through charging (accumulate) and trips (add_energy)
        charged = np.minimum(soc + rng.random(n) * 0.1 * (rng.random(n) < 0.5), 1.0)
        e_abs = (charged - soc) * 60
        on = np.flatnonzero(e_abs)
        step = {"soc_before": soc, "soc_after": charged, "dt_s": 900.0, "temp_c": 20.0}
        full.accumulate(e_abs_kwh=e_abs, **step)
        part.accumulate(e_abs_kwh=e_abs[on], idx=on, **step)
        soc = charged
        idx = np.flatnonzero(rng.random(n) < 0.4)
        taken = rng.random(idx.size) * 5.0
        soc = soc.copy()
        soc[idx] = np.maximum(soc[idx] - taken / 60.0, 0.0)
        e_full = np.zeros(n)
        e_full[idx] = taken
        full.add_energy(e_full, soc)
        part.add_energy(taken, soc, idx=idx)
        for name in ("_soc_dt", "_e_kwh", "_c_dt", "_t_flow", "_soc_lo", "_soc_hi"):
            assert _bits(getattr(full, name)) == _bits(getattr(part, name))


def _fleet(seed: int, n_public: int) -> MixedFleet:
    segments = [make_segment("home_commuter", 12), make_segment("workplace", 5)]
    return MixedFleet(segments, generator(seed), n_public=n_public, step_s=STEP_S)


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 2**16), st.sampled_from([0, 4]))
def test_handed_out_arrays_never_change_and_the_bank_reads_them_as_copies(
    seed: int, n_public: int
) -> None:
    """Two days of fleet + bank: every output kept stays as given; a bank fed writable
    copies (no caches) decides the same powers as one fed the fleet's own arrays."""
    fleet = _fleet(seed, n_public)
    n = fleet.n_ev
    bank, plain_bank = (EVSEModel(EVSEParams(bus_id=np.zeros(n, int)), step_s=STEP_S) for _ in "ab")
    p_batt = np.zeros(n)
    kept: list[tuple[object, object]] = []
    for t in range(0, 2 * 86400, STEP_S):
        state, seg = fleet.step(t, p_batt)
        for arr in (*state.__dict__.values(), *seg.__dict__.values()):
            assert not isinstance(arr, np.ndarray) or not arr.flags.writeable
        kept.append((state, copy.deepcopy(state)))
        kept.append((seg, copy.deepcopy(seg)))
        ev = {k: getattr(state, k) for k in ("plugged", "e_need_kwh", "p_max_kw", "charger_idx")}
        out = bank.step(t, **ev)
        plain = plain_bank.step(t, **{k: np.array(v, copy=True) for k, v in ev.items()})
        assert _same_bits(out, plain)
        p_batt = out.p_batt_kw
    for given_, snapshot in kept:
        assert _same_bits(given_, snapshot)


@settings(max_examples=4, deadline=None)
@given(st.integers(0, 2**16))
def test_a_large_bank_reading_connected_evs_only_decides_as_the_full_bank(seed: int) -> None:
    fleet = MixedFleet([make_segment("home_commuter", 300)], generator(seed), step_s=STEP_S)
    params = EVSEParams(bus_id=np.zeros(fleet.n_ev, int))
    sparse = EVSEModel(params, step_s=STEP_S)
    saved = evse_efficiency.SPARSE_MIN
    try:  # the same bank computing over all chargers
        evse_efficiency.SPARSE_MIN = ev_map.SPARSE_MIN = 10**9
        full = EVSEModel(params, step_s=STEP_S)
    finally:
        evse_efficiency.SPARSE_MIN = ev_map.SPARSE_MIN = saved
    assert sparse._map.sparse and not full._map.sparse
    p_batt = np.zeros(fleet.n_ev)
    for t in range(0, 86400, STEP_S):
        state, _ = fleet.step(t, p_batt)
        ev = {k: getattr(state, k) for k in ("plugged", "e_need_kwh", "p_max_kw", "charger_idx")}
        out = sparse.step(t, **ev)
        assert _same_bits(out, full.step(t, **ev))
        p_batt = out.p_batt_kw

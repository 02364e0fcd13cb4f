"""The fleet's fused departure and return give the bits of the numpy code they replaced.

``event_kernels.leave``: unplugging at a departure and the trip's distance
(``events._depart``); ``event_kernels.arrive``: a return's unplugging at the destination,
the trip energy, the battery's throughput, the next trip in three week plans and the
plug-in odds (``events._arrive`` up to the drivers' draws). Each reference is the numpy
formulation of the code before (the expressions of ``test_ev_fleet_event_kernels`` and
``FleetWear.add_energy``); the fleets are those of ``test_ev_fleet_kernels.py`` (NaN, 0.0,
-0.0 and zero capacities included).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.ev_fleet.event_kernels import arrive, leave
from tests.property.test_ev_fleet_kernels import _same, fleets


def _unplug_plain(idx, target, soc, cap, plugged, opt_out, unserved) -> None:
    """``events._unplug`` in numpy, in place."""
    was = idx[plugged[idx]]
    unserved[was] += np.maximum(target[was] - soc[was], 0.0) * cap[was]
    plugged[idx] = False
    opt_out[idx] = False


@settings(max_examples=200, deadline=None)
@given(fleets(), st.integers(0, 6), st.integers(0, 2**32 - 1))
def test_leave_is_the_numpy_departure(f: dict[str, np.ndarray], day: int, seed: int) -> None:
    idx, n = f["idx"], f["soc"].size
    plan_km = np.random.default_rng(seed).random((n, 7)) * 80.0
    state = [f["plugged"].copy(), f["opt_out"].copy(), f["totals"].copy()]
    state += [np.ones(n, dtype=bool), f["trip_km"].copy()]
    plain = [a.copy() for a in state]
    args = (f["soc_target"], f["soc"], f["capacity"])
    leave(idx, f["dest"], plan_km, day, *args, *state)
    # numpy (events._depart before the kernel)
    plugged, opt_out, unserved, home, trip_km = plain
    with np.errstate(all="ignore"):
        _unplug_plain(idx[~f["dest"][idx]], *args, plugged, opt_out, unserved)
    home[idx] = False
    trip_km[idx] = plan_km[:, day][idx]
    assert all(_same(a, b) for a, b in zip(state, plain, strict=True))


def _plans(n: int, rng: np.random.Generator) -> list[tuple[np.ndarray, ...]]:
    """Three week plans (trip, dep_s, km; (n, 7)): trips maybe none, departures spread
    over three weeks (as test_ev_fleet_event_kernels' first_trip test draws them)."""
    plans = []
    for w in range(3):
        day0 = w * 7 * 86400 + 86400 * np.arange(7)
        trip = rng.random((n, 7)) < rng.choice([0.0, 0.1, 0.9])
        dep_s = (day0 + rng.integers(0, 86400, (n, 7))).astype(np.int64)
        plans.append((trip, dep_s, rng.random((n, 7)) * 80.0))
    return plans


def _next_trip_plain(plans, idx, after_s):
    """The first trip at or after ``after_s`` of EVs ``idx`` in the weeks side by side
    (test_fleet_step_equivalence._next_trip_all): departure (-1: none) and km (0)."""
    dep = np.concatenate([d[idx] for _, d, _ in plans], axis=1)
    trip = np.concatenate([t[idx] for t, _, _ in plans], axis=1)
    km = np.concatenate([k[idx] for _, _, k in plans], axis=1)
    valid = trip & (dep >= after_s)
    first = np.argmax(valid, axis=1)
    rows = np.arange(idx.size)
    hit = valid[rows, first]
    return np.where(hit, dep[rows, first], -1), np.where(hit, km[rows, first], 0.0)


def _arrive_plain(f, factor, worn, stress, at_base, km, state):
    """``events._arrive`` up to the draws, in numpy, on ``state`` (in place), the next
    trips' distances ``km`` given; returns the plug-in odds ``soc_min, ratio, alpha``."""
    idx, dest, soc, cap, cons = f["idx"], f["dest"], f["soc"], f["capacity"], f["consumption"]
    soc_out, e_total, e_trip, unmet, unserved, plugged, opt_out, home, trip_km, next_km = state
    _unplug_plain(idx[dest[idx]], f["soc_target"], soc, cap, plugged, opt_out, unserved)
    share = np.where(dest[idx], 0.5, 1.0)  # events._take_trip
    need = share * trip_km[idx] * (cons[idx] * factor)
    taken = np.minimum(need, soc[idx] * cap[idx])
    soc_out[idx] = np.maximum(soc[idx] - taken / cap[idx], 0.0)
    e_total[idx] += taken
    e_trip[idx] += taken
    unmet[idx] += need - taken
    if worn:  # FleetWear.add_energy(taken, soc_out, idx=idx)
        _, e_kwh, _, _, soc_lo, soc_hi = stress
        e_kwh[idx] += taken
        soc_lo[idx] = np.minimum(soc_lo[idx], soc_out[idx])
        soc_hi[idx] = np.maximum(soc_hi[idx], soc_out[idx])
    home[idx] = True
    trip_km[idx] = 0.0
    next_km[at_base] = km
    e_next = km * cons[at_base] * factor  # events._decide's plug_odds
    smin = f["rho"][at_base] * e_next / cap[at_base]
    span = np.maximum(1.0 - smin, 1e-12)
    x = (soc_out[at_base] - smin) / span
    np.maximum(0.0, x, out=x)
    return smin, np.minimum(1.0, x, out=x), f["alpha"][at_base]


@settings(max_examples=200, deadline=None)
@given(
    fleets(), st.floats(0.7, 1.6), st.booleans(), st.integers(0, 2**32 - 1),
    st.integers(0, 3 * 7 * 86400),
)  # fmt: skip
def test_arrive_is_the_numpy_return_up_to_the_draws(
    f: dict[str, np.ndarray], factor: float, worn: bool, seed: int, after_s: int
) -> None:
    idx, n = f["idx"], f["soc"].size
    rng = np.random.default_rng(seed)
    at_base = idx[~f["dest"][idx]]
    plans = _plans(n, rng)
    stress = rng.random((6, n)) if worn else np.empty((6, 0))  # FleetWear.stress_rows
    state = [f["soc"].copy(), f["totals"].copy(), f["totals"] * 0.5, f["totals"] * 0.25]
    state += [f["totals"] * 0.125, f["plugged"].copy(), f["opt_out"].copy()]
    state += [np.zeros(n, dtype=bool), f["trip_km"].copy(), rng.random(n)]
    plain, plain_stress = [a.copy() for a in state], tuple(a.copy() for a in stress)
    dep = rng.integers(-5, 5, at_base.size)  # overwritten
    odds = (np.empty(at_base.size), np.empty(at_base.size), np.empty(at_base.size))
    with np.errstate(all="ignore"):
        arrive(
            idx, f["dest"], f["soc_target"], f["consumption"], factor, f["capacity"],
            f["soc"], *state, worn, stress, at_base, *(a for p in plans for a in p), after_s,
            dep, f["rho"], f["alpha"], *odds,
        )  # fmt: skip
        want_dep, km = _next_trip_plain(plans, at_base, after_s)
        want = _arrive_plain(f, factor, worn, plain_stress, at_base, km, plain)
    assert np.array_equal(dep, want_dep)
    assert all(_same(a, b) for a, b in zip(state, plain, strict=True))
    assert all(_same(a, b) for a, b in zip(stress, plain_stress, strict=True))
    assert all(_same(a, b) for a, b in zip(odds, want, strict=True))

"""The fleet's compiled trip events give the bits of the numpy code they replaced.

``simulators/ev_fleet/schedule_kernels.py``: the first trip after a time;
``event_kernels.py``: unplugging at a departure, the trip's energy; ``plug_kernels.py``:
the plug-in decision (the random draws stay numpy
calls in the same order). Each test keeps the numpy formulation it compares with; the
fleets and helpers are those of ``test_ev_fleet_kernels.py``.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.ev_fleet.event_kernels import take_trip, unplug
from simulators.ev_fleet.plug_kernels import plug_in, plug_odds
from simulators.ev_fleet.schedule_kernels import first_trip
from tests.property.test_ev_fleet_kernels import _same, fleets


@settings(max_examples=200, deadline=None)
@given(fleets(), st.integers(0, 3 * 7 * 86400), st.integers(1, 3))
def test_first_trip_is_the_numpy_search(f: dict[str, np.ndarray], after_s: int, weeks: int) -> None:
    n, idx = f["soc"].size, f["idx"]
    rng = np.random.default_rng(after_s)
    plans = []
    for w in range(weeks):  # trips (maybe none), departures spread over three weeks
        day0 = w * 7 * 86400 + 86400 * np.arange(7)
        plans.append(
            (
                rng.random((n, 7)) < rng.choice([0.0, 0.1, 0.9]),
                (day0 + rng.integers(0, 86400, (n, 7))).astype(np.int64),
                rng.random((n, 7)) * 80.0,
            )
        )
    dep_out, km_out = np.full(idx.size, -1, dtype=np.int64), np.zeros(idx.size)
    found = np.zeros(idx.size, dtype=bool)
    for trip, dep_s, km in plans:
        missing = first_trip(trip, dep_s, km, idx, after_s, found, dep_out, km_out)
    # numpy (test_fleet_step_equivalence._next_trip_all): the first valid day of the
    # weeks side by side
    dep = np.concatenate([d[idx] for _, d, _ in plans], axis=1)
    trip = np.concatenate([t[idx] for t, _, _ in plans], axis=1)
    km = np.concatenate([k[idx] for _, _, k in plans], axis=1)
    valid = trip & (dep >= after_s)
    first = np.argmax(valid, axis=1)
    rows = np.arange(idx.size)
    hit = valid[rows, first]
    assert missing == int(np.count_nonzero(~hit)) and np.array_equal(found, hit)
    assert np.array_equal(dep_out, np.where(hit, dep[rows, first], -1))
    assert _same(km_out, np.where(hit, km[rows, first], 0.0))


@settings(max_examples=200, deadline=None)
@given(fleets())
def test_unplug_is_the_numpy_unplug(f: dict[str, np.ndarray]) -> None:
    idx = f["idx"]
    plugged, opt_out, unserved = f["plugged"].copy(), f["opt_out"].copy(), f["totals"].copy()
    args = (f["soc_target"], f["soc"], f["capacity"])
    unplug(idx, *args, plugged, opt_out, unserved)
    # numpy (events._unplug before the kernel)
    target, soc, cap = args
    p_plain, o_plain, u_plain = f["plugged"].copy(), f["opt_out"].copy(), f["totals"].copy()
    was = idx[p_plain[idx]]
    with np.errstate(all="ignore"):
        u_plain[was] += np.maximum(target[was] - soc[was], 0.0) * cap[was]
    p_plain[idx] = False
    o_plain[idx] = False
    assert np.array_equal(plugged, p_plain) and np.array_equal(opt_out, o_plain)
    assert _same(unserved, u_plain)


@settings(max_examples=200, deadline=None)
@given(fleets(), st.sampled_from([(0.5, 1.0), (0.5, 0.5), (1.0, 1.0)]), st.floats(0.7, 1.6))
def test_take_trip_is_the_numpy_trip_energy(
    f: dict[str, np.ndarray], shares: tuple[float, float], factor: float
) -> None:
    idx, soc, cap = f["idx"], f["soc"], f["capacity"]
    outs = [soc.copy(), f["totals"].copy(), f["totals"] * 0.5, f["totals"] * 0.25]
    plain = [a.copy() for a in outs]
    taken_k = np.empty(idx.size)
    take_trip(idx, f["dest"], *shares, f["trip_km"], f["consumption"], factor, cap, soc, *outs,
              taken_k)  # fmt: skip
    # numpy (events._take_trip before the kernel)
    soc_out, e_total, e_trip, unmet = plain
    with np.errstate(all="ignore"):
        share = np.where(f["dest"][idx], *shares)
        cons = f["consumption"][idx] * factor
        need = share * f["trip_km"][idx] * cons
        taken = np.minimum(need, soc[idx] * cap[idx])
        soc_out[idx] = np.maximum(soc[idx] - taken / cap[idx], 0.0)
        e_total[idx] += taken
        e_trip[idx] += taken
        unmet[idx] += need - taken
    assert _same(taken_k, taken) and all(_same(a, b) for a, b in zip(outs, plain, strict=True))


@settings(max_examples=200, deadline=None)
@given(fleets(), st.floats(0.7, 1.6), st.integers(0, 2**32 - 1))
def test_plug_odds_and_plug_in_are_the_numpy_decision(
    f: dict[str, np.ndarray], factor: float, seed: int
) -> None:
    idx, n = f["idx"], f["soc"].size
    rng = np.random.default_rng(seed)
    km = rng.choice([0.0, 12.5, 40.0, 300.0], idx.size) * rng.random(idx.size)
    draw, draw_opt = rng.random(idx.size), rng.random(idx.size)
    dep = rng.integers(-1, 10**6, idx.size)
    state = [np.zeros(n, dtype=np.int64), f["plugged"].copy(), f["opt_out"].copy()]
    state += [rng.integers(0, 9, n), f["daily"] & f["dest"]]
    plain = [a.copy() for a in state]
    per_ev = (f["consumption"], factor, f["rho"], f["capacity"], f["soc"], f["alpha"])
    soc_min, ratio, alpha = np.empty(idx.size), np.empty(idx.size), np.empty(idx.size)
    with np.errstate(all="ignore"):
        plug_odds(idx, km, *per_ev, soc_min, ratio, alpha)
        powered = ratio**alpha
    draws = np.concatenate([draw, draw_opt])  # the kernel takes both, plug-in draws first
    plug_in(idx, f["soc"], soc_min, powered, draws, f["daily"], f["p_opt_out"], dep,
            *state)  # fmt: skip
    # numpy (events._decide with plugin_soc_min and plugin_probability before the kernels)
    next_dep, plugged, opt_out, sessions, events = plain
    with np.errstate(all="ignore"):
        e_next = km * f["consumption"][idx] * factor
        smin = f["rho"][idx] * e_next / f["capacity"][idx]
        soc = f["soc"][idx]
        span = np.maximum(1.0 - smin, 1e-12)
        x = (soc - smin) / span
        np.maximum(0.0, x, out=x)
        r = np.minimum(1.0, x, out=x)
        prob = 1.0 - r ** f["alpha"][idx]
    prob = np.where(soc < smin, 1.0, prob)
    prob = np.where(soc >= 1.0, 0.0, prob)
    plug = draw < prob
    plug |= f["daily"][idx]
    next_dep[idx] = dep
    plugged[idx] = plug
    opt_out[idx] = plug & (draw_opt < f["p_opt_out"][idx])
    sessions[idx] += plug
    events[idx] |= plug
    assert _same(soc_min, smin) and _same(ratio, r)
    assert all(np.array_equal(a, b) for a, b in zip(state, plain, strict=True))

"""The fleet's compiled kernels give the bits of the numpy expressions they replaced.

Each reference below is the numpy code the kernel replaced, kept verbatim as the
definition. Inputs are random and include the values the fleet meets at its edges
(0.0 and -0.0, negatives, NaN and infinities, empty and one-EV fleets); results must be
identical bit for bit: same values, same NaN positions and same signs of zeros.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from simulators.ev_fleet.fleet_kernels import accumulate_stress, add_throughput, charge
from simulators.ev_fleet.flex import flexibility_band, per_segment
from simulators.ev_fleet.output_kernels import energy_need, plug_outputs, segment_band

EDGES = [0.0, -0.0, 1.0, -1.0, 1e-300, math.nan, math.inf, -math.inf]


@st.composite
def _floats(
    draw: st.DrawFn, n: int, lo: float, hi: float, edges: list[float] = EDGES
) -> np.ndarray:
    """``n`` values uniform in ``[lo, hi)`` (every mantissa bit random), some of them
    replaced by edge values."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = rng.uniform(lo, hi, n)
    share = draw(st.sampled_from([0.0, 0.1, 0.5]))
    at = rng.random(n) < share
    values[at] = rng.choice(edges, int(at.sum()))
    return values


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal values (NaN equal to NaN) with the same sign bits outside NaN."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or not np.array_equal(a, b, equal_nan=True):
        return False
    real = ~np.isnan(a)
    return bool(np.array_equal(np.signbit(a[real]), np.signbit(b[real])))


# ----------------------------------------------------------------------- charge
def _charge_plain(p, plugged, soc, capacity, h_per_step, e_total):
    """``FleetModel._apply_power`` before the kernel: power -> energy -> SoC."""
    n_on = np.count_nonzero(p)
    if n_on and not math.isfinite(np.add.reduce(p)):
        p = np.nan_to_num(p, nan=0.0)
        n_on = np.count_nonzero(p)
    if not n_on:
        return None
    stray = (p != 0.0) & ~plugged
    first = int(np.argmax(stray)) if stray.any() else -1
    info = (n_on, int(stray.sum()), first, float(p[first]) if first >= 0 else 0.0)
    p = np.where(stray, 0.0, p)
    e_kwh = p * h_per_step
    e_total += e_kwh
    soc = soc + e_kwh / capacity
    lo, hi = np.minimum.reduce(soc), np.maximum.reduce(soc)
    if lo < 0.0 or hi > 1.0:
        soc = np.minimum(np.maximum(soc, 0.0), 1.0)
    return info, float(lo), float(hi), e_kwh, soc


@st.composite
def charge_cases(draw: st.DrawFn) -> tuple[np.ndarray, ...]:
    n = draw(st.integers(0, 30))
    p = draw(_floats(n, -30.0, 30.0, [0.0, -0.0, math.nan, math.inf, -math.inf, 1e308]))
    if draw(st.booleans()):  # the usual case: powers and zeros only
        p = np.where(np.isfinite(p), p, 0.0)
    plugged = draw(hnp.arrays(np.bool_, n))
    soc = draw(_floats(n, -0.2, 1.2, [0.0, -0.0, 1.0, math.nan]))
    capacity = draw(_floats(n, 1.0, 100.0, [0.0, -0.0, 60.0]))
    e_total = draw(_floats(n, -50.0, 50.0, [0.0]))
    return p, plugged, soc, capacity, e_total


@settings(max_examples=300, deadline=None)
@given(charge_cases(), st.sampled_from([0.25, 1.0 / 12.0, 3.0]))
def test_charge_is_the_numpy_soc_update(case: tuple[np.ndarray, ...], h: float) -> None:
    p, plugged, soc, capacity, e_total = case
    total_plain, total = e_total.copy(), e_total.copy()
    e_kwh, soc_out = np.full(p.size, 7.0), np.full(p.size, 7.0)
    with np.errstate(all="ignore"):
        plain = _charge_plain(p.copy(), plugged, soc, capacity, h, total_plain)
    n_on, n_stray, first, first_kw, lo, hi = charge(
        p, plugged, soc, capacity, h, total, e_kwh, soc_out
    )
    if plain is None:  # no power: neither the totals nor the SoC written
        assert n_on == 0 and _same(total, e_total) and (soc_out == 7.0).all()
        return
    info, lo_plain, hi_plain, e_plain, soc_plain = plain
    assert (n_on, n_stray, first) == info[:3] and _same(first_kw, info[3])
    assert _same(lo, lo_plain) and _same(hi, hi_plain)
    assert _same(e_kwh, e_plain) and _same(total, total_plain) and _same(soc_out, soc_plain)


# ------------------------------------------------------------- accumulate_stress
def _stress_plain(state, soc_before, soc_after, e_abs, idx, usable, usable_positive, dt_s):
    """``FleetWear.accumulate`` before the kernel (``idx`` None: every EV)."""
    soc_dt, e_kwh, c_dt, t_flow, soc_lo, soc_hi = state
    soc_dt += 0.5 * (soc_before + soc_after) * dt_s
    if idx is None:
        e_kwh += e_abs
        flowing = e_abs > 0.0
        if usable_positive:
            c_dt += e_abs / usable * 3600.0
        else:
            c_dt += np.where(flowing, e_abs / usable * 3600.0, 0.0)
        t_flow += np.where(flowing, dt_s, 0.0)
        np.minimum(soc_lo, soc_after, out=soc_lo)
        np.maximum(soc_hi, soc_after, out=soc_hi)
    else:
        soc = soc_after[idx]
        e_kwh[idx] += e_abs
        flowing = e_abs > 0.0
        c_dt[idx] += np.where(flowing, e_abs / usable[idx] * 3600.0, 0.0)
        t_flow[idx] += np.where(flowing, dt_s, 0.0)
        soc_lo[idx] = np.minimum(soc_lo[idx], soc)
        soc_hi[idx] = np.maximum(soc_hi[idx], soc)


@st.composite
def stress_cases(draw: st.DrawFn) -> tuple[object, ...]:
    n = draw(st.integers(0, 30))
    soc_edges = [0.0, -0.0, 1.0, math.nan]
    before, after = (draw(_floats(n, -0.1, 1.1, soc_edges)) for _ in "ab")
    usable = draw(_floats(n, 1.0, 80.0, [0.0, -0.0, -5.0, math.nan, math.inf, 60.0]))
    state = tuple(draw(_floats(n, -1.0, 1e4, [0.0, -0.0, math.nan])) for _ in range(6))
    idx = None
    if draw(st.booleans()):
        rows = draw(st.lists(st.integers(0, max(n - 1, 0)), unique=True, max_size=n))
        idx = np.array(rows if n else [], dtype=np.int64)
    e_abs = draw(_floats(n if idx is None else idx.size, 0.0, 20.0, [0.0, math.nan, math.inf]))
    return state, before, after, e_abs, idx, usable


@settings(max_examples=300, deadline=None)
@given(stress_cases(), st.sampled_from([900.0, 60.0, 0.0]))
def test_accumulate_stress_is_the_numpy_wear_update(case: tuple[object, ...], dt_s: float) -> None:
    state, before, after, e_abs, idx, usable = case
    usable_positive = bool(np.all(usable > 0.0) and np.isfinite(usable).all())
    plain = tuple(a.copy() for a in state)
    compiled = tuple(a.copy() for a in state)
    with np.errstate(all="ignore"):
        _stress_plain(plain, before, after, e_abs, idx, usable, usable_positive, dt_s)
    every = idx is None
    rows = np.empty(0, dtype=np.int64) if every else idx
    accumulate_stress(before, after, e_abs, rows, every, usable, usable_positive, dt_s, compiled)
    assert all(_same(a, b) for a, b in zip(compiled, plain, strict=True))


@settings(max_examples=300, deadline=None)
@given(stress_cases())
def test_add_throughput_is_the_numpy_trip_wear_update(case: tuple[object, ...]) -> None:
    state, _, after, e_abs, idx, _ = case
    plain = [a.copy() for a in state[1:2] + state[4:]]  # e_kwh, soc_lo, soc_hi
    compiled = [a.copy() for a in plain]
    every = idx is None
    rows = np.empty(0, dtype=np.int64) if every else idx
    add_throughput(after, e_abs, rows, every, *compiled)
    # numpy (FleetWear.add_energy before the kernel)
    e_kwh, soc_lo, soc_hi = plain
    if idx is None:
        e_kwh += e_abs
        np.minimum(soc_lo, after, out=soc_lo)
        np.maximum(soc_hi, after, out=soc_hi)
    else:
        soc = after[idx]
        e_kwh[idx] += e_abs
        soc_lo[idx] = np.minimum(soc_lo[idx], soc)
        soc_hi[idx] = np.maximum(soc_hi[idx], soc)
    assert all(_same(a, b) for a, b in zip(compiled, plain, strict=True))


# ------------------------------------------------------------------ segment_band
def _band_plain(seg, n_seg, plugged, events, need, soc, cap, p_max, dep, opt, time_s, step_s):
    """``plain_segment_state`` (test_fleet_step_equivalence): the band of every EV, five
    ``np.bincount`` sums."""
    hi, lo = flexibility_band(
        plugged=plugged,
        e_need_kwh=need,
        e_room_kwh=(1.0 - soc) * cap,
        p_max_kw=p_max,
        departure_s=dep,
        opt_out=opt,
        time_s=time_s,
        step_s=step_s,
    )
    sums = [per_segment(v, seg, n_seg) for v in (events, plugged, hi, lo, need)]
    return [s if s.dtype == np.float64 else s.astype(float) for s in sums]  # empty: int


@st.composite
def band_cases(draw: st.DrawFn) -> tuple[object, ...]:
    n = draw(st.integers(0, 40))
    n_seg = draw(st.integers(1, 4))
    seg = draw(hnp.arrays(np.int64, n, elements=st.integers(0, n_seg - 1)))
    plugged, events, opt = (draw(hnp.arrays(np.bool_, n)) for _ in "abc")
    # near full half the time: the room, not the power limit, sets the upper edge
    soc = draw(_floats(n, draw(st.sampled_from([-0.1, 0.9])), 1.1, [0.0, -0.0, 1.0, math.nan]))
    cap = draw(_floats(n, 1.0, 100.0, [0.0, 60.0, math.nan]))
    unit = [0.0, 1.0]
    room = np.nan_to_num((1.0 - soc) * cap)
    as_drawn = draw(st.booleans())
    need = draw(_floats(n, -5.0, 80.0)) if as_drawn else room * draw(_floats(n, 0, 1, unit))
    p_max = draw(_floats(n, 0.0, 22.0, [0.0, -0.0, 11.0, math.inf, math.nan]))
    step_s = draw(st.sampled_from([900, 300, 600, 3600]))
    time_s = draw(st.integers(0, 30 * 86400))
    # half of them leave within a step after the last moment to start charging at full
    # power (a lower edge between 0 and asap); the others later, long ago or never
    with np.errstate(all="ignore"):
        last_h = np.clip(np.nan_to_num(np.abs(need) / p_max), 0.0, 48.0)
    late_h = last_h + draw(_floats(n, 0.0, 1.0, unit)) * step_s / 3600.0
    tight = np.round(3600.0 * late_h).astype(np.int64)
    ahead = st.one_of(st.just(-1 - time_s), st.integers(-3600, 12 * 3600))
    other = draw(hnp.arrays(np.int64, n, elements=ahead))
    dep = np.where(draw(_floats(n, 0, 1, unit)) < 0.5, tight, other)
    return seg, n_seg, plugged, events, need, soc, cap, p_max, dep + time_s, opt, time_s, step_s


@settings(max_examples=300, deadline=None)
@given(band_cases())
def test_segment_band_is_the_plain_segment_state(case: tuple[object, ...]) -> None:
    with np.errstate(all="ignore"):
        plain = _band_plain(*case)
    *arrays, time_s, step_s = case
    sums = segment_band(*arrays[:10], time_s, step_s / 3600.0)
    assert all(_same(a, b) for a, b in zip(sums, plain, strict=True))


# ------------------------------------------------------------------ trip events
@st.composite
def fleets(draw: st.DrawFn) -> dict[str, np.ndarray]:
    """Per-EV arrays of a fleet and ``idx``, distinct ascending rows (maybe none)."""
    n = draw(st.integers(1, 30))
    rows = draw(st.lists(st.integers(0, n - 1), unique=True, max_size=n))
    soc_edges = [0.0, -0.0, 1.0, math.nan]
    return {
        "idx": np.array(sorted(rows), dtype=np.int64),
        "soc": draw(_floats(n, -0.1, 1.2, soc_edges)),
        "soc_target": draw(_floats(n, 0.5, 1.0, [1.0, 0.0])),
        "capacity": draw(_floats(n, 10.0, 100.0, [0.0, 60.0, math.nan])),
        "plugged": draw(hnp.arrays(np.bool_, n)),
        "opt_out": draw(hnp.arrays(np.bool_, n)),
        "dest": draw(hnp.arrays(np.bool_, n)),
        "daily": draw(hnp.arrays(np.bool_, n)),
        "trip_km": draw(_floats(n, 0.0, 300.0, [0.0, 1e-300])),
        "consumption": draw(_floats(n, 0.1, 0.3, [0.15])),
        "rho": draw(_floats(n, 0.0, 3.0, [0.0, 1.5])),
        "alpha": draw(_floats(n, 0.0, 20.0, [0.0, 1.0, 1e-3, 50.0])),
        "p_opt_out": draw(_floats(n, 0.0, 1.0, [0.0, 1.0])),
        "totals": draw(_floats(n, 0.0, 1e3, [0.0])),
    }


@settings(max_examples=200, deadline=None)
@given(fleets(), st.sampled_from(["same", "changed", "none", "nan"]))
def test_energy_need_is_the_numpy_need_and_compares_bits(
    f: dict[str, np.ndarray], last_is: str
) -> None:
    plugged, soc, target, cap = f["plugged"], f["soc"], f["soc_target"], f["capacity"]
    with np.errstate(all="ignore"):  # StepOutputs.need before the kernel
        plain = np.where(plugged, np.maximum(target - soc, 0.0) * cap, 0.0)
    last = {
        "same": plain.copy(),
        "changed": np.where(np.arange(soc.size) == 0, -plain, plain),  # one sign flipped
        "none": np.empty(0),
        "nan": np.full(soc.size, np.nan),
    }[last_is]
    out = np.empty(soc.size)
    same = energy_need(plugged, soc, target, cap, last, out)
    assert _same(out, plain) and same == (last.tobytes() == plain.tobytes())


@settings(max_examples=200, deadline=None)
@given(fleets(), st.integers(0, 2**32 - 1), st.sampled_from(["none", "same", "flipped"]))
def test_plug_outputs_are_the_numpy_copies_and_compare_bits(
    f: dict[str, np.ndarray], seed: int, last_is: str
) -> None:
    plugged, opt_out = f["plugged"], f["opt_out"]
    n = plugged.size
    rng = np.random.default_rng(seed)
    next_dep = rng.integers(-1, 10**6, n)
    rows = np.arange(n, dtype=np.int64)
    # numpy (StepOutputs.plug_arrays before the kernel)
    plain = (plugged.copy(), np.where(plugged, next_dep, -1), np.where(plugged, rows, -1))
    plain += (opt_out.copy(),)
    if last_is == "none":
        last = (np.empty(0, bool), np.empty(0, np.int64), np.empty(0, bool))
    else:  # the last outputs, maybe with one EV's value changed
        last = tuple(a.copy() for a in (plain[0], plain[1], plain[3]))
        which = rng.integers(0, 3)
        if last_is == "flipped" and which == 1:
            last[1][rng.integers(0, n)] += 1
        elif last_is == "flipped":
            last[which][rng.integers(0, n)] ^= True
    out = (np.empty(n, bool), np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, bool))
    same = plug_outputs(plugged, next_dep, rows, opt_out, *last, *out)
    assert all(np.array_equal(a, b) and a.dtype == b.dtype for a, b in zip(out, plain, strict=True))
    expected = tuple(
        a.shape == b.shape and a.tobytes() == b.tobytes()
        for a, b in zip(last, (plain[0], plain[1], plain[3]), strict=True)
    )
    assert same == expected

"""The fused kernels of round 5 give the bits of the numpy code they replaced.

``need_band`` (ev_fleet) is ``StepOutputs.need``'s numpy need followed by the segment sums;
``map_plugged`` (evse) is ``EVMap.update``'s numpy key, scatter and derived arrays;
``setpoint_outputs`` (evse) is ``setpoint_pilot_battery`` followed by the numpy outputs of
``EVSEModel.step`` (battery power per EV, losses, curtailment). Each
reference is that numpy code, kept verbatim; inputs include the edges the step meets
(0.0 and -0.0, NaN, empty fleets, one EV, free banks, shared and out-of-range chargers).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from simulators.ev_fleet.output_kernels import need_band
from simulators.evse import charger_kernels as kernels
from simulators.evse import map_kernels
from tests.property.test_ev_fleet_kernels import _band_plain, _floats, _same, band_cases
from tests.property.test_evse_kernels import _values, banks


# --------------------------------------------------------------------- need_band
@settings(max_examples=300, deadline=None)
@given(band_cases(), st.data(), st.sampled_from(["stale", "same", "changed", "none"]))
def test_need_band_is_the_numpy_need_then_the_plain_segment_state(
    case: tuple[object, ...], data: st.DataObject, last_is: str
) -> None:
    seg, n_seg, plugged, events, _, soc, cap, p_max, dep, opt, time_s, step_s = case
    n = soc.size
    target = data.draw(_floats(n, 0.5, 1.0, [1.0, 0.0, -0.0, np.nan]))
    with np.errstate(all="ignore"):  # StepOutputs.need before the kernel
        plain = np.where(plugged, np.maximum(target - soc, 0.0) * cap, 0.0)
    fresh = last_is != "stale"
    last = {  # stale: the need handed out before, read as it is
        "stale": data.draw(_floats(n, -5.0, 80.0)),
        "same": plain.copy(),
        "changed": np.where(np.arange(n) == 0, -plain, plain),  # one sign flipped
        "none": np.empty(0),
    }[last_is]
    need_out = np.empty(n) if fresh else np.empty(0)
    sums = np.full((5, n_seg), np.nan)  # every sum written
    same = need_band(
        fresh, plugged, soc, target, cap, last, need_out,
        seg, events, p_max, dep, opt, time_s, step_s / 3600.0, sums,
    )  # fmt: skip
    need = plain if fresh else last
    with np.errstate(all="ignore"):
        want = _band_plain(seg, n_seg, plugged, events, need, soc, cap, p_max, dep, opt,
                           time_s, step_s)  # fmt: skip
    assert all(_same(a, b) for a, b in zip(sums, want, strict=True))
    if fresh:
        assert _same(need_out, plain)
        assert same == (last.tobytes() == plain.tobytes())
    else:
        assert not same


# -------------------------------------------------------------------- map_plugged
def _map_plain(plugged: np.ndarray, idx: np.ndarray, n: int, sparse: bool) -> tuple[object, ...]:
    """``EVMap.update``/``_build``/``_set`` before the kernel (the checks of map_evs)."""
    key = np.where(plugged, idx, -1)
    used = np.flatnonzero(key >= 0)
    chg = key[used]
    if chg.size and np.maximum.reduce(chg) >= n:
        return key, ("out of range", int(used[np.argmax(chg >= n)]))
    ev_of = np.full(n, -1, dtype=np.int64)
    ev_of[chg] = used
    has_ev = ev_of >= 0
    chargers = np.flatnonzero(has_ev)
    if chargers.size < chg.size:
        return key, ("shared",)
    ev = ev_of[chargers]
    identity = not sparse and plugged.size == n and not np.count_nonzero(ev != chargers)
    return key, (ev_of, has_ev, chargers, ev, identity, np.maximum(ev_of, 0))


@st.composite
def plug_maps(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """Plugged flags and charger indices of ``n_ev`` EVs on a bank of ``n`` chargers."""
    n = draw(st.integers(0, 12))
    n_ev = draw(st.sampled_from([n, 0, 1, draw(st.integers(0, 15))]))
    plugged = draw(hnp.arrays(np.bool_, n_ev))
    if draw(st.booleans()):  # a charger per EV, as the fleet has: EV i at charger i
        idx = np.arange(n_ev, dtype=np.int64)
    else:  # any charger numbers: shared, out of range or negative ones
        distinct = n_ev <= n + 5 and draw(st.booleans())  # n + 5 numbers to draw from
        values = st.lists(st.integers(-3, n + 1), min_size=n_ev, max_size=n_ev, unique=distinct)
        idx = np.array(draw(values), dtype=np.int64)
    return plugged, idx, n, draw(st.booleans())


@settings(max_examples=400, deadline=None)
@given(plug_maps())
def test_map_plugged_is_the_numpy_mapping_and_its_checks(
    case: tuple[np.ndarray, np.ndarray, int, bool],
) -> None:
    plugged, idx, n, sparse = case
    want_key, want = _map_plain(plugged, idx, n, sparse)
    key = np.empty(plugged.size, dtype=np.int64)
    ev_of, has_ev = np.empty(n, dtype=np.int64), np.empty(n, dtype=bool)
    chargers, ev, rows = (np.empty(n, dtype=np.int64) for _ in "cer")
    status, m, identity = map_kernels.map_plugged(
        plugged, idx, sparse, key, ev_of, has_ev, chargers, ev, rows
    )
    assert np.array_equal(key, want_key) and key.dtype == want_key.dtype
    if isinstance(want[0], str):  # an error: the first EV out of range, else -2
        assert status == (want[1] if want[0] == "out of range" else -2)
        return
    w_ev_of, w_has_ev, w_chargers, w_ev, w_identity, w_rows = want
    assert status == -1 and m == w_chargers.size and identity == w_identity
    assert np.array_equal(ev_of, w_ev_of) and np.array_equal(has_ev, w_has_ev)
    assert np.array_equal(chargers[:m], w_chargers) and np.array_equal(ev[:m], w_ev)
    assert np.array_equal(rows, w_rows)


# --------------------------------------------------------------- setpoint_outputs
@settings(max_examples=300, deadline=None)
@given(banks(), st.data())
def test_setpoint_outputs_are_the_numpy_outputs_of_the_plain_step(bank, data) -> None:
    r, c_ch, c_dis = bank
    n = r.size
    p_set, cap_ch, cap_dis, ev_max, need_ac, dis_ac = (data.draw(_values(n)) for _ in "123456")
    bidir = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), bool)
    p_low = np.where(bidir, -r, 0.0)  # EVSEModel._p_low
    plugged, idx, _, _ = data.draw(plug_maps())
    identity = data.draw(st.booleans())
    if identity:  # EV i at charger i, as many EVs as chargers
        plugged, idx = np.array(data.draw(hnp.arrays(np.bool_, n))), np.arange(n)
    else:
        idx = np.where((idx >= 0) & (idx < n), idx, -1)
        _, first = np.unique(idx, return_index=True)  # no two EVs at one charger
        plugged = plugged & np.isin(np.arange(idx.size), first) & (idx >= 0)
    key = np.where(plugged, idx, -1)
    ev_of = np.full(n, -1, dtype=np.int64)
    ev_of[key[key >= 0]] = np.flatnonzero(key >= 0)
    has_ev = ev_of >= 0
    chargers = np.flatnonzero(has_ev)
    ev = ev_of[chargers]
    args = (p_set, r, p_low, cap_ch, cap_dis, ev_max, need_ac, dis_ac, has_ev, c_ch, c_dis)
    with np.errstate(all="ignore"):  # EVSEModel.step before the kernel (plain path)
        p, batt = np.empty(n), np.empty(n)
        kernels.setpoint_pilot_battery(*args, p, batt)
        if identity:
            want_batt = np.where(has_ev, batt, 0.0)
        else:
            want_batt = np.zeros(plugged.size)
            want_batt[ev] = batt[chargers]
        want = (p, want_batt, p - batt, p - p)
        got = tuple(np.empty(a.size) for a in want)
        batt_out = np.empty(n)
        kernels.setpoint_outputs(*args, identity, ev, chargers, got[0], batt_out, *got[1:])
    assert all(_same(g, w) for g, w in zip(got, want, strict=True))

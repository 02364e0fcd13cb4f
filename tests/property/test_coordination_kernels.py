"""The coordinator's compiled loops agree bit for bit with the numpy code they replaced.

The references below are that numpy code (:mod:`controllers.coordination.step_kernels`,
:mod:`~controllers.coordination.share_kernels` and
:mod:`~controllers.coordination.conflict_kernels` say which function each loop came from):
same floating-point operations, so the results must be identical, NaN, infinities and
signed zeros included, or a coordination run would change its recorded datasets.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from controllers.coordination import conflict_kernels, share_kernels, step_kernels
from controllers.coordination.headroom import ex_ante_headroom_kw

# the references overflow and take inf - inf on the edge values, as the numpy code did
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

EPS_KW = 1e-6
_EDGES = [0.0, -0.0, 1e-7, 1e-6, 2e-6, 1.0, -1.0, 7.5, 1e6, 2e6, 1e300, -1e300, np.inf, -np.inf]
_VALUES = st.one_of(
    st.sampled_from([*_EDGES, np.nan]), st.floats(-50, 50), st.floats(allow_nan=True)
)
_FINITE = st.one_of(st.sampled_from(_EDGES[:-2]), st.floats(-50, 50), st.floats(-1e300, 1e300))
_CAPS = st.one_of(st.sampled_from([0.0, -0.0, 1e-7, 1e-6, 2e-6, 3.7, 11.0]), st.floats(0, 1e300))


def _same(got: np.ndarray, want: np.ndarray) -> None:
    """Equal values, NaN at the same places, the same sign of every number (zeros too).

    A NaN's sign bit is left out: IEEE does not fix it, and a compiler may swap an
    addition's operands, which changes only that bit of a NaN.
    """
    assert got.dtype == want.dtype and got.shape == want.shape
    assert np.array_equal(got, want, equal_nan=True)
    number = ~np.isnan(got) if got.dtype.kind == "f" else np.ones(got.shape, dtype=bool)
    assert np.array_equal(np.signbit(got[number]), np.signbit(want[number]))


def _values_ok_reference(up, down, fcr_band, afrr_band, dso, head, fcr, afrr) -> bool:
    caps = np.concatenate([up, down, fcr_band, afrr_band])
    return bool(
        math.isfinite(fcr)
        and math.isfinite(afrr)
        and np.logical_and.reduce(np.isfinite(dso))
        and (head.size == 0 or not math.isnan(np.minimum.reduce(head)))
        and (
            caps.size == 0 or (np.minimum.reduce(caps) >= 0 and np.maximum.reduce(caps) < math.inf)
        )
    )


@settings(deadline=None, max_examples=400)
@given(n=st.integers(0, 9), z=st.integers(0, 4), data=st.data())
def test_values_ok_is_the_numpy_check(n: int, z: int, data: st.DataObject) -> None:
    caps = [data.draw(arrays(float, n, elements=_VALUES | _CAPS)) for _ in range(4)]
    dso = data.draw(arrays(float, z, elements=_VALUES | _FINITE))
    head = data.draw(arrays(float, z, elements=_VALUES))
    fcr, afrr = data.draw(_VALUES | _FINITE), data.draw(_VALUES | _FINITE)
    got = step_kernels.values_ok(*caps, dso, head, fcr, afrr)
    assert got == _values_ok_reference(*caps, dso, head, fcr, afrr)


def _ex_ante_reference(h, ev, base, bg_then, bg_fc):
    delta = (ev - base + bg_then - bg_fc).reshape(-1)
    return np.where(np.isfinite(h) & (h < 1e6), h + delta, h)


@settings(deadline=None, max_examples=300)
@given(z=st.integers(0, 6), data=st.data())
def test_ex_ante_headroom_is_the_numpy_formulation(z: int, data: st.DataObject) -> None:
    h, ev, base, bg_then, bg_fc = (data.draw(arrays(float, z, elements=_VALUES)) for _ in range(5))
    got = ex_ante_headroom_kw(h, ev_then_kw=ev, base_now_kw=base, bg_then_kw=bg_then,
                              bg_forecast_kw=bg_fc)  # fmt: skip
    _same(got, _ex_ante_reference(h, ev, base, bg_then, bg_fc))


def _zone_sum_reference(values: np.ndarray, zone: np.ndarray, n_zone: int) -> np.ndarray:
    """``observation.zone_sum``'s numpy formulation (zone -1 left out)."""
    inzone = zone >= 0
    return np.bincount(zone[inzone], weights=values[inzone], minlength=n_zone).astype(float)


def _charger_zones(data: st.DataObject, n: int, z: int) -> np.ndarray:
    return np.array(data.draw(st.lists(st.integers(-1, z - 1), min_size=n, max_size=n)), np.int64)


@settings(deadline=None, max_examples=300)
@given(n=st.integers(0, 9), z=st.integers(0, 5), data=st.data())
def test_zone_sums_is_the_bincount(n: int, z: int, data: st.DataObject) -> None:
    values = data.draw(arrays(float, n, elements=_VALUES))
    zone = _charger_zones(data, n, z) if z else np.full(n, -1, np.int64)
    _same(step_kernels.zone_sums(values, zone, z), _zone_sum_reference(values, zone, z))


@settings(deadline=None, max_examples=300)
@given(n=st.integers(0, 9), z=st.integers(0, 5), data=st.data())
def test_ex_ante_headroom_by_charger_is_the_numpy_formulation(
    n: int, z: int, data: st.DataObject
) -> None:
    """The zone sum of the baseline, then the correction, as the adapter did them."""
    h, ev, bg_then, bg_fc = (data.draw(arrays(float, z, elements=_VALUES)) for _ in range(4))
    p_base = data.draw(arrays(float, n, elements=_VALUES))
    zone = _charger_zones(data, n, z) if z else np.full(n, -1, np.int64)
    got = step_kernels.ex_ante_headroom_by_charger(h, ev, p_base, zone, bg_then, bg_fc)
    base = _zone_sum_reference(p_base, zone, z)
    _same(got, _ex_ante_reference(h, ev, base, bg_then, bg_fc))


@settings(deadline=None, max_examples=300)
@given(n=st.integers(0, 9), z=st.integers(0, 5), data=st.data())
def test_setpoint_is_the_sum_and_its_bincount(n: int, z: int, data: st.DataObject) -> None:
    p_base, p_adj = (data.draw(arrays(float, n, elements=_VALUES)) for _ in range(2))
    zone = _charger_zones(data, n, z) if z else np.full(n, -1, np.int64)
    p_now, p_now_z = step_kernels.setpoint(p_base, p_adj, zone, z)
    _same(p_now, p_base + p_adj)
    _same(p_now_z, _zone_sum_reference(p_base + p_adj, zone, z))


def _pro_rata_reference(amount_kw: float, cap_kw: np.ndarray) -> np.ndarray:
    free = cap_kw > EPS_KW
    total = float(cap_kw[free].sum())
    if amount_kw <= EPS_KW or total <= EPS_KW:
        return np.zeros_like(cap_kw)
    return np.where(free, cap_kw * min(1.0, amount_kw / total), 0.0)


@settings(deadline=None, max_examples=400)
@given(
    cap=arrays(float, st.integers(0, 300), elements=_CAPS),
    amount=st.one_of(st.sampled_from([0.0, 1e-6, 2e-6, 5.0, 1e300]), st.floats(0, 1e4)),
)
def test_pro_rata_is_the_numpy_formulation(cap: np.ndarray, amount: float) -> None:
    _same(share_kernels.pro_rata(amount, cap), _pro_rata_reference(amount, cap))


def test_pro_rata_sums_the_free_capacity_pairwise_as_numpy() -> None:
    # 200 free capacities: an in-order sum rounds differently from numpy's pairwise one
    cap = np.array([1e16] + [1.0] * 199)  # in order, every 1.0 rounds away
    in_order = 0.0
    for c in cap:
        in_order += c
    assert float(cap.sum()) != in_order  # the case tells the two sums apart
    _same(share_kernels.pro_rata(1e9, cap), _pro_rata_reference(1e9, cap))
    _same(share_kernels.pro_rata(in_order / 3, cap), _pro_rata_reference(in_order / 3, cap))


def _towards_load_reference(p_kw, zone, dso_req):
    inzone = zone >= 0
    moved_z = np.bincount(zone[inzone], weights=p_kw[inzone], minlength=dso_req.size)
    moved_z = moved_z.astype(float, copy=False)
    if not np.count_nonzero(dso_req > 0):
        return moved_z
    return np.where(dso_req > 0, -1.0, 1.0) * moved_z


def _tso_aggravates_reference(p_part, p_adj, zone, dso_req, head):
    fcr_z = _towards_load_reference(p_part, zone, dso_req)
    loaded = fcr_z > EPS_KW
    if not np.count_nonzero(loaded):
        return None
    net_z = _towards_load_reference(p_adj, zone, dso_req)
    constrained = np.isfinite(head)
    if np.count_nonzero(constrained) == head.size:
        beyond = net_z - head
    else:
        beyond = np.where(constrained, net_z - np.where(constrained, head, 0.0), -np.inf)
    return np.where(loaded & (beyond >= 0.0), np.minimum(fcr_z, beyond), 0.0)


@settings(deadline=None, max_examples=400)
@given(n=st.integers(0, 12), z=st.integers(1, 4), data=st.data())
def test_tso_aggravates_is_the_numpy_formulation(n: int, z: int, data: st.DataObject) -> None:
    p_part = data.draw(arrays(float, n, elements=_FINITE | _VALUES))
    p_adj = data.draw(arrays(float, n, elements=_FINITE | _VALUES))
    zone = data.draw(arrays(np.int64, n, elements=st.integers(-1, z - 1)))
    dso_req = data.draw(arrays(float, z, elements=_FINITE))
    head = data.draw(arrays(float, z, elements=st.one_of(_FINITE, st.just(np.inf))))
    got, loaded = conflict_kernels.tso_aggravates(p_part, p_adj, zone, dso_req, head)
    want = _tso_aggravates_reference(p_part, p_adj, zone, dso_req, head)
    assert loaded == (want is not None)
    if want is not None:
        _same(got, want)


def _capped_pro_rata_reference(amount_kw, cap_kw, zone, zone_cap_kw):
    if not np.count_nonzero(np.isfinite(zone_cap_kw)):
        return _pro_rata_reference(amount_kw, cap_kw)
    free = cap_kw > EPS_KW
    alloc = np.zeros_like(cap_kw)
    zone_left = zone_cap_kw.astype(float).copy()
    left = amount_kw
    inzone = zone >= 0
    zone_in, zone_safe = zone[inzone], np.maximum(zone, 0)
    for _ in range(zone_left.size + 1):
        total = float(cap_kw[free].sum())
        if left <= EPS_KW or total <= EPS_KW:
            break
        trial = np.where(free, cap_kw * min(1.0, left / total), 0.0)
        tz = np.bincount(zone_in, weights=trial[inzone], minlength=zone_left.size)
        over = tz > zone_left + EPS_KW
        if not np.count_nonzero(over):
            alloc += trial
            break
        scale = np.ones_like(tz)
        scale[over] = np.maximum(zone_left[over], 0.0) / tz[over]
        hit = free & inzone & over[zone_safe]
        add = np.where(hit, trial * scale[zone_safe], 0.0)
        alloc += add
        left -= float(add.sum())
        zone_left[over] = 0.0
        free &= ~hit
    return alloc


@settings(deadline=None, max_examples=500)
@given(n=st.integers(0, 200), z=st.integers(1, 5), data=st.data())
def test_capped_pro_rata_is_the_numpy_water_filling(n: int, z: int, data: st.DataObject) -> None:
    cap = data.draw(arrays(float, n, elements=_CAPS | st.floats(0, 20)))
    zone = data.draw(arrays(np.int64, n, elements=st.integers(-1, z - 1)))
    zone_cap = data.draw(
        arrays(float, z, elements=st.sampled_from([np.inf, 0.0, -0.0, -3.0, 1e-7, 2.5, 40.0]))
    )
    amount = data.draw(st.one_of(st.sampled_from([0.0, 1e-6, 2e-6, 1e300]), st.floats(0, 500)))
    got = share_kernels.capped_pro_rata(amount, cap, zone, zone_cap)
    _same(got, _capped_pro_rata_reference(amount, cap, zone, zone_cap))


def _account_reference(p_fcr, p_dso, dso_req, zone):
    """``dispatch.account`` with a DSO request, as it was (with ``spread_dso``)."""
    inzone = zone >= 0

    def zs(v):
        return np.bincount(zone[inzone], weights=v[inzone], minlength=dso_req.size).astype(float)

    def c(per_zone):
        return np.where(inzone, np.asarray(per_zone, dtype=float)[np.maximum(zone, 0)], 0.0)

    p_adj = p_fcr + p_dso
    s = np.sign(dso_req)
    own = np.minimum(np.abs(dso_req), np.maximum(s * zs(p_dso), 0.0))
    served = s * np.minimum(own, np.maximum(s * zs(p_adj), 0.0))
    sign_c = c(np.sign(dso_req))
    moved = np.maximum(sign_c * p_dso, 0.0)
    moved_z = zs(moved)
    frac_z = np.divide(np.abs(served), moved_z, out=np.zeros_like(moved_z), where=moved_z > 0)
    new = sign_c * moved * c(frac_z)
    return float(p_adj.sum() - served.sum()), served, p_adj - new, new


@settings(deadline=None, max_examples=500)
@given(n=st.integers(0, 200), z=st.integers(1, 5), data=st.data())
def test_account_is_the_numpy_formulation(n: int, z: int, data: st.DataObject) -> None:
    p_fcr = data.draw(arrays(float, n, elements=_FINITE | st.floats(-20, 20)))
    p_dso = data.draw(arrays(float, n, elements=_FINITE | st.floats(-20, 20)))
    zone = data.draw(arrays(np.int64, n, elements=st.integers(-1, z - 1)))
    dso_req = data.draw(arrays(float, z, elements=_FINITE | st.floats(-30, 30)))
    f, served, p_f, p_d = share_kernels.account(p_fcr, p_dso, dso_req, zone)
    want = _account_reference(p_fcr, p_dso, dso_req, zone)
    assert f == want[0] or (np.isnan(f) and np.isnan(want[0]))
    assert np.isnan(f) or np.signbit(f) == np.signbit(want[0])  # a NaN's sign is not fixed
    for got, ref in zip((served, p_f, p_d), want[1:], strict=True):
        _same(got, ref)


def _account_unrequested_reference(fcr_part, dso_part, cap):
    """``dispatch.account`` without a DSO request, then the first pass's sums, as they were."""
    p_adj = fcr_part + dso_part
    p_fcr = p_adj.copy()
    return float(p_adj.sum()), p_fcr, p_fcr + np.zeros(p_fcr.size), float(cap.sum())


@settings(deadline=None, max_examples=400)
@given(n=st.integers(0, 200), data=st.data())
def test_account_unrequested_is_the_numpy_formulation(n: int, data: st.DataObject) -> None:
    fcr_part = data.draw(arrays(float, n, elements=_VALUES | _FINITE))
    dso_part = data.draw(arrays(float, n, elements=_VALUES | _FINITE))
    cap = data.draw(arrays(float, n, elements=_CAPS))
    p_fcr, p_adj = np.empty(n), np.empty(n)
    f, cap_kw = share_kernels.account_unrequested(fcr_part, dso_part, cap, p_fcr, p_adj)
    want_f, want_fcr, want_adj, want_cap = _account_unrequested_reference(fcr_part, dso_part, cap)
    for got, ref in ((f, want_f), (cap_kw, want_cap)):
        _same(np.array([got]), np.array([ref]))
    _same(p_fcr, want_fcr)
    _same(p_adj, want_adj)


def test_account_unrequested_adds_back_the_zero_part_and_sums_pairwise() -> None:
    # -0.0 + -0.0 stays -0.0 in p_fcr, the added zero part makes it +0.0 in p_adj; 200
    # values of mixed magnitude: a left-to-right sum differs from numpy's pairwise one
    rng = np.random.default_rng(1)
    fcr_part = rng.uniform(-1.0, 1.0, 200) * 10.0 ** rng.integers(-3, 4, 200)
    fcr_part[:3] = -0.0
    dso_part = np.zeros(200)
    dso_part[:3] = -0.0
    cap = np.abs(fcr_part[::-1]).copy()
    p_fcr, p_adj = np.empty(200), np.empty(200)
    f, cap_kw = share_kernels.account_unrequested(fcr_part, dso_part, cap, p_fcr, p_adj)
    assert np.signbit(p_fcr[:3]).all() and not np.signbit(p_adj[:3]).any()
    assert f == float(np.add.reduce(fcr_part + dso_part)) and cap_kw == float(cap.sum())
    assert sum(fcr_part.tolist()) != f and sum(cap.tolist()) != cap_kw


def _fcr_only_pass_reference(sign, amount_kw, cap_kw):
    """The traffic light's parts when it limits nothing, then the unrequested accounting."""
    fcr_part = sign * _pro_rata_reference(amount_kw, cap_kw)
    return _account_unrequested_reference(fcr_part, np.zeros(cap_kw.size), cap_kw)


@settings(deadline=None, max_examples=400)
@given(
    cap=arrays(float, st.integers(0, 300), elements=_CAPS),
    amount=st.one_of(st.sampled_from([0.0, 1e-6, 2e-6, 5.0, 1e300]), st.floats(0, 1e4)),
    sign=st.sampled_from([1.0, -1.0, 0.0, -0.0]),
)
def test_fcr_only_pass_is_the_numpy_formulation(
    cap: np.ndarray, amount: float, sign: float
) -> None:
    p_fcr, p_adj, f, cap_kw = share_kernels.fcr_only_pass(sign, amount, cap)
    want_f, want_fcr, want_adj, want_cap = _fcr_only_pass_reference(sign, amount, cap)
    for got, ref in ((f, want_f), (cap_kw, want_cap)):
        _same(np.array([got]), np.array([ref]))
    _same(p_fcr, want_fcr)
    _same(p_adj, want_adj)


def test_fcr_only_pass_turns_negative_zeros_positive_and_sums_pairwise() -> None:
    # a downward request times a zero share is -0.0, which the DSO's zero part makes +0.0;
    # 1e16 and 199 ones: in order every 1.0 rounds away, numpy's pairwise sum keeps them
    cap = np.array([0.0, 0.0, 1e16] + [1.0] * 199)
    p_fcr, p_adj, f, cap_kw = share_kernels.fcr_only_pass(-1.0, 1e9, cap)
    want = _fcr_only_pass_reference(-1.0, 1e9, cap)
    assert not np.signbit(p_fcr[:2]).any() and (p_fcr[2:] < 0).all()
    assert f == want[0] and cap_kw == want[3] == float(cap.sum())
    assert sum(cap.tolist()) != cap_kw
    _same(p_fcr, want[1])
    _same(p_adj, want[2])


@settings(deadline=None, max_examples=400)
@given(n=st.integers(0, 12), z=st.integers(0, 4), data=st.data())
def test_fcr_only_judged_is_the_pass_then_the_conflict_check(
    n: int, z: int, data: st.DataObject
) -> None:
    """The numpy pass, then the numpy ``tso_aggravates`` of its FCR part and adjustment."""
    cap = data.draw(arrays(float, n, elements=_CAPS))
    amount = data.draw(st.one_of(st.sampled_from([0.0, 1e-6, 5.0, 1e300]), st.floats(0, 1e4)))
    sign = data.draw(st.sampled_from([1.0, -1.0, 0.0, -0.0]))
    zone = _charger_zones(data, n, z) if z else np.full(n, -1, np.int64)
    dso_req = data.draw(arrays(float, z, elements=st.sampled_from([0.0, -0.0, 2.0, -3.0])))
    head = data.draw(arrays(float, z, elements=st.one_of(_FINITE, st.just(np.inf))))
    got = conflict_kernels.fcr_only_judged(sign, amount, cap, zone, dso_req, head)
    want_f, want_fcr, want_adj, want_cap = _fcr_only_pass_reference(sign, amount, cap)
    _same(got[0], want_fcr)
    _same(got[1], want_adj)
    _same(np.array(got[2:4]), np.array([want_f, want_cap]))
    beyond = _tso_aggravates_reference(want_fcr, want_adj, zone, dso_req, head)
    assert got[5] == (beyond is not None)
    if beyond is not None:
        _same(got[4], beyond)
    _same(got[6], np.zeros(n))
    _same(got[7], np.zeros(z))

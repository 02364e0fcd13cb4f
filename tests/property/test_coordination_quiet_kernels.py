"""The quiet traffic-light step in one compiled call agrees bit for bit with the numpy
formulation of the calls it replaced (the observation's value check, the ex-ante
headroom, the traffic light's pass with its conflict check, the setpoints), and decides
exactly the steps those calls found quiet (and those with a conflict); and the
coordinator's quiet path gives the dispatch :func:`controllers.coordination.schemes.resolve`
gives."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from controllers.coordination.observation import CoordinationObservation
from controllers.coordination.quiet_kernels import NOT_QUIET, QUIET, QUIET_CONFLICT, quiet_light
from controllers.coordination.schemes import Scheme, accounted, resolve
from tests.property.test_coordination_kernels import (
    _CAPS,
    _FINITE,
    _VALUES,
    EPS_KW,
    _account_unrequested_reference,
    _capped_pro_rata_reference,
    _charger_zones,
    _ex_ante_reference,
    _fcr_only_pass_reference,
    _same,
    _tso_aggravates_reference,
    _values_ok_reference,
    _zone_sum_reference,
)

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _quiet_reference(p_base, up, down, fcr_band, afrr_band, dso, h, red, zone, fcr, afrr, ev,
                     bg_then, bg_now):  # fmt: skip
    """The numpy calls of a step: None where they do not find it quiet."""
    if not _values_ok_reference(up, down, fcr_band, afrr_band, dso, h, fcr, afrr):
        return None
    s = float(np.sign(fcr))
    if afrr != 0.0 or np.count_nonzero(dso):
        return None
    true = _ex_ante_reference(h, ev, _zone_sum_reference(p_base, zone, h.size), bg_then, bg_now)
    if np.any(np.isnan(true)):
        return None
    if s > 0 and np.count_nonzero(red):
        f, p_fcr, p_adj, cap_kw = _red_increase_reference(float(abs(fcr)), up, h, red, zone)
    else:
        cap = up if s > 0 else down if s < 0 else np.zeros(p_base.size)
        f, p_fcr, p_adj, cap_kw = _fcr_only_pass_reference(s, float(abs(fcr)), cap)
    beyond = _tso_aggravates_reference(p_fcr, p_adj, zone, dso, true)
    conflict = beyond is not None and np.count_nonzero(beyond > EPS_KW)
    p_now = p_base + p_adj
    status = QUIET_CONFLICT if conflict else QUIET
    return status, p_fcr, p_adj, f, cap_kw, p_now, _zone_sum_reference(p_now, zone, h.size)


def _red_increase_reference(amount, up, h, red, zone):
    """``schemes.traffic_light`` of an FCR increase with red chargers and no DSO request
    (its DSO parts zeros), then the first pass's unrequested accounting."""
    n, z = up.size, h.size
    red_z = np.bincount(zone[red & (zone >= 0)], minlength=z) > 0
    cap = up.copy()
    room = h - _zone_sum_reference(np.zeros(n), zone, z)
    zone_cap = np.full(z, np.inf)
    zone_cap[red_z] = np.maximum(room[red_z], 0.0)
    cap[red & (zone < 0)] = 0.0
    fcr_part = 1.0 * _capped_pro_rata_reference(amount, cap, zone, zone_cap)
    dso_part = np.zeros(n) + np.zeros(n)
    return _account_unrequested_reference(fcr_part, dso_part, up)


def _draw_step(data: st.DataObject, n: int, z: int) -> tuple:
    """A step's inputs, often quiet: small requests, few red chargers and DSO requests."""
    p_base = data.draw(arrays(float, n, elements=_FINITE | _VALUES))
    caps = [data.draw(arrays(float, n, elements=_CAPS | _VALUES)) for _ in range(4)]
    dso = data.draw(arrays(float, z, elements=st.sampled_from([0.0, -0.0, 0.0, 2.0, np.nan])))
    h = data.draw(arrays(float, z, elements=st.one_of(_FINITE, st.just(np.inf), _VALUES)))
    red = data.draw(arrays(bool, n, elements=st.sampled_from([False, False, False, True])))
    zone = _charger_zones(data, n, z) if z else np.full(n, -1, np.int64)
    fcr = data.draw(st.sampled_from([0.0, -0.0, 3.0, -3.0, 1e300, np.inf]) | st.floats(-50, 50))
    afrr = data.draw(st.sampled_from([0.0, 0.0, 0.0, -0.0, 1.0]))
    rows = [data.draw(arrays(float, z, elements=_FINITE | _VALUES)) for _ in range(3)]
    return (p_base, *caps, dso, h, red, zone, fcr, afrr, *rows)


@settings(deadline=None, max_examples=600)
@given(n=st.integers(0, 12), z=st.integers(0, 4), data=st.data())
def test_quiet_light_is_the_numpy_calls_it_replaced(n: int, z: int, data: st.DataObject) -> None:
    args = _draw_step(data, n, z)
    status, p_fcr, p_adj, f, cap_kw, p_dso, dso_served, p_now, p_now_z = quiet_light(*args)
    want = _quiet_reference(*args)
    assert status == (NOT_QUIET if want is None else want[0])
    if want is None:
        return
    _same(p_fcr, want[1])
    _same(p_adj, want[2])
    _same(np.array([f, cap_kw]), np.array([want[3], want[4]]))
    _same(p_now, want[5])
    _same(p_now_z, want[6])
    _same(p_dso, np.zeros(n))
    _same(dso_served, np.zeros(z))


def test_quiet_light_caps_a_red_increase_and_flags_a_conflict() -> None:
    zone = np.array([0, 0, 1], np.int64)
    base, up, zeros = np.zeros(3), np.full(3, 4.0), np.zeros(2)
    quiet = (base, up, up, np.zeros(3), np.zeros(3), zeros, np.array([100.0, np.inf]),
             np.zeros(3, bool), zone, 6.0, 0.0, zeros, zeros, zeros)  # fmt: skip
    assert quiet_light(*quiet)[0] == QUIET
    tight = (*quiet[:6], np.array([1.0, np.inf]), *quiet[7:])  # zone 0 takes 4 kW > 1 kW
    assert quiet_light(*tight)[0] == QUIET_CONFLICT
    red = (*quiet[:7], np.array([True, False, False]), *quiet[8:])
    assert quiet_light(*red)[0] == QUIET  # zone 0 red with room: capped there
    tight_red = (*tight[:7], np.array([True, False, False]), *tight[8:])
    # capped at 1 kW in zone 0, the rest to charger 2: no conflict
    status, p_fcr = quiet_light(*tight_red)[:2]
    assert status == QUIET and p_fcr.tolist() == [0.5, 0.5, 4.0]
    asked = (*quiet[:5], np.array([0.0, -2.0]), *quiet[6:])
    assert quiet_light(*asked)[0] == NOT_QUIET  # a DSO request: the general way


@settings(deadline=None, max_examples=200)
@given(n=st.integers(1, 10), z=st.integers(1, 3), data=st.data())
def test_a_quiet_step_is_resolved_as_the_traffic_light_resolves_it(
    n: int, z: int, data: st.DataObject
) -> None:
    """The dispatch parts of a quiet step, against ``resolve`` on the measured headroom
    judged on the ex-ante one (as the adapter's general way calls it)."""
    zone = _charger_zones(data, n, z)
    p_base = data.draw(arrays(float, n, elements=st.floats(0, 20)))
    up, down = (data.draw(arrays(float, n, elements=_CAPS)) for _ in range(2))
    h = data.draw(arrays(float, z, elements=st.one_of(st.floats(-5, 50), st.just(np.inf))))
    ev, bg_then, bg_now = (data.draw(arrays(float, z, elements=st.floats(0, 30))) for _ in range(3))
    fcr = data.draw(st.floats(-30, 30))
    red = data.draw(arrays(bool, n, elements=st.sampled_from([False, False, True])))
    status, p_fcr, p_adj, f, cap_kw, p_dso, dso_served, _, _ = quiet_light(
        p_base, up, down, np.zeros(n), np.zeros(n), np.zeros(z), h, red, zone,
        fcr, 0.0, ev, bg_then, bg_now,
    )  # fmt: skip
    if status == NOT_QUIET:
        return
    obs = CoordinationObservation(0, p_base, up, down, fcr, np.zeros(z), zone, red, h)
    true = _ex_ante_reference(h, ev, _zone_sum_reference(p_base, zone, z), bg_then, bg_now)
    d = resolve(obs, Scheme.TRAFFIC_LIGHT, true_headroom_kw=true)
    got = accounted(fcr, Scheme.TRAFFIC_LIGHT, p_adj, p_fcr, p_dso, f, dso_served, cap_kw)
    assert bool(d.conflicts) == (status == QUIET_CONFLICT)
    for name in ("p_adj_kw", "p_fcr_kw", "p_dso_kw", "dso_served_kw", "p_afrr_kw"):
        _same(getattr(got, name), getattr(d, name))
    for name in ("fcr_served_kw", "fcr_blocked_kw", "scheme", "afrr_served_kw"):
        assert getattr(got, name) == getattr(d, name)

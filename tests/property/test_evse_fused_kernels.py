"""The EVSE step's fused compiled calls give the bits of the numpy expressions they replaced.

``loss_kernels.ev_limits``: the AC power meeting each EV's need and the largest AC
discharge above its SoC floor, in one call; ``pilot_battery``: the pilot, the EV's answer
and its battery power, in one call; ``setpoint_pilot_battery``: the same for the target of
the setpoints (``general_step._target``, kept here in numpy). The numpy references are those of
``test_evse_kernels`` (the code the step ran before its loops were compiled); results must
be identical, signed zeros included, on inputs with the edge values (0.0, -0.0, NaN,
infinities, free chargers, empty banks).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.evse import charger_kernels as kernels
from simulators.evse.losses import ChargerLosses
from tests.property.test_evse_kernels import (
    DT_H,
    _ac_power_for_battery_ref,
    _battery_power_ref,
    _draw_ref,
    _gather,
    _max_discharge_ref,
    _same,
    _values,
    banks,
    ev_maps,
)


@settings(max_examples=300, deadline=None)
@given(banks(), DT_H, st.data())
def test_ev_limits_are_the_numpy_roots(bank, dt_h, data) -> None:
    r, c_ch, c_dis = bank
    ev_of, n_ev = data.draw(ev_maps(r.size))
    need = data.draw(_values(n_ev, hi=200.0))
    soc, soc_min = (data.draw(_values(n_ev, -0.5, 1.5)) for _ in "sf")
    cap = data.draw(_values(n_ev, 0.0, 120.0))
    bidir = np.array(data.draw(st.lists(st.booleans(), min_size=r.size, max_size=r.size)), bool)
    with np.errstate(all="ignore"):
        want_need = _ac_power_for_battery_ref(_gather(need, ev_of, 0.0) / dt_h, r, c_ch)
        want_dis = _max_discharge_ref(ev_of, soc, soc_min, cap, dt_h, bidir, r, c_dis)
        got_need, got_dis = ChargerLosses(r, c_ch, c_dis).ev_limits(
            ev_of, need, soc, soc_min, cap, dt_h=dt_h, bidirectional=bidir
        )
    assert _same(got_need, want_need) and _same(got_dis, want_dis)


@settings(max_examples=300, deadline=None)
@given(banks(), st.data())
def test_pilot_battery_is_the_numpy_draw_and_loss_curve(bank, data) -> None:
    r, c_ch, c_dis = bank
    p, cap_ch, cap_dis, ev_max, need_ac, dis_ac = (data.draw(_values(r.size)) for _ in range(6))
    has_ev = np.array(data.draw(st.lists(st.booleans(), min_size=r.size, max_size=r.size)), bool)
    with np.errstate(all="ignore"):  # inf + -inf: NaN, as in the loop
        cmd = np.minimum(np.maximum(p, -cap_dis), cap_ch)
        want = _draw_ref(cmd, ev_max, need_ac, dis_ac, has_ev)
        want_batt = _battery_power_ref(want, r, c_ch, c_dis)
        got, got_batt = np.empty(r.size), np.empty(r.size)
        kernels.pilot_battery(
            p, cap_ch, cap_dis, ev_max, need_ac, dis_ac, has_ev, r, c_ch, c_dis, got, got_batt
        )
    assert _same(got, want) and _same(got_batt, want_batt)


@settings(max_examples=300, deadline=None)
@given(banks(), st.data())
def test_setpoint_pilot_battery_is_the_numpy_target_draw_and_loss_curve(bank, data) -> None:
    r, c_ch, c_dis = bank
    p_set, cap_ch, cap_dis, ev_max, need_ac, dis_ac = (data.draw(_values(r.size)) for _ in "123456")
    has_ev = np.array(data.draw(st.lists(st.booleans(), min_size=r.size, max_size=r.size)), bool)
    bidir = np.array(data.draw(st.lists(st.booleans(), min_size=r.size, max_size=r.size)), bool)
    p_low = np.where(bidir, -r, 0.0)  # EVSEModel._p_low
    with np.errstate(all="ignore"):  # inf + -inf: NaN, as in the loop
        # general_step._target, then the pilot's clip, the EV's draw and the loss curve
        target = np.where(has_ev, np.maximum(np.fmin(p_set, r), p_low), 0.0)
        cmd = np.minimum(np.maximum(target, -cap_dis), cap_ch)
        want = _draw_ref(cmd, ev_max, need_ac, dis_ac, has_ev)
        want_batt = _battery_power_ref(want, r, c_ch, c_dis)
        got, got_batt = np.empty(r.size), np.empty(r.size)
        kernels.setpoint_pilot_battery(
            p_set, r, p_low, cap_ch, cap_dis, ev_max, need_ac, dis_ac, has_ev, c_ch, c_dis,
            got, got_batt,
        )  # fmt: skip
    assert _same(got, want) and _same(got_batt, want_batt)

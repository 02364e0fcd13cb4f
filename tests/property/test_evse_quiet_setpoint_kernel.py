"""``v2g_kernels.quiet_v2g_sent_setpoint_outputs``: the undervoltage protection's test,
then the V2G step of setpoints as sent (a bank without P(V) droop, its constants in one
array), bit for bit as the numpy it replaced.

Before, every step ran ``UndervoltageProtection.update`` first: ``low = v_pu < trip_pu``,
``low &= enabled`` (a bank with chargers without protection) and, while the protection was
inactive, ``np.count_nonzero(low)`` to find that nothing changes. The kernel tests
``v_pu < trip_at_pu`` (the protection's ``trip_at_pu``: -inf where disabled) and computes
the outputs of ``v2g_sent_setpoint_outputs`` (checked against numpy in
``test_evse_v2g_sent_setpoint_kernel``) only when no charger is low; voltages include NaN,
exactly the trip level and infinities.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.evse import v2g_kernels
from simulators.evse.losses import ChargerLosses
from simulators.evse.protection import UndervoltageProtection
from tests.property.test_evse_kernels import DT_H, _same, _values, banks
from tests.property.test_evse_v2g_sent_setpoint_kernel import SENT, _fold_ref
from tests.property.test_evse_v2g_setpoint_kernel import _step_ref, connections

TRIP = [0.85, 0.0, -0.0, 1.0, np.inf, -np.inf, np.nan]
VOLTS = [0.85, 0.8499999999999999, 0.85000000000001, 0.0, -0.0, 1.0, np.nan, np.inf, -np.inf]


def _low_ref(v: np.ndarray, trip_pu: np.ndarray, enabled: np.ndarray) -> bool:
    """Whether ``UndervoltageProtection.update`` finds a charger low, as it was written."""
    low = v < trip_pu
    if not np.all(enabled):
        low &= enabled
    return bool(np.count_nonzero(low))


@settings(max_examples=500, deadline=None)
@given(banks(), DT_H, st.data())
def test_quiet_v2g_sent_setpoint_outputs_are_the_protection_test_then_outputs(
    bank, dt_h, data
) -> None:
    r, c_ch, c_dis = bank
    n = r.size
    conn = data.draw(connections(n))
    ev_of, n_ev, identity = conn
    floats = st.floats(0.5, 1.2)
    v = np.array(
        data.draw(st.lists(st.one_of(st.sampled_from(VOLTS), floats), min_size=n, max_size=n))
    )
    trip_pu = np.array(
        data.draw(st.lists(st.one_of(st.sampled_from(TRIP), floats), min_size=n, max_size=n))
    )
    enabled = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    if data.draw(st.booleans()):  # the usual case: every voltage at or above its level
        v = np.where(v < trip_pu, trip_pu, v)
    prot = UndervoltageProtection(
        trip_pu=trip_pu, trip_delay_s=np.zeros(n), reconnect_pu=np.ones(n),
        reconnect_delay_s=np.zeros(n), enabled=enabled, step_s=900,
    )  # fmt: skip
    element = st.one_of(st.sampled_from(SENT), st.floats(-60.0, 60.0))
    p_sent = np.array(data.draw(st.lists(element, min_size=n, max_size=n)), dtype=float)
    bidir = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), bool)
    per_ev = (
        data.draw(_values(n_ev, 0.0, 50.0)),
        data.draw(_values(n_ev, hi=200.0)),
        data.draw(_values(n_ev, -0.5, 1.5)),
        data.draw(_values(n_ev, -0.5, 1.5)),
        data.draw(_values(n_ev, 0.0, 120.0)),
    )
    got = (np.full(n, 7.0), np.full(n, 7.0), np.full(n_ev, 7.0), np.full(n, 7.0), np.full(n, 7.0))
    chargers = np.flatnonzero(ev_of >= 0)
    p_low = np.where(bidir, -r, 0.0)
    limit_consts = ChargerLosses(r, c_ch, c_dis).limit_consts
    consts = np.vstack((prot.trip_at_pu, r, p_low, c_ch, c_dis, limit_consts))  # _quiet_consts
    consts.setflags(write=False)
    with np.errstate(all="ignore"):  # inf - inf, 0 / 0: NaN, as in the loops
        low = _low_ref(v, trip_pu, enabled)
        computed = v2g_kernels.quiet_v2g_sent_setpoint_outputs(
            v, consts, p_sent, ev_of, ev_of >= 0, *per_ev, dt_h, bidir, identity,
            ev_of[chargers], chargers, *got,
        )  # fmt: skip
        # without P(V) droop both caps are the rating
        want = _step_ref(_fold_ref(p_sent), (r, r), bank, bidir, conn, per_ev, dt_h)
    assert computed is not low
    if low:  # nothing written: the protection runs, then the step
        assert all(np.all(g == 7.0) for g in got)
    else:
        assert all(_same(g, w) for g, w in zip(got, want, strict=True))

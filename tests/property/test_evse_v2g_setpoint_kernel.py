"""``v2g_kernels.v2g_setpoint_outputs`` gives the bits of the numpy step it replaced.

The plain setpoint step of a V2G bank (``setpoint_step.setpoint_power``) gathered each EV's AC
limit (``EVMap.gather``), computed the AC power meeting its need and its largest discharge
(``ChargerLosses.ev_limits``), then the target, pilot, draw, battery power per EV, losses
and curtailment (``setpoint_outputs``). The reference below is that chain in numpy (the
expressions of ``test_evse_kernels``); inputs include 0.0, -0.0, NaN, infinities, free
chargers, empty banks and fleets of another size than the bank.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.evse import v2g_kernels
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
)


@st.composite
def connections(draw: st.DrawFn, n: int) -> tuple[np.ndarray, int, bool]:
    """The EV at each of ``n`` chargers (-1: free), the number of EVs and whether EV i is
    at charger i (as many EVs as chargers: ``EVMap.identity``)."""
    if draw(st.booleans()):
        has = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), bool)
        return np.where(has, np.arange(n), -1).astype(np.int64), n, True
    n_ev = draw(st.integers(1, 12))
    evs = draw(st.lists(st.integers(0, n_ev - 1), unique=True, max_size=min(n, n_ev)))
    ev_of = np.full(n, -1, dtype=np.int64)
    ev_of[draw(st.permutations(range(n)))[: len(evs)]] = evs
    return ev_of, n_ev, False


def _step_ref(p_set, caps, bank, bidir, conn, per_ev, dt_h):
    """``setpoint_step.setpoint_power`` of a V2G bank before the fused kernel, in numpy:
    ``p, batt (per charger), p_batt (per EV), p_loss, p_curtailed``."""
    (r, c_ch, c_dis), (cap_ch, cap_dis), (ev_of, n_ev, identity) = bank, caps, conn
    p_max, need, soc, soc_min, cap = per_ev
    has_ev = ev_of >= 0
    p_low = np.where(bidir, -r, 0.0)  # EVSEModel._p_low
    ev_max = _gather(p_max, ev_of, 0.0) if n_ev else np.zeros(r.size)  # EVMap.gather
    need_ac = _ac_power_for_battery_ref(_gather(need, ev_of, 0.0) / dt_h, r, c_ch)
    dis_ac = _max_discharge_ref(ev_of, soc, soc_min, cap, dt_h, bidir, r, c_dis)
    target = np.where(has_ev, np.maximum(np.fmin(p_set, r), p_low), 0.0)
    cmd = np.minimum(np.maximum(target, -cap_dis), cap_ch)
    p = _draw_ref(cmd, ev_max, need_ac, dis_ac, has_ev)
    batt = _battery_power_ref(p, r, c_ch, c_dis)
    if identity:
        p_batt = np.where(has_ev, batt, 0.0)
    else:
        chargers = np.flatnonzero(has_ev)
        p_batt = np.zeros(n_ev)
        p_batt[ev_of[chargers]] = batt[chargers]
    return p, batt, p_batt, p - batt, p - p


@settings(max_examples=400, deadline=None)
@given(banks(), DT_H, st.data())
def test_v2g_setpoint_outputs_are_the_numpy_limits_then_outputs(bank, dt_h, data) -> None:
    r, c_ch, c_dis = bank
    n = r.size
    conn = data.draw(connections(n))
    ev_of, n_ev, identity = conn
    p_set, cap_ch, cap_dis = (data.draw(_values(n)) for _ in "pcd")
    bidir = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), bool)
    p_max = data.draw(_values(n_ev, 0.0, 50.0))
    need = data.draw(_values(n_ev, hi=200.0))
    soc, soc_min = (data.draw(_values(n_ev, -0.5, 1.5)) for _ in "sf")
    cap = data.draw(_values(n_ev, 0.0, 120.0))
    per_ev = (p_max, need, soc, soc_min, cap)
    with np.errstate(all="ignore"):  # inf - inf, 0 / 0: NaN, as in the loops
        want = _step_ref(p_set, (cap_ch, cap_dis), bank, bidir, conn, per_ev, dt_h)
        got = (np.empty(n), np.empty(n), np.empty(n_ev), np.empty(n), np.empty(n))
        chargers = np.flatnonzero(ev_of >= 0)
        v2g_kernels.v2g_setpoint_outputs(
            p_set, r, np.where(bidir, -r, 0.0), cap_ch, cap_dis, ev_of, ev_of >= 0, *per_ev,
            dt_h, bidir, ChargerLosses(r, c_ch, c_dis).limit_consts, c_ch, c_dis, identity,
            ev_of[chargers], chargers, *got,
        )  # fmt: skip
    assert all(_same(g, w) for g, w in zip(got, want, strict=True))

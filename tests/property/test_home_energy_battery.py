"""Self-consumption battery invariants: energy balance, bounds, never from or to the grid."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from simulators.home_energy.model import HomeParams, self_consume

N = 6
kw = arrays(np.float64, N, elements=st.floats(0.0, 20.0))
kwh = arrays(np.float64, N, elements=st.floats(0.0, 30.0))


@given(
    load=kw,
    pv=kw,
    cap=kwh,
    p_max=arrays(np.float64, N, elements=st.floats(0.0, 10.0)),
    soc=arrays(np.float64, N, elements=st.floats(0.05, 1.0)),
    eta=st.floats(0.5, 1.0),
    dt_h=st.sampled_from([1 / 60, 0.25, 1.0]),
)
def test_battery_keeps_its_energy_balance_and_limits(load, pv, cap, p_max, soc, eta, dt_h) -> None:
    params = HomeParams(pv_kwp=np.ones(N), batt_kwh=cap, batt_kw=p_max, eta=eta, soc_min=0.05)
    e = soc * cap
    p, e_next = self_consume(load, pv, e, params=params, dt_h=dt_h)
    tol = 1e-9 * (1 + cap)
    assert (np.abs(p) <= p_max + 1e-12).all()
    assert (e_next >= np.minimum(e, 0.05 * cap) - tol).all() and (e_next <= cap + tol).all()
    # charging only from the PV surplus, discharging only into the load the PV leaves
    assert (p <= np.maximum(pv - load, 0.0) + 1e-12).all()
    assert (-p <= np.maximum(load - pv, 0.0) + 1e-12).all()
    stored = np.where(p > 0, eta * p, p / eta) * dt_h
    assert np.allclose(e_next - e, stored, atol=1e-9 * (1 + cap))

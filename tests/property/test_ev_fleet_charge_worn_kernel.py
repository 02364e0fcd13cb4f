"""``fleet_kernels.charge_worn`` gives the bits of the numpy step it replaced.

One call for the step's battery power and its battery stress (``FleetModel._apply_power``).
The reference keeps the numpy formulation of both (``test_ev_fleet_kernels``' SoC update
and wear update, and the idle step of ``FleetWear.accumulate_idle``) on random inputs with
the fleet's edge values (0.0 and -0.0, NaN, infinities, empty and one-EV fleets).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.ev_fleet.fleet_kernels import charge_worn
from tests.property.test_ev_fleet_kernels import (
    _charge_plain,
    _floats,
    _same,
    _stress_plain,
    charge_cases,
)


def _apply_power_plain(case, h, worn, sparse, usable, positive, dt_s, state):
    """``FleetModel._apply_power`` with ``FleetWear.accumulate`` / ``accumulate_idle`` in
    numpy: the SoC update, then the stress of every EV or (``sparse``) of those with power."""
    p, plugged, soc, capacity, e_total = case
    out = _charge_plain(p.copy(), plugged, soc, capacity, h, e_total)
    if not worn:
        return out
    if out is None:  # accumulate_idle: the SoC stayed, no throughput
        state[0] += 0.5 * (soc + soc) * dt_s
        return out
    e_kwh, soc_after = out[3], out[4]
    on = np.flatnonzero(e_kwh) if sparse else None
    e_abs = np.abs(e_kwh if on is None else e_kwh[on])
    _stress_plain(state, soc, soc_after, e_abs, on, usable, positive, dt_s)
    return out


@st.composite
def wear_cases(draw: st.DrawFn, n: int) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    usable = draw(_floats(n, 1.0, 80.0, [0.0, -0.0, -5.0, math.nan, math.inf, 60.0]))
    state = tuple(draw(_floats(n, -1.0, 1e4, [0.0, -0.0, math.nan])) for _ in range(6))
    return usable, state


@settings(max_examples=400, deadline=None)
@given(
    st.data(),
    charge_cases(),
    st.sampled_from([0.25, 1.0 / 12.0, 3.0]),
    st.booleans(),
    st.booleans(),
    st.sampled_from([900.0, 60.0, 0.0]),
)
def test_charge_worn_is_the_numpy_step(
    data: st.DataObject,
    case: tuple[np.ndarray, ...],
    h: float,
    worn: bool,
    sparse: bool,
    dt_s: float,
) -> None:
    p, plugged, soc, capacity, e_total = case
    usable, state = data.draw(wear_cases(p.size))
    positive = bool(np.all(usable > 0.0) and np.isfinite(usable).all())
    plain_state = [a.copy() for a in state]
    compiled_state = np.array([a.copy() for a in state]).reshape(6, p.size)  # stress_rows
    total_plain, total = e_total.copy(), e_total.copy()
    with np.errstate(all="ignore"):
        plain = _apply_power_plain(
            (p, plugged, soc, capacity, total_plain), h, worn, sparse, usable, positive, dt_s,
            plain_state,
        )  # fmt: skip
    e_kwh, soc_out = np.full(p.size, 7.0), np.full(p.size, 7.0)
    n_on, n_stray, first, first_kw, lo, hi = charge_worn(
        p, plugged, soc, capacity, h, total, e_kwh, soc_out,
        worn, sparse, usable, positive, dt_s, compiled_state,
    )  # fmt: skip
    assert all(_same(a, b) for a, b in zip(compiled_state, plain_state, strict=True))
    if plain is None:  # no power: neither the totals nor the SoC written
        assert n_on == 0 and _same(total, e_total) and (soc_out == 7.0).all()
        return
    info, lo_plain, hi_plain, e_plain, soc_plain = plain
    assert (n_on, n_stray, first) == info[:3] and _same(first_kw, info[3])
    assert _same(lo, lo_plain) and _same(hi, hi_plain)
    assert _same(e_kwh, e_plain) and _same(total, total_plain) and _same(soc_out, soc_plain)

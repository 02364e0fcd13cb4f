"""Invariants of the battery ageing model (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.ev_fleet.ageing import age_step
from simulators.ev_fleet.ageing_params import AgeingParams, AgeingState, Chemistry

PARAMS = {c: AgeingParams(chemistry=c) for c in Chemistry}
N_EV = 3

chemistries = st.sampled_from(list(Chemistry))
socs = st.floats(0.0, 1.0)
temps = st.floats(-20.0, 60.0)
dods = st.floats(0.0, 1.0)
c_rates = st.floats(0.0, 12.0)
stress = st.tuples(socs, temps, dods, c_rates)
steps = st.lists(
    st.tuples(stress, st.floats(0.0, 30 * 86_400.0), st.floats(0.0, 500.0)),
    min_size=1,
    max_size=30,
)


def _step(
    state: AgeingState,
    chem: Chemistry,
    s: tuple[float, float, float, float],
    dt_s: float,
    e_kwh: float,
) -> AgeingState:
    soc, temp_c, dod, c_rate = s
    return age_step(
        state,
        soc_mean=soc,
        temp_c=temp_c,
        dt_s=dt_s,
        throughput_kwh=e_kwh,
        dod=dod,
        c_rate=c_rate,
        capacity_kwh=np.array([30.0, 60.0, 100.0]),
        params=PARAMS[chem],
    )


@settings(max_examples=150, deadline=None)
@given(chem=chemistries, history=steps)
def test_fade_stays_in_unit_interval_and_never_decreases(
    chem: Chemistry, history: list[tuple[tuple[float, float, float, float], float, float]]
) -> None:
    s = AgeingState.new(N_EV)
    for stress_, dt_s, e_kwh in history:
        new = _step(s, chem, stress_, dt_s, e_kwh)
        assert np.all((new.total_fade >= 0.0) & (new.total_fade < 1.0))
        assert np.all(new.total_fade >= s.total_fade)
        assert np.all(new.age_s >= s.age_s)
        s = new


def _split(total: float, weights: list[float]) -> list[float]:
    w = np.asarray(weights)
    return list(total * (w / w.sum()))


@settings(max_examples=150, deadline=None)
@given(
    chem=chemistries,
    pre=st.tuples(stress, st.floats(0.0, 400 * 86_400.0), st.floats(0.0, 5000.0)),
    s=stress,
    dt_s=st.floats(1.0, 400 * 86_400.0),
    e_kwh=st.floats(0.0, 20_000.0),
    w_t=st.lists(st.floats(0.01, 1.0), min_size=1, max_size=200),
    w_e=st.lists(st.one_of(st.just(0.0), st.floats(0.01, 1.0)), min_size=200, max_size=200),
)
def test_splitting_a_constant_stress_interval_does_not_change_fade(
    chem: Chemistry,
    pre: tuple[tuple[float, float, float, float], float, float],
    s: tuple[float, float, float, float],
    dt_s: float,
    e_kwh: float,
    w_t: list[float],
    w_e: list[float],
) -> None:
    # a pre-aged battery (other stress before), then one interval at constant stress
    start = _step(AgeingState.new(N_EV), chem, *pre)
    one = _step(start, chem, s, dt_s, e_kwh)
    w_e = w_e[: len(w_t)]
    e_parts = _split(e_kwh, w_e) if sum(w_e) > 0 else [e_kwh] + [0.0] * (len(w_t) - 1)
    many = start
    for dt_part, e_part in zip(_split(dt_s, w_t), e_parts, strict=True):
        many = _step(many, chem, s, dt_part, e_part)
    np.testing.assert_allclose(many.calendar_fade, one.calendar_fade, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(many.cycle_fade, one.cycle_fade, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(many.total_fade, one.total_fade, rtol=1e-9, atol=1e-15)

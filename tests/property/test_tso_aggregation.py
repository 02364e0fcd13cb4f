"""TSO invariants: the step-mean request carries exactly the sub-step energy; activations
stay in [-1, 1]; full delivery is never penalised."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from simulators.tso.fcr import fcr_activation
from simulators.tso.model import StepSignals, TSOModel, TSOParams
from simulators.tso.settlement import SettlementParams, verify_delivery

SUB_STEPS = st.sampled_from([(900, 10), (900, 4), (900, 1), (300, 10), (3600, 60)])
DF = st.floats(-0.6, 0.6, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    steps=SUB_STEPS,
    data=st.data(),
    fcr_kw=st.floats(0.0, 5000.0),
    afrr_kw=st.floats(0.0, 5000.0),
)
def test_step_mean_energy_equals_sum_of_sub_step_energies(
    steps: tuple[int, int], data: st.DataObject, fcr_kw: float, afrr_kw: float
) -> None:
    step_s, f_step_s = steps
    n = step_s // f_step_s
    df = data.draw(hnp.arrays(np.float64, n, elements=DF))
    s = data.draw(hnp.arrays(np.float64, n, elements=st.floats(-1, 1)))
    acc = TSOModel(
        TSOParams(fcr_capacity_kw=fcr_kw, afrr_capacity_kw=afrr_kw),
        step_s=step_s,
        f_step_s=f_step_s,
    )
    out = acc.step(StepSignals(t0_s=0, dt_s=f_step_s, f_hz=50.0 + df, afrr_activation=s))
    sub_fcr_kwh = np.sum(-fcr_activation(df) * fcr_kw * f_step_s / 3600.0)
    sub_afrr_kwh = np.sum(-s * afrr_kw * f_step_s / 3600.0)
    tol = 1e-9 * max(fcr_kw, afrr_kw, 1.0)
    assert out.fcr_p_req_kw * step_s / 3600.0 == pytest.approx(sub_fcr_kwh, abs=tol)
    assert out.e_fcr_req_kwh == pytest.approx(sub_fcr_kwh, abs=tol)
    assert out.afrr_p_req_kw * step_s / 3600.0 == pytest.approx(sub_afrr_kwh, abs=tol)
    assert -1.0 <= out.fcr_activation <= 1.0
    assert np.all(np.abs(out.fcr_activation_sub) <= 1.0)


@settings(max_examples=60, deadline=None)
@given(
    req=st.lists(st.floats(-1e4, 1e4), min_size=1, max_size=100),
    extra=st.floats(0.0, 1e3),
    tolerance=st.floats(0.0, 0.5),
)
def test_full_or_over_delivery_is_never_penalised(
    req: list[float], extra: float, tolerance: float
) -> None:
    r = np.array(req)
    delivered = r + np.sign(r) * extra  # at least what was asked, in the right direction
    params = SettlementParams(penalty_eur_mwh=1e3, penalty_eur_per_failure=5.0, tolerance=tolerance)
    d = verify_delivery(r, delivered, dt_s=10.0, params=params)
    assert d.e_shortfall_kwh == 0.0 and d.penalty_eur == 0.0 and d.n_failed == 0
    assert d.e_up_kwh + d.e_down_kwh == pytest.approx(np.abs(r).sum() * 10 / 3600)


@settings(max_examples=60, deadline=None)
@given(df=st.lists(DF, min_size=1, max_size=50), shift=st.booleans())
def test_droop_is_symmetric_and_bounded(df: list[float], shift: bool) -> None:
    x = np.array(df)
    a = fcr_activation(x, shift_deadband=shift)
    np.testing.assert_array_equal(a, -fcr_activation(-x, shift_deadband=shift))
    assert np.all(np.abs(a) <= 1.0)

"""Settlement: hand-computed capacity revenue, aFRR energy pay and shortfall penalties;
provider accounts latch capacity per 4-h block and verify the lagged delivery."""

from __future__ import annotations

import numpy as np
import pytest

from cosim.errors import ModelError
from simulators.tso.afrr import AFRRParams
from simulators.tso.fcr import FCRParams
from simulators.tso.model import StepSignals, TSOModel, TSOParams
from simulators.tso.settlement import SettlementParams, capacity_revenue_eur, verify_delivery

STRICT = SettlementParams(penalty_eur_mwh=1000.0, penalty_eur_per_failure=2.0, tolerance=0.0)


def test_capacity_revenue_per_mw_and_hour() -> None:
    # 250 kW for a 4-h block at 12 EUR/(MW·h) = 0.25 MW * 12 * 4 = 12 EUR
    assert capacity_revenue_eur(250.0, 12.0, 4 * 3600) == pytest.approx(12.0)


def test_full_delivery_no_penalty_and_energy_paid_by_direction() -> None:
    req = np.array([-50.0, -50.0, 20.0, 0.0])
    d = verify_delivery(req, req, dt_s=900.0, params=STRICT)
    assert d.e_shortfall_kwh == 0.0 and d.n_failed == 0 and d.penalty_eur == 0.0
    assert d.e_up_kwh == pytest.approx(25.0)  # 2 x 50 kW x 0.25 h
    assert d.e_down_kwh == pytest.approx(5.0)
    assert d.e_req_kwh == pytest.approx(-20.0)


def test_partial_and_wrong_direction_delivery_penalised_by_hand() -> None:
    req = np.array([-100.0, -100.0, 40.0])
    delivered = np.array([-100.0, -60.0, -10.0])  # 40 kW short, then wrong way by 10 kW
    d = verify_delivery(req, delivered, dt_s=900.0, params=STRICT)
    # shortfall: 0 + 40 * 0.25 + (40 + 10) * 0.25 = 22.5 kWh
    assert d.e_shortfall_kwh == pytest.approx(22.5)
    assert d.n_failed == 2
    assert d.penalty_eur == pytest.approx(22.5 / 1000 * 1000.0 + 2 * 2.0)
    assert d.e_up_kwh == pytest.approx(25.0 + 15.0) and d.e_down_kwh == 0.0


def test_tolerance_forgives_small_shortfalls_and_over_delivery_is_free() -> None:
    params = SettlementParams(penalty_eur_mwh=1000.0, tolerance=0.05)
    d = verify_delivery([-100.0, 100.0], [-96.0, 130.0], dt_s=3600.0, params=params)
    assert d.e_shortfall_kwh == pytest.approx(4.0)  # reported ...
    assert d.n_failed == 0 and d.penalty_eur == 0.0  # ... but within 5 %
    assert d.e_down_kwh == pytest.approx(100.0)  # over-delivery not paid


def test_scalar_delivery_is_checked_against_the_step_mean() -> None:
    d = verify_delivery([-100.0, 100.0, -60.0], -20.0, dt_s=300.0, params=STRICT)
    assert d.e_shortfall_kwh == 0.0 and d.e_delivered_kwh == pytest.approx(-5.0)


def test_unknown_delivery_is_not_verified() -> None:
    d = verify_delivery([-100.0, 40.0], np.nan, dt_s=1800.0, params=STRICT)
    assert np.isnan(d.e_shortfall_kwh) and d.penalty_eur == 0.0
    assert (d.e_up_kwh, d.e_down_kwh) == pytest.approx((50.0, 20.0))


def _signals(t0: int, df_hz: float, afrr: float, n: int = 90) -> StepSignals:
    return StepSignals(
        t0_s=t0, dt_s=10, f_hz=np.full(n, 50.0 + df_hz), afrr_activation=np.full(n, afrr)
    )


def _account(**kw: object) -> TSOModel:
    params = TSOParams(
        fcr=FCRParams(block_prices_eur_mw_h=(10.0, 20.0, 30.0, 40.0, 50.0, 60.0)),
        afrr=AFRRParams(capacity_price_eur_mw_h=4.0, energy_up_eur_mwh=200.0),
        settlement=STRICT,
        **kw,  # type: ignore[arg-type]
    )
    return TSOModel(params, step_s=900, f_step_s=10)


def test_account_requests_pays_capacity_and_penalises_lagged_shortfall() -> None:
    acc = _account(fcr_capacity_kw=100.0, afrr_capacity_kw=50.0)
    s0 = acc.step(_signals(0, -0.1, 0.5))
    assert s0.fcr_p_req_kw == pytest.approx(-50.0)  # half activation, consumer sign
    assert s0.e_fcr_req_kwh == pytest.approx(-12.5)
    assert s0.afrr_p_req_kw == pytest.approx(-25.0)
    assert s0.fcr_price_eur_mw_h == 10.0
    assert s0.fcr_revenue_eur == pytest.approx(0.1 * 10.0 * 0.25)
    assert s0.fcr_shortfall_kwh == 0.0  # nothing due yet on a time-shifted link
    # step 1 verifies step 0: FCR delivered -30 of -50 kW, aFRR fully delivered
    s1 = acc.step(_signals(900, 0.0, 0.0), p_fcr_delivered_kw=-30.0, p_afrr_delivered_kw=-25.0)
    assert s1.fcr_shortfall_kwh == pytest.approx(5.0)
    assert s1.fcr_penalty_eur == pytest.approx(5.0 + 2.0)
    assert s1.afrr_shortfall_kwh == 0.0 and s1.afrr_penalty_eur == 0.0
    cap_afrr = 2 * 0.05 * 4.0 * 0.25
    assert s1.afrr_revenue_eur == pytest.approx(cap_afrr + 6.25 / 1000 * 200.0)


def test_capacity_is_latched_for_the_whole_four_hour_block() -> None:
    acc = _account(fcr_capacity_kw=10.0)
    caps = []
    for k in range(17):  # 4 h 15 min of 15-min steps
        offer = 100.0 + k  # the aggregator changes its offer every step
        caps.append(acc.step(_signals(900 * k, 0.0, 0.0), fcr_capacity_kw=offer).fcr_capacity_kw)
    assert caps[:16] == [100.0] * 16  # offer at the block's first step holds
    assert caps[16] == 116.0


def test_negative_capacity_and_bad_delivered_shape_are_rejected() -> None:
    acc = _account()
    with pytest.raises(ModelError, match="fcr_capacity_kw"):
        acc.step(_signals(0, 0.0, 0.0), fcr_capacity_kw=-5.0)
    acc = _account(delivered_lag_steps=0)
    with pytest.raises(ModelError, match="sub-steps"):
        acc.step(_signals(0, 0.0, 0.0), p_fcr_delivered_kw=np.zeros(7))


def test_sub_step_delivery_is_verified_per_sub_step() -> None:
    acc = _account(fcr_capacity_kw=100.0, delivered_lag_steps=0)
    f = np.r_[np.full(45, 49.8), np.full(45, 50.2)]  # full up, then full down
    sig = StepSignals(t0_s=0, dt_s=10, f_hz=f, afrr_activation=np.zeros(90))
    flat = acc.step(sig, p_fcr_delivered_kw=0.0)  # step mean is 0: passes on the mean
    assert flat.fcr_shortfall_kwh == 0.0
    acc = _account(fcr_capacity_kw=100.0, delivered_lag_steps=0)
    fine = acc.step(sig, p_fcr_delivered_kw=np.zeros(90))  # but fails sub-step by sub-step
    assert fine.fcr_shortfall_kwh == pytest.approx(100.0 * 900 / 3600)

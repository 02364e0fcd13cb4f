"""The DSO calls off its tender contracts: requests, activation in time, utilisation paid."""

from __future__ import annotations

import numpy as np
import pytest

from controllers.dso.market import MarketParams as DSOMarketParams
from cosim.config_flex import DSOConfig
from simulators.flex_market.gates import GateParams
from simulators.flex_market.model import MarketModel
from simulators.flex_market.params import MarketParams
from simulators.flex_market.tenders import TenderOffer, TenderParams
from tests.unit.test_dso_market import DAY, QUIET, STEP_S, evening_peak, operator, run

CONGESTED_AT = DAY + 20 * 3600  # feeder B's head line (line 12) measured at 130 %
LINE12_KVA = np.sqrt(3) * 0.4 * 0.2 * 1000  # 138.56 kVA
PERIOD_S = 3 * DAY


def loading(t: int) -> np.ndarray:
    out = QUIET.copy()
    if t == CONGESTED_AT:
        out[2] = 130.0
    return out


def test_measured_congestion_is_called_off_from_the_next_step() -> None:
    op = operator(intraday=True, intraday_lead_s=STEP_S, call_off=True)
    issued = run(op, 2, loading)
    seen = CONGESTED_AT + STEP_S  # the measurement arrives one step late
    (req,) = issued[seen]
    assert req["gate"] == "call_off" and req["zone"] == "feeder_12"
    assert (req["t_start_s"], req["t_end_s"]) == (seen + STEP_S, seen + STEP_S + 3600)
    assert req["p_kw"] == pytest.approx(0.30 * LINE12_KVA, abs=1e-3)  # 130 % -> 100 %
    assert req["id"] == f"dso-intraday-call_off-feeder_12-{seen + STEP_S}"


def test_forecast_congestion_is_called_off_for_the_day_after() -> None:
    """Line 12 at 120 % from 17:00 to 19:00 on day 0: at 11:00 on day 1 (day 0 is the last
    complete day) the DSO calls off relief for 17:00-19:00 on day 2."""
    issued = run(operator(call_off=True), 2, evening_peak(2, 120.0))
    (at, reqs), *_ = issued.items()
    assert at == DAY + 11 * 3600
    assert [(r["gate"], r["zone"]) for r in reqs] == [("call_off", "feeder_12")]
    assert (reqs[0]["t_start_s"], reqs[0]["t_end_s"]) == (2 * DAY + 17 * 3600, 2 * DAY + 19 * 3600)
    assert reqs[0]["id"] == f"dso-call_off-feeder_12-{2 * DAY + 17 * 3600}"


def test_a_call_off_is_activated_delivered_and_paid_its_utilisation_price() -> None:
    """Hand-computed: the DSO asks 41.6 kW, the 25 kW contract gives 25 kW for one hour;
    the fleet delivers 25 kW for three steps and 12.5 kW in the fourth.

    paid energy 3 x 25 x 0.25 + 12.5 x 0.25 = 21.875 kWh, utilisation 21.875 kWh x
    150 EUR/MWh = 3.28125 EUR; shortfall 3.125 kWh x 1.5 x 150 EUR/MWh = 0.703125 EUR;
    availability 25 kW x 0.5 EUR/kW over the 3-day contract, pro rata per step."""
    op = operator(intraday=True, intraday_lead_s=STEP_S, call_off=True)
    offer = TenderOffer("t12", "agg", "feeder_12", 25.0, 0, PERIOD_S, 0.5, 150.0)
    market = MarketModel(
        MarketParams(gates=GateParams(call_off_notice_s=STEP_S)),
        tender=TenderParams(min_bid_kw=10.0),
        tender_offers=[offer],
    )
    baseline_kw = 40.0
    received: list[dict] = []  # activations reach the fleet one step after they are issued
    metered: dict[int, float] = {}
    outs = {}
    for k in range(2 * DAY // STEP_S):
        t = k * STEP_S
        seen = loading(t - STEP_S) if t else None
        state = op.step(t, loading_pct=seen, v_pu=np.ones(6), p_kw=None)
        live = [a for a in received if a["t_start_s"] <= t < a["t_end_s"]]
        down = sum(a["p_kw"] for a in live)
        if live and t + STEP_S == live[0]["t_end_s"]:
            down /= 2.0  # the fleet falls short in the window's last step
        metered[t] = baseline_kw - down
        prev = {"agg@feeder_12": baseline_kw} if t else {}
        meter = {"agg@feeder_12": metered[t - STEP_S]} if t else {}
        out = market.step(t, requests=state.flex_requests, baseline_kw=prev, metered_kw=meter)
        received += out.flex_activations
        outs[t] = out
    start = CONGESTED_AT + 2 * STEP_S
    (act,) = [a for o in outs.values() for a in o.flex_activations]
    assert (act["t_start_s"], act["p_kw"], act["issued_s"]) == (start, 25.0, start - STEP_S)
    assert [metered[start + i * STEP_S] for i in range(5)] == [15.0, 15.0, 15.0, 27.5, 40.0]
    (s,) = [s for o in outs.values() for s in o.flex_settlements]
    assert s["settled_s"] == start + 3600  # the last step is metered one step later
    assert s["awarded_kwh"] == pytest.approx(25.0)
    assert s["paid_kwh"] == pytest.approx(21.875)
    assert s["payment_eur"] == pytest.approx(3.28125)
    assert s["shortfall_kwh"] == pytest.approx(3.125)
    assert s["penalty_eur"] == pytest.approx(0.703125)
    last = outs[2 * DAY - STEP_S]
    availability = 25.0 * 0.5 * (2 * DAY) / PERIOD_S  # two of the three days
    assert last.cost_eur == pytest.approx(3.28125 + availability)
    assert last.penalty_eur == pytest.approx(0.703125)


def test_call_off_requests_are_a_market_framework_setting() -> None:
    cfg = DSOConfig(enabled=True, framework="market", request_gate="call_off")
    assert cfg.create_params()["market"]["call_off"] is True
    assert DSOConfig(framework="market").create_params()["market"]["call_off"] is False
    with pytest.raises(ValueError, match="request_gate = 'call_off' needs framework = 'market'"):
        DSOConfig(framework="vcc", request_gate="call_off")
    DSOMarketParams(call_off=True)  # the planner's own setting


def test_call_offs_without_a_tender_are_refused_with_the_fix() -> None:
    from pathlib import Path

    from cosim.errors import ConfigError
    from cosim.family import load_family

    family = Path(__file__).resolve().parents[2] / "scenarios" / "dso_tso_conflict_family.toml"
    cfg = load_family(family, []).variants["tso_first_tender"]
    assert cfg.dso.request_gate == "call_off" and cfg.market.call_off_notice_s == 900
    with pytest.raises(ConfigError, match=r"dso\.request_gate") as info:
        load_family(family, ['dso.request_gate="call_off"'])  # variants without a tender
    assert "give [market.tender] offers" in str(info.value)

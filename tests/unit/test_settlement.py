"""Settlement of flexibility awards against the declared baseline (hand-computed)."""

from __future__ import annotations

import math

import pytest

from simulators.flex_market.orders import Award, Direction, Gate, Settlement
from simulators.flex_market.settlement import SettlementParams, settle

H4 = [900] * 4  # one hour in 15-min steps


def _award(
    p_kw: float = 20.0, price: float = 200.0, direction: Direction = Direction.DOWN
) -> Award:
    return Award(
        "r1/b1", "r1", "b1", "agg", "f1", 0, 3600, p_kw, price, price, direction,
        Gate.INTRADAY, "pay_as_bid", 0,
    )  # fmt: skip


def _settle(
    metered: list[float],
    *,
    baseline: float = 50.0,
    award: Award | None = None,
    params: SettlementParams | None = None,
    overlap_s: list[int] = H4,
) -> Settlement:
    return settle(
        award or _award(),
        baseline_kw=[baseline] * len(metered),
        metered_kw=metered,
        overlap_s=overlap_s,
        params=params or SettlementParams(),
    )


def test_full_delivery_is_paid_in_full_without_penalty() -> None:
    s = _settle([30.0] * 4)  # 50 - 30 = 20 kW every step
    assert s.awarded_kwh == 20.0 and s.delivered_kwh == 20.0
    assert s.paid_kwh == 20.0 and s.shortfall_kwh == 0.0
    assert s.payment_eur == pytest.approx(4.0)  # 0.02 MWh x 200 EUR/MWh
    assert s.penalty_eur == 0.0


def test_partial_delivery_pays_what_was_delivered_and_penalises_the_rest() -> None:
    s = _settle([30.0, 30.0, 40.0, 50.0])  # 20, 20, 10, 0 kW -> 12.5 kWh of 20
    assert s.paid_kwh == pytest.approx(12.5)
    assert s.shortfall_kwh == pytest.approx(7.5)
    assert s.payment_eur == pytest.approx(0.0125 * 200)
    assert s.penalty_eur == pytest.approx(0.0075 * 300)  # 1.5 x 200 EUR/MWh


def test_no_delivery_is_penalised_on_the_whole_award() -> None:
    s = _settle([55.0] * 4)  # consumed more than the baseline: negative delivery
    assert s.delivered_kwh == pytest.approx(-5.0)
    assert s.paid_kwh == 0.0 and s.payment_eur == 0.0
    assert s.penalty_eur == pytest.approx(0.020 * 300)


def test_over_delivery_is_not_paid_and_does_not_offset_a_shortfall() -> None:
    s = _settle([0.0, 0.0, 50.0, 50.0])  # 50, 50, 0, 0 kW against 20 kW
    assert s.delivered_kwh == pytest.approx(25.0)
    assert s.paid_kwh == pytest.approx(10.0)
    assert s.shortfall_kwh == pytest.approx(10.0)
    assert s.payment_eur == pytest.approx(2.0)


def test_upward_flexibility_is_measured_as_consumption_above_the_baseline() -> None:
    s = _settle([70.0] * 4, award=_award(direction=Direction.UP))
    assert s.paid_kwh == 20.0 and s.penalty_eur == 0.0
    s = _settle([30.0] * 4, award=_award(direction=Direction.UP))
    assert s.paid_kwh == 0.0 and s.shortfall_kwh == 20.0


def test_missing_meter_data_counts_as_no_delivery() -> None:
    s = _settle([30.0, math.nan, 30.0, 30.0])
    assert s.paid_kwh == pytest.approx(15.0)


def test_fixed_penalty_price_overrides_the_factor() -> None:
    params = SettlementParams(penalty_factor=1.5, penalty_eur_mwh=1000.0)
    s = _settle([50.0] * 4, params=params)
    assert s.penalty_eur == pytest.approx(20.0)


def test_partial_steps_count_only_the_seconds_inside_the_window() -> None:
    s = _settle([30.0, 30.0], overlap_s=[450, 900])  # 20 kW for 22.5 min
    assert s.awarded_kwh == pytest.approx(7.5)
    assert s.paid_kwh == pytest.approx(7.5)


@pytest.mark.parametrize(
    "kw", [{"penalty_factor": -1.0}, {"penalty_factor": math.nan}, {"penalty_eur_mwh": -5.0}]
)
def test_invalid_penalty_parameters_are_rejected(kw: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="penalty"):
        SettlementParams(**kw)  # type: ignore[arg-type]

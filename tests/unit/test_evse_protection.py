"""Undervoltage protection of the chargers (issue 9) with a hand-made voltage sequence."""

from __future__ import annotations

import pytest

from simulators.evse.model import EVSEModel
from simulators.evse.params import EVSEParams

# the time-shifted voltage each step reads (mean of the previous step) [p.u.]
V_SEQ = [1.0, 0.95, 0.84, 0.69, 0.88, 0.89, 0.91, 0.95, 0.80, 0.92]
# 0.85 trip, 0 s delay: trips at the first low reading; 0.90 / 60 s: back at 0.91
TRIPPED = [0, 0, 1, 1, 1, 1, 0, 0, 1, 0]


def _run(params: EVSEParams, v_seq: list[float]) -> list:  # type: ignore[type-arg]
    bank = EVSEModel(params, step_s=900)
    return [
        bank.step(
            k * 900,
            plugged=[True],
            e_need_kwh=[100.0],
            p_max_kw=[11.0],
            charger_idx=[0],
            v_pu=[v],
        )
        for k, v in enumerate(v_seq)
    ]


def test_trip_and_reconnect_follow_the_settings() -> None:
    states = _run(EVSEParams(bus_id=[0]), V_SEQ)
    assert [int(s.tripped[0]) for s in states] == TRIPPED
    assert [float(s.p_kw[0]) for s in states] == [0.0 if t else 11.0 for t in TRIPPED]
    assert all(s.q_kvar[0] == 0.0 for s in states)
    assert [float(s.p_tripped_kw[0]) for s in states] == [11.0 * t for t in TRIPPED]
    assert int(states[-1].n_trips[0]) == 2
    assert all(s.p_batt_kw[0] == 0.0 for s, t in zip(states, TRIPPED, strict=True) if t)


def test_delays_in_steps_and_disabled_protection() -> None:
    slow = EVSEParams(bus_id=[0], uv_trip_delay_s=1800.0, uv_reconnect_delay_s=1800.0)
    tripped = [int(s.tripped[0]) for s in _run(slow, [0.8, 0.8, 0.8, 0.95, 0.95, 0.95])]
    assert tripped == [0, 1, 1, 1, 0, 0]
    off = _run(EVSEParams(bus_id=[0], uv_protection=False), V_SEQ)
    assert not any(s.tripped[0] for s in off)
    assert all(s.p_kw[0] == 11.0 for s in off)


def test_no_voltage_never_trips() -> None:
    bank = EVSEModel(EVSEParams(bus_id=[0, 1]), step_s=900)
    s = bank.step(0, plugged=[1, 1], e_need_kwh=[9.0, 9.0], p_max_kw=[11, 11], charger_idx=[0, 1])
    assert not s.tripped.any()


@pytest.mark.parametrize(
    ("field", "value"), [("uv_trip_pu", 1.2), ("uv_reconnect_pu", 0.8), ("uv_trip_delay_s", -1)]
)
def test_invalid_settings_are_named(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        EVSEParams(bus_id=[0], **{field: value})

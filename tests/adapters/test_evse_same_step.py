"""The charger bank's same-time loop (qv_loop = "same_step") called directly."""

from __future__ import annotations

import numpy as np

from simulators.evse.adapter import EVSESim

AREA = "grid-0.Area"
FLEET = "fleet-0.Fleet_0"
BUSES = [3, 5]


def _bank(qv_loop: str) -> tuple[EVSESim, str]:
    sim = EVSESim()
    sim.init("evse", 1.0, step_s=900)
    (entity,) = sim.create(
        1,
        "ChargerBank",
        bus_id=[3, 5],
        p_rated_kw=7.4,
        s_rated_kva=11.0,
        q_mode="qv",
        qv_curve="ieee1547_cat_b",
        delay_s=450.0,
        uv_trip_pu=0.9,
        uv_trip_delay_s=900.0,
        qv_loop=qv_loop,
    )
    return sim, entity["eid"]


def _inputs(eid: str, v: list[float] | None, *, loop: bool) -> dict:
    fleet = {"plugged": [1, 1], "e_need_kwh": [30.0, 30.0], "p_max_kw": [11.0, 11.0]}
    attrs = {k: {FLEET: val} for k, val in fleet.items()}
    attrs["charger_idx"] = {FLEET: [0, 1]}
    if v is not None:
        names = ("v_loop_pu", "bus_id_loop") if loop else ("v_pu", "bus_id")
        attrs[names[0]], attrs[names[1]] = {AREA: np.array(v)}, {AREA: np.array(BUSES)}
    return {eid: attrs}


def _out(sim: EVSESim, eid: str) -> dict:
    return sim.get_data({eid: ["p_kw", "q_kvar", "resolve", "loop_iter"]})[eid]


def test_re_steps_at_one_time_act_like_a_single_step_on_the_last_voltage() -> None:
    """Dead time, ramp and protection timers advance once per time, however many
    re-steps; Q follows the voltage of the latest iterate."""
    looped, eid = _bank("same_step")
    plain, pid = _bank("previous_step")
    voltages = [[0.96, 0.95], [0.89, 0.88], [0.93, 0.92]]  # below the trip level once
    for t in (0, 900):
        for k, v in enumerate(voltages):
            looped.step(t, _inputs(eid, v, loop=True), t + 900)
            out = _out(looped, eid)
            assert out["loop_iter"] == k
        plain.step(t, _inputs(pid, voltages[-1], loop=False), t + 900)
        ref = plain.get_data({pid: ["p_kw", "q_kvar"]})[pid]
        np.testing.assert_allclose(out["p_kw"], ref["p_kw"])
        np.testing.assert_allclose(out["q_kvar"], ref["q_kvar"])
    assert (np.asarray(out["q_kvar"]) < 0).all()  # injecting at 0.93 / 0.92 p.u.
    # the 0.89 p.u. iterate would have tripped the chargers had it counted as 900 s low
    assert list(looped.get_data({eid: ["n_trips"]})[eid]["n_trips"]) == [0, 0]


def test_resolve_is_sent_only_while_the_powers_move() -> None:
    sim, eid = _bank("same_step")
    sim.step(0, _inputs(eid, [1.0, 1.0], loop=True), 900)
    assert "resolve" not in _out(sim, eid)  # the first iterate: the grid solves it anyway
    sim.step(0, _inputs(eid, [0.94, 0.94], loop=True), 900)
    assert _out(sim, eid)["resolve"] is True  # Q(V) moved: solve again
    sim.step(0, _inputs(eid, [0.94, 0.94], loop=True), 900)
    assert "resolve" not in _out(sim, eid)  # nothing moved: converged

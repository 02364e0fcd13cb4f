"""Chargers on grid phases: parameters, seeded draw, per-phase power outputs."""

from __future__ import annotations

import numpy as np
import pytest

from simulators.evse.adapter import EVSESim
from simulators.evse.params import EVSEParams, draw_charger_phases

FLEET = "fleet-0.Fleet_0"
PHASE_ATTRS = ["p_a_kw", "p_b_kw", "p_c_kw", "q_a_kvar", "q_b_kvar", "q_c_kvar"]


def _step(**create):
    sim = EVSESim()
    sim.init("evse", 1.0, step_s=900, start="2016-06-06T00:00:00+02:00", seed=[1])
    (entity,) = sim.create(1, "ChargerBank", bus_id=[3, 3, 5], **create)
    eid = entity["eid"]
    state = {
        "plugged": [True, True, True],
        "soc": [0.5, 0.5, 0.5],
        "e_need_kwh": [20.0, 20.0, 20.0],
        "p_max_kw": [22.0, 22.0, 22.0],
        "departure_s": [36000] * 3,
        "charger_idx": [0, 1, 2],
    }
    sim.step(0, {eid: {k: {FLEET: v} for k, v in state.items()}}, 900)
    out = sim.get_data({eid: ["p_kw", "q_kvar", *PHASE_ATTRS]})[eid]
    return entity["extra_info"], {k: np.asarray(v, dtype=float) for k, v in out.items()}


def test_phase_outputs_put_single_phase_power_on_its_phase():
    info, out = _step(
        p_rated_kw=[7.4, 11.0, 3.7],
        s_rated_kva=[8.0, 12.0, 4.0],
        phases=[1, 3, 1],
        phase=[1, -1, 2],
        q_mode="cos_phi",
        cos_phi=0.95,
    )
    assert info["phase"] == [1, -1, 2]
    p = np.stack([out["p_a_kw"], out["p_b_kw"], out["p_c_kw"]], axis=1)
    q = np.stack([out["q_a_kvar"], out["q_b_kvar"], out["q_c_kvar"]], axis=1)
    np.testing.assert_allclose(p.sum(axis=1), out["p_kw"])
    np.testing.assert_allclose(q.sum(axis=1), out["q_kvar"])
    assert out["p_kw"].min() > 0 and out["q_kvar"].min() > 0
    np.testing.assert_array_equal(p[0] > 0, [False, True, False])
    np.testing.assert_allclose(p[1], out["p_kw"][1] / 3.0)
    np.testing.assert_array_equal(p[2] > 0, [False, False, True])


def test_single_phase_chargers_default_to_phase_a():
    assert EVSEParams(bus_id=[1, 2], phases=[1, 3]).phase.tolist() == [0, -1]


@pytest.mark.parametrize(
    ("phases", "phase"), [([1, 3], [3, -1]), ([1, 3], [0, 1]), ([1, 1], [-1, 0])]
)
def test_phase_must_fit_the_connection(phases, phase):
    with pytest.raises(ValueError, match="phase must be 0, 1 or 2"):
        EVSEParams(bus_id=[1, 2], phases=phases, phase=phase)


def test_charger_phase_draw_is_seeded_and_consistent():
    a = draw_charger_phases(400, share_single=0.6, rng=np.random.default_rng(9))
    b = draw_charger_phases(400, share_single=0.6, rng=np.random.default_rng(9))
    assert a == b
    phases, phase = np.array(a["phases"]), np.array(a["phase"])
    assert np.all((phases == 1) == (phase >= 0))
    assert 0.5 < np.mean(phases == 1) < 0.7
    EVSEParams(bus_id=np.zeros(400, dtype=int), **a)  # a valid charger bank


def test_single_phase_charger_trips_on_its_own_phase_voltage():
    sim = EVSESim()
    sim.init("evse", 1.0, step_s=900, start="2016-06-06T00:00:00+02:00", seed=[1])
    (entity,) = sim.create(
        1, "ChargerBank", bus_id=[3, 3], phases=[1, 3], phase=[1, -1], p_rated_kw=[7.4, 11.0]
    )
    eid = entity["eid"]
    ev = {
        "plugged": [True, True],
        "soc": [0.5, 0.5],
        "e_need_kwh": [20.0, 20.0],
        "p_max_kw": [22.0, 22.0],
        "departure_s": [36000] * 2,
        "charger_idx": [0, 1],
    }
    grid = {"v_pu": [1.0, 0.95], "v_a_pu": [1.0, 1.0], "v_b_pu": [1.0, 0.80], "v_c_pu": [1.0, 1.05]}
    inputs = {k: {FLEET: v} for k, v in ev.items()}
    inputs |= {k: {"grid.Area": v} for k, v in grid.items()}
    inputs["bus_id"] = {"grid.Area": [1, 3]}
    sim.step(0, {eid: inputs}, 900)
    out = sim.get_data({eid: ["tripped", "p_kw"]})[eid]
    # phase b at 0.80 p.u. trips the single-phase charger; the three-phase one sees 0.95
    assert list(np.asarray(out["tripped"], dtype=bool)) == [True, False]
    assert out["p_kw"][0] == 0.0 and out["p_kw"][1] > 0.0

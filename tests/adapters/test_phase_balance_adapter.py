"""Phase balancer adapter: bus mapping, balanced voltages for all phases, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from controllers.phase_balance import PhaseBalanceSim
from cosim.errors import ModelError

GRID_BUS = [10, 11, 12]


def _sim(**settings):
    sim = PhaseBalanceSim()
    sim.init("PB", step_s=900)
    (entity,) = sim.create(
        1,
        "PhaseBalancer",
        grid_bus_id=GRID_BUS,
        charger_bus_id=[12, 11],
        charger_phase=[0, 0],
        charger_p_rated_kw=7.4,
        **settings,
    )
    return sim, entity["eid"]


def test_each_charger_sees_the_voltage_of_its_own_bus_and_phase() -> None:
    sim, eid = _sim(rule=False)
    v_a = [1.0, 1.0, 0.93]  # only bus 12 (the first charger's) is low on phase a
    inputs = {
        eid: {
            "v_a_pu": {"Grid.Area": v_a},
            "v_b_pu": {"Grid.Area": [1.0] * 3},
            "v_c_pu": {"Grid.Area": [1.0] * 3},
            "p_kw": {"EVSE.Bank": [7.4, 7.4]},
        }
    }
    assert sim.step(0, inputs) == 900
    out = sim.get_data({eid: ["p_limit_kw", "cap_kw", "n_limited", "p_shed_kw"]})[eid]
    # 500 kW/pu x 0.02 = 10 kW of the phase's 14.8 kW: both capped at 2.4 kW
    np.testing.assert_allclose(out["p_limit_kw"], [2.4, 2.4])
    assert out["n_limited"] == 2 and out["p_shed_kw"] == pytest.approx(10.0)


def test_a_balanced_area_voltage_counts_for_every_phase() -> None:
    sim, eid = _sim(rule=False)
    inputs = {eid: {"v_pu": {"Grid.Area": [1.0, 0.93, 1.0]}, "p_kw": {"B": [0.0, 7.4]}}}
    sim.step(0, inputs)
    out = sim.get_data({eid: ["cap_kw"]})[eid]
    np.testing.assert_allclose(out["cap_kw"][:3], [0.0, 0.0, 0.0])  # a, b, c all low


def test_rule_caps_without_any_input() -> None:
    sim, eid = _sim()
    sim.step(0, {})
    np.testing.assert_allclose(sim.get_data({eid: ["p_limit_kw"]})[eid]["p_limit_kw"], [4.6, 4.6])


def test_wrong_sizes_and_unknown_settings_are_named() -> None:
    sim, eid = _sim()
    with pytest.raises(ModelError, match="p_kw from B has 3 values"):
        sim.step(0, {eid: {"p_kw": {"B": [1.0, 2.0, 3.0]}}})
    with pytest.raises(ValueError, match="unknown phase balancer setting"):
        _sim(gain=3.0)
    with pytest.raises(ValueError, match=r"charger buses \[99\]"):
        PhaseBalanceSim().create(
            1,
            "PhaseBalancer",
            grid_bus_id=GRID_BUS,
            charger_bus_id=[99],
            charger_phase=[0],
            charger_p_rated_kw=7.4,
        )

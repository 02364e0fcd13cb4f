"""The port catalogue, the META built from it and the folding of several sources."""

from __future__ import annotations

import importlib
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cosim.adapter_base import INPUTS_KEY, OUTPUTS_KEY, ModelPorts
from cosim.errors import ModelError
from cosim.fold import fold, fold_total
from cosim.ports import ALL_PORTS, declare, port
from cosim.ports_types import Combine, Dim, Port
from cosim.registry import SIMULATORS

#: adapters built on cosim.adapter_base (META from their PORTS)
MIGRATED = (
    "simulators.ev_fleet.adapter",
    "simulators.evse.adapter",
    "simulators.tariff.adapter",
    "simulators.home_energy.adapter",
    "simulators.grid.adapter",
    "simulators.flex_market.adapter",
    "controllers.dso.adapter",
    "controllers.phase_balance.adapter",
    "controllers.aggregator.adapter",
    "controllers.coordination.adapter",
    "simulators.tso.adapter",
)


def _meta(impl: str) -> dict:
    module, cls = SIMULATORS[impl][0].split(":")
    return getattr(importlib.import_module(module), cls)().meta


@pytest.mark.parametrize("impl", sorted(set(SIMULATORS) - {"recorder"}))
def test_every_attr_and_trigger_of_every_simulator_is_a_catalogue_port(impl: str) -> None:
    for model, desc in _meta(impl)["models"].items():
        unknown = [a for a in desc["attrs"] if a not in ALL_PORTS]
        assert not unknown, f"{impl}.{model}: {unknown}"
        assert set(desc.get("trigger", ())) <= set(desc["attrs"])


@pytest.mark.parametrize("module", MIGRATED)
def test_meta_is_built_from_the_declared_inputs_and_outputs(module: str) -> None:
    mod = importlib.import_module(module)
    assert mod.META["models"].keys() == mod.PORTS.keys()
    for model, ports in mod.PORTS.items():
        desc = mod.META["models"][model]
        assert desc[INPUTS_KEY] == list(ports.inputs)
        assert desc[OUTPUTS_KEY] == list(ports.outputs)
        assert set(desc["attrs"]) == set(ports.inputs) | set(ports.outputs)
        assert desc["params"] == list(ports.params)
        # every input has a combine rule: the model's own or the catalogue's
        assert all(isinstance(ports.combine_of(a), Combine) for a in ports.inputs)


@pytest.mark.parametrize("module", MIGRATED)
def test_every_model_name_is_an_exported_constant(module: str) -> None:
    mod = importlib.import_module(module)
    names = {getattr(mod, k) for k in mod.__all__ if k.startswith("MODEL_")}
    assert names == set(mod.META["models"])  # KPIs and scenarios look models up by these


def test_the_afrr_ports_are_known_without_importing_their_simulators() -> None:
    # the main process sizes initial data of simulators it may start in other processes
    code = (
        "import sys; from cosim.ports import port; "
        "print([port(n).dim.name for n in ('afrr_band_kw', 'afrr_served_kw', "
        "'n_afrr_double_claim')], 'controllers.coordination' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["['CHARGER',", "'SCALAR',", "'SCALAR']", "False"]


def test_a_port_declares_unit_index_default_and_combine_rule() -> None:
    p = port("p_limit_kw")
    assert (p.unit, p.dim, p.combine) == ("kW", Dim.CHARGER, Combine.MIN)
    assert math.isnan(p.default)  # no limit
    assert port("plugged").combine is Combine.ONE  # one fleet per charger bank
    assert port("v_pu").dim.info_key == "bus_id"
    with pytest.raises(KeyError, match="declare it"):
        port("p_nope_kw")


def test_unknown_model_ports_fail_when_declared() -> None:
    with pytest.raises(KeyError, match="p_nope_kw"):
        ModelPorts(inputs=("p_nope_kw",))
    with pytest.raises(ValueError, match="not an input"):
        ModelPorts(inputs=("p_kw",), combine={"q_kvar": Combine.SUM})


def test_a_new_port_is_declared_once_and_a_clash_is_refused() -> None:
    new = Port("e_test_kwh", "kWh", Dim.HOME, Combine.SUM, math.nan, "Test energy.")
    assert declare(new) == (new,)
    assert declare(Port("e_test_kwh", "kWh", Dim.HOME, Combine.SUM, float("nan"), "Test energy."))
    with pytest.raises(ValueError, match="already declared"):
        declare(Port("p_kw", "MW", Dim.SCALAR, Combine.SUM, 0.0, "Another meaning."))


def test_sum_skips_missing_values_and_fills_the_default() -> None:
    src = {"a": [1.0, np.nan, np.nan], "b": [2.0, 3.0, np.nan]}
    np.testing.assert_array_equal(fold(port("p_batt_kw"), src, n=3), [3.0, 3.0, 0.0])
    out = fold(port("p_set_kw"), src, n=3)  # no setpoint from anyone stays "no setpoint"
    np.testing.assert_array_equal(out, [3.0, 3.0, np.nan])
    assert fold(port("p_set_kw"), None, n=3) is None
    one = fold(port("p_set_kw"), {"a": 5.0}, n=3, broadcast=True)
    np.testing.assert_array_equal(one, [5.0, 5.0, 5.0])


def test_min_and_any_and_concat() -> None:
    lim = fold(port("p_limit_kw"), {"a": [5.0, np.nan], "b": [7.0, 3.0]}, n=2)
    np.testing.assert_array_equal(lim, [5.0, 3.0])
    hit = fold(port("tripped"), {"a": [0, 1, 0], "b": [0, 0, 1]}, n=3)
    np.testing.assert_array_equal(hit, [False, True, True])
    orders = fold(port("flex_bids"), {"z": [{"id": 2}], "a": {"id": 1}, "m": None})
    assert orders == [{"id": 1}, {"id": 2}]  # source-id order, a dict is one order


def test_wrong_wiring_names_the_port_the_source_and_the_fix() -> None:
    with pytest.raises(ModelError, match=r"Fleet_0.p_batt_kw from x has 3 values for 4 EVs"):
        fold(port("p_batt_kw"), {"x": [0.0] * 3}, n=4, owner="Fleet_0")
    with pytest.raises(ModelError, match=r"connected to 2 fleets .* connect exactly one fleet"):
        fold(port("plugged"), {"f1": [1], "f2": [0]}, owner="Bank", sender="fleet")


def test_add_keeps_a_nan_for_the_receiver_to_reject() -> None:
    src = {"a": [1.0, np.nan], "b": [2.0, 3.0]}
    out = fold(port("p_up_kw"), src, n=2, combine=Combine.ADD)
    np.testing.assert_array_equal(out, [3.0, np.nan])
    one = fold(port("p_up_kw"), {"a": [1.0, np.nan]}, n=2, combine=Combine.ADD)
    np.testing.assert_array_equal(one, [1.0, np.nan])
    with pytest.raises(ModelError, match="has 1 values for 2 chargers"):
        fold(port("p_up_kw"), {"a": [1.0]}, n=2, combine=Combine.ADD)


def test_total_sums_every_element_of_every_source() -> None:
    assert fold_total({"a": [1.0, 2.0], "b": 4.0, "c": [np.nan, 1.0]}) == 8.0
    assert fold_total({}) is None


arrays = st.lists(
    st.lists(st.one_of(st.just(math.nan), st.floats(-1e6, 1e6)), min_size=4, max_size=4),
    min_size=1,
    max_size=4,
)


@given(arrays)
def test_sum_equals_the_nan_sum_and_min_the_nan_min_over_sources(rows: list[list[float]]) -> None:
    src = {f"s{i}": r for i, r in enumerate(rows)}
    stack = np.array(rows)
    none = np.isnan(stack).all(axis=0)
    total = fold(port("p_kw"), src, n=4)
    np.testing.assert_allclose(total, np.where(none, 0.0, np.nansum(stack, axis=0)))
    low = fold(port("p_limit_kw"), src, n=4)
    expected = np.where(none, np.nan, np.nanmin(np.where(np.isnan(stack), np.inf, stack), 0))
    np.testing.assert_array_equal(low, expected)

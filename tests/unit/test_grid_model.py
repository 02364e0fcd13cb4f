"""GridModel: injections, background rows and non-convergence handling."""

from __future__ import annotations

import copy
import logging

import numpy as np
import pytest

from cosim.errors import GridNotConvergedError, ModelError
from simulators.grid.model import GridModel
from simulators.grid.network import load_network, prepare
from simulators.grid.profiles import BackgroundProfiles

BACKENDS = ["lightsim2grid", "pandapower"]


@pytest.fixture(scope="module")
def simple_net():
    return load_network("pandapower:example_simple")


def _model(net, backend, on_nonconvergence="raise"):
    grid = prepare(copy.deepcopy(net))
    return GridModel(
        grid,
        BackgroundProfiles.constant(grid.net),
        backend=backend,
        on_nonconvergence=on_nonconvergence,
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_extra_load_lowers_the_voltage_at_its_bus(simple_net, backend):
    model = _model(simple_net, backend)
    zero = np.zeros(model.n_bus)
    base = model.step(0, zero, zero)
    far = model.n_bus - 1
    p = zero.copy()
    p[far] = 500.0  # kW
    loaded = model.step(900, p, zero)
    assert loaded.converged
    assert loaded.vm_pu[far] < base.vm_pu[far] - 1e-4
    assert loaded.p_slack_kw == pytest.approx(base.p_slack_kw + 500.0, rel=0.02)


@pytest.mark.parametrize("backend", BACKENDS)
def test_nonconvergence_raises_with_the_time(simple_net, backend):
    model = _model(simple_net, backend)
    p = np.full(model.n_bus, 1e6)  # 1 GW per bus
    with pytest.raises(GridNotConvergedError) as info:
        model.step(1800, p, np.zeros(model.n_bus))
    assert info.value.time_s == 1800
    assert info.value.backend == backend
    assert "t=1800 s" in str(info.value)


@pytest.mark.parametrize("backend", BACKENDS)
def test_nonconvergence_flags_and_the_next_step_works(simple_net, backend, caplog):
    model = _model(simple_net, backend, on_nonconvergence="flag")
    zero = np.zeros(model.n_bus)
    good = model.step(0, zero, zero)
    with caplog.at_level(logging.WARNING):
        bad = model.step(900, np.full(model.n_bus, 1e6), zero)
    assert not bad.converged
    assert np.isnan(bad.vm_pu).all() and np.isnan(bad.line_loading_pct).all()
    assert "did not converge at t=900 s" in caplog.text
    again = model.step(1800, zero, zero)
    assert again.converged
    np.testing.assert_allclose(again.vm_pu, good.vm_pu, atol=1e-9)


def test_background_follows_the_profile_row(simple_net):
    grid = prepare(copy.deepcopy(simple_net))
    nominal = BackgroundProfiles.constant(grid.net)
    rows = np.stack([nominal.load_p_mw_at(0), 2 * nominal.load_p_mw_at(0)])
    prof = BackgroundProfiles.from_arrays(
        load_p_mw=rows,
        load_q_mvar=np.stack([nominal.load_q_mvar_at(0)] * 2),
        sgen_p_mw=np.stack([nominal.sgen_p_mw_at(0)] * 2),
    )
    model = GridModel(grid, prof)
    zero = np.zeros(model.n_bus)
    first, second = model.step(0, zero, zero), model.step(900, zero, zero)
    assert second.p_load_bg_kw == pytest.approx(2 * first.p_load_bg_kw, rel=1e-6)
    assert second.p_slack_kw > first.p_slack_kw


def test_bad_choices_are_refused(simple_net):
    grid = prepare(copy.deepcopy(simple_net))
    prof = BackgroundProfiles.constant(grid.net)
    with pytest.raises(ModelError, match="'raise' or 'flag'"):
        GridModel(grid, prof, on_nonconvergence="ignore")
    with pytest.raises(ValueError, match="lightsim2grid"):
        GridModel(grid, prof, backend="matpower")


def test_lightsim_refuses_grids_it_cannot_reproduce():
    grid = prepare(load_network("pandapower:mv_oberrhein"))  # two ext_grids
    with pytest.raises(ModelError, match="backend='pandapower'"):
        GridModel(grid, BackgroundProfiles.constant(grid.net))


def test_static_tables_use_original_ids(simple_net):
    model = _model(simple_net, "lightsim2grid")
    buses = model.bus_table()
    assert len(buses) == model.n_bus
    assert set(model.line_table()["from_bus_id"]) <= set(buses["bus_id"])
    assert model.trafo_table()["hv_bus_id"].isin(buses["bus_id"]).all()

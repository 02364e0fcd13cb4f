"""The availability history stored by the even-step kernel (``even_zone_availability``
with ``history``: ``availability_kernels.even_step``) against what it replaces, the
services' ``ZoneMemory.update`` of the zones' down at each step: the same history bit for
bit (signed zeros, NaN), the same errors for an index or a width out of range."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controllers.aggregator.availability import even_zone_availability
from controllers.aggregator.flex_offers import ZoneMemory
from controllers.aggregator.policy import FleetObservation
from tests.property.test_aggregator_even_step import _bank
from tests.property.test_aggregator_kernels import _fresh, _same, _values, fleets

_EDGE = st.sampled_from([0.0, -0.0, np.nan, np.inf, 2.5])


def _memory(data: st.DataObject, n_zone: int) -> ZoneMemory:
    mem = ZoneMemory(n_zone=n_zone, day_steps=data.draw(st.integers(1, 6)), days=2)
    mem._values[...] = data.draw(_EDGE)  # what earlier steps stored, edge values too
    return mem


def _step(obs: FleetObservation, n_zone: int, zones: np.ndarray, **kw: object):
    p_set = np.full(obs.n_chargers, np.nan)
    bank = _bank(obs, np.zeros(obs.n_chargers), np.zeros(obs.n_chargers))
    return even_zone_availability(
        obs, p_set, bank, v2g=True, zone_of_charger=zones, n_zone=n_zone, **kw
    )


@settings(deadline=None, max_examples=300)
@given(fleets(), st.data())
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_the_kernel_stores_what_update_stored(obs: FleetObservation, data: st.DataObject) -> None:
    n_zone = data.draw(st.integers(1, 3))
    zone = st.integers(-1, n_zone - 1)
    zones = np.array(
        data.draw(st.lists(zone, min_size=obs.n_chargers, max_size=obs.n_chargers)), np.int64
    )
    obs = FleetObservation(
        **{**_fresh(obs).__dict__, "soc": data.draw(_values(obs.n_ev, -0.5, 1.5))}
    )
    ref_mem = _memory(data, n_zone)
    new_mem = ZoneMemory(n_zone=n_zone, day_steps=ref_mem._values.shape[1], days=2)
    new_mem._values[...] = ref_mem._values  # the same history before the step
    day = data.draw(st.integers(0, 9))
    step = data.draw(st.integers(0, ref_mem._values.shape[1] - 1))
    ref = _step(_fresh(obs), n_zone, zones)
    ref_mem.update(day=day, step=step, values=ref.zoned.p_down_kw)
    got = _step(_fresh(obs), n_zone, zones, history=new_mem.target(day=day, step=step))
    assert _same(new_mem._values, ref_mem._values)
    assert _same(got.zoned.p_down_kw, ref.zoned.p_down_kw)


def test_an_index_or_a_width_out_of_range_raises() -> None:
    obs = FleetObservation(
        time_s=0, step_s=900, plugged=np.ones(2, bool), soc=np.full(2, 0.5),
        e_need_kwh=np.full(2, 5.0), e_capacity_kwh=np.full(2, 50.0),
        departure_s=np.full(2, 3600, np.int64), p_max_kw=np.full(2, 11.0),
        soc_min=np.zeros(2), soc_target=np.ones(2), opt_out=np.zeros(2, bool),
        charger_idx=np.arange(2, dtype=np.int64), p_rated_kw=np.full(2, 11.0),
        efficiency=np.full(2, 0.92), bidirectional=np.ones(2, bool),
    )  # fmt: skip
    zones = np.zeros(2, np.int64)
    history = np.zeros((2, 3, 1))
    with pytest.raises(IndexError):
        history[0, 3] = 0.0  # numpy's answer
    with pytest.raises(IndexError):
        _step(_fresh(obs), 1, zones, history=(history, 0, 3))
    with pytest.raises(ValueError):
        _step(_fresh(obs), 1, zones, history=(np.zeros((2, 3, 2)), 0, 0))
    _step(_fresh(obs), 1, zones, history=(history, -1, -1))  # numpy's negative indices
    assert history[1, 2, 0] == _step(_fresh(obs), 1, zones).zoned.p_down_kw[0]

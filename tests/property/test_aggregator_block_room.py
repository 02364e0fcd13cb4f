"""The block offer's room along the even baseline in one kernel call
(``availability_forecast_kernels.forecast_even_room``, ``fleet_forecast.even_block_room``)
against the numpy code it replaces in ``BalancingOffers.offer`` and ``fcr.offer_band``: the
forecast, per step the sum over the zones of ``np.maximum(room, 0.0)``
(``np.add.reduce(..., axis=0)``) without the first step, then the smallest of
``np.minimum(up, down)`` (``np.minimum.reduce``); bit for bit, signed zeros and NaN
included.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controllers.aggregator import availability_forecast_kernels as forecast_kernels
from controllers.aggregator import availability_kernels as kernels
from controllers.aggregator.availability import BaseShape, ev_bounds
from controllers.aggregator.fcr import FCRProvision
from controllers.aggregator.fleet_forecast import availability_forecast, even_block_room
from controllers.aggregator.flex_offers import FlexProvision
from controllers.aggregator.policy import DEFAULT_EFFICIENCY, FleetObservation
from controllers.aggregator.services import FleetServices
from tests.property.test_aggregator_kernels import _fresh, _large_fleet, _same, fleets


def _room_ref(out: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.float64]:
    """The services' numpy code: the room summed over the zones, the first step left out,
    and offer_band's smallest symmetric room (NaN without a step after the first)."""
    up = np.add.reduce(np.maximum(out[1], 0.0), axis=0)[1:]  # .sum(axis=0)
    down = np.add.reduce(np.maximum(out[2], 0.0), axis=0)[1:]
    low = np.minimum.reduce(np.minimum(up, down)) if up.size else np.float64(np.nan)
    return up, down, low


def _rows(obs: FleetObservation, v2g: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = obs.n_ev
    floats, ints, flags = np.empty((5, n)), np.empty((2, n), np.int64), np.empty((3, n), bool)
    kernels.fleet_bounds(
        obs.plugged, obs.charger_idx, obs.departure_s, obs.p_max_kw, obs.opt_out,
        obs.e_need_kwh, obs.soc, obs.soc_min, obs.e_capacity_kwh, obs.p_rated_kw,
        obs.efficiency, obs.bidirectional, obs.time_s, obs.step_s, obs.dt_h, 1,
        DEFAULT_EFFICIENCY, v2g, floats, ints, flags,
    )  # fmt: skip
    return floats, ints, flags


def _zones(data: st.DataObject, n_chargers: int) -> tuple[np.ndarray, int]:
    n_zone = data.draw(st.integers(0, 3))
    zone = st.integers(-1, n_zone - 1)
    zones = data.draw(st.lists(zone, min_size=n_chargers, max_size=n_chargers))
    return np.array(zones, dtype=np.int64), n_zone


@settings(deadline=None, max_examples=300)
@given(fleets(), st.booleans(), st.booleans(), st.data())
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_kernel_equals_the_forecast_and_numpy_sums(
    obs: FleetObservation, v2g: bool, locked: bool, data: st.DataObject
) -> None:
    horizon = data.draw(st.integers(1, 20))
    zone_of_charger, n_zone = _zones(data, obs.n_chargers)
    floats, ints, flags = _rows(obs, v2g)
    ref = np.zeros((3, n_zone, horizon))
    forecast_kernels.forecast_even_sums(
        flags[kernels.CTRL], floats[kernels.P_HI], floats[kernels.ETA], flags[kernels.BIDIR],
        ints[kernels.STEPS], obs.charger_idx, obs.e_need_kwh, obs.soc, obs.soc_min,
        obs.e_capacity_kwh, zone_of_charger, obs.dt_h, v2g, ref,
    )  # fmt: skip
    if locked:  # the rows as the memo hands them out once a view was taken
        for rows in (floats, ints, flags):
            rows.setflags(write=False)
    out = np.zeros((3, n_zone, horizon))
    low = forecast_kernels.forecast_even_room(
        floats, ints, flags, obs.charger_idx, obs.e_need_kwh, obs.soc, obs.soc_min,
        obs.e_capacity_kwh, zone_of_charger, obs.dt_h, v2g, out,
    )  # fmt: skip
    assert _same(out, ref)
    up, down, ref_low = _room_ref(ref)
    # the premise of the kernel's minimum: no sum is -0.0 (no signed zeros to choose from)
    assert not np.signbit(up[up == 0.0]).any() and not np.signbit(down[down == 0.0]).any()
    assert _same(np.float64(low), ref_low)


def _forecast_low(obs: FleetObservation, **kw: object) -> np.float64:
    fc = availability_forecast(obs, shape=BaseShape.EVEN, **kw)  # type: ignore[arg-type]
    return _room_ref(np.array([fc.p_base_kw, fc.p_up_kw, fc.p_down_kw]))[2]


@settings(deadline=None, max_examples=200)
@given(fleets(), st.booleans(), st.booleans(), st.data())
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_block_room_equals_the_forecast_it_replaces(
    obs: FleetObservation, v2g: bool, bounds_first: bool, data: st.DataObject
) -> None:
    horizon = data.draw(st.integers(2, 20))  # the services call it with a step after now
    zone_of_charger, n_zone = _zones(data, obs.n_chargers)
    kw = {"horizon": horizon, "v2g": v2g, "zone_of_charger": zone_of_charger, "n_zone": n_zone}
    if bounds_first:  # the rows memoised and locked before (as a step that read them)
        ev_bounds(obs, v2g=v2g)
    got = even_block_room(obs, **kw)  # type: ignore[arg-type]
    assert _same(np.float64(got), _forecast_low(_fresh(obs), **kw))


@pytest.mark.parametrize("seed", range(4))
def test_block_room_of_a_large_fleet(seed: int) -> None:
    obs, zone_of_charger, _ = _large_fleet(seed, step_s=900, time_s=10**6)
    kw = {"horizon": 16, "zone_of_charger": zone_of_charger.astype(np.int64), "n_zone": 3}
    for v2g in (False, True):
        got = even_block_room(obs, v2g=v2g, **kw)  # type: ignore[arg-type]
        assert _same(np.float64(got), _forecast_low(_fresh(obs), v2g=v2g, **kw))


@pytest.mark.parametrize("seed", range(4))
def test_offer_of_the_prepared_step_is_the_forecasts(seed: int) -> None:
    obs, zone_of_charger, _ = _large_fleet(seed, step_s=900, time_s=10**6)
    for v2g in (False, True):
        services = FleetServices(
            bidder="Aggregator_0",
            zone_names=["a", "b", "c"],
            zone_of_charger=zone_of_charger.astype(np.int64),
            fcr=FCRProvision(enabled=True, base_shape="even"),
            flex=FlexProvision(),
            avoid_double_claims=True,
            v2g=v2g,
            step_s=900,
            phase_s=0,
            forecast_shape=BaseShape.EVEN,
        )
        offers = services.balancing_offers
        block = (obs.time_s + 900) // offers.fcr.block_s
        new = offers.offer(obs, block, prepared=True)
        old = offers.offer(_fresh(obs), block)
        assert (new.capacity_kw, new.room_kw, new.reason) == (
            old.capacity_kw,
            old.room_kw,
            old.reason,
        )
        assert np.signbit(new.room_kw) == np.signbit(old.room_kw)

"""The even-baseline step kernel (``availability_kernels.even_step`` behind
:func:`even_zone_availability`) gives the bits of the numpy code it replaced: the bounds,
the services' even spread scattered onto the policy's setpoints, the charger levels, the
zone sums, the metered power per zone (as the fold's rule and a bincount) and the held FCR
and aFRR bands (as ``BalancingOffers._held``), which the step computed one after the other;
and the FCR forecast along the even baseline (``forecast_even_sums``).

The references are the numpy formulations of those steps (the bounds, levels and zone sums
from the kernels' own tests, the scatter as ``FleetServices.shape_setpoints`` wrote it).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controllers.aggregator.availability import BaseShape, ev_bounds, even_zone_availability
from controllers.aggregator.chargers import BankParams
from controllers.aggregator.fcr import room_share
from controllers.aggregator.fleet_forecast import availability_forecast
from controllers.aggregator.policy import FleetObservation
from cosim.errors import ModelError
from tests.property.test_aggregator_kernels import (
    _ev_bounds_ref,
    _forecast_ref,
    _fresh,
    _large_fleet,
    _same,
    _values,
    _zone_availability_ref,
    fleets,
)
from tests.property.test_aggregator_policy_kernels import _levels_ref


def _bank(obs: FleetObservation, p_step_kw: np.ndarray, p_min_kw: np.ndarray) -> BankParams:
    """The observation's bank, without the checks of ``BankParams`` (the strategies draw
    zero and NaN ratings and efficiencies, which the kernel must pass through as numpy)."""
    bank = object.__new__(BankParams)
    fields = {
        "p_rated_kw": obs.p_rated_kw,
        "efficiency": obs.efficiency,
        "bidirectional": obs.bidirectional,
        "p_step_kw": p_step_kw,
        "p_min_kw": p_min_kw,
    }
    for name, value in fields.items():
        object.__setattr__(bank, name, value)
    return bank


def _even_step_ref(obs, p_set_kw, bank, v2g, zone_of_charger, n_zone, p_metered_kw, extra):
    """``bank.levels(shape_setpoints(obs, p_set_kw))``, its zone availability, the
    metered power per zone (the fold of one source, then ``FleetServices._zone_sum``) and
    the held bands (``BalancingOffers._held``), in numpy."""
    default, held = extra
    _, ctrl, _, _, even = _ev_bounds_ref(obs, v2g)
    shaped = np.array(p_set_kw, dtype=float)
    shaped[obs.charger_idx[ctrl]] = even[ctrl]
    p_step, p_min = bank.level_params
    p_set = _levels_ref(shaped, p_step, p_min, bank.p_rated_kw)
    # cosim.fold's answer for one source (SUM): NaN is no value, the port's default instead
    folded = np.where(np.isnan(p_metered_kw), default, p_metered_kw)
    bins = zone_of_charger + 1
    metered = np.bincount(bins, weights=folded, minlength=n_zone + 1)[1:]
    zoned = _zone_availability_ref(obs, p_set, v2g, zone_of_charger, n_zone)
    room, total = zoned[-2:]
    bands = [room_share(h, room, total) if h > 0 else np.zeros(p_set.size) for h in held]
    return [p_set, *zoned, *bands, metered]


def _even_step_got(obs, p_set_kw, bank, v2g, zone_of_charger, n_zone, p_metered_kw, extra):
    default, held = extra
    p_set, z, metered, bands = even_zone_availability(
        obs,
        p_set_kw,
        bank,
        v2g=v2g,
        zone_of_charger=zone_of_charger,
        n_zone=n_zone,
        p_metered_kw=p_metered_kw,
        metered_default=default,
        held_kw=held,
    )
    c = z.chargers
    total = np.float64(z.room_total_kw)
    zones = [z.p_base_kw, z.p_down_kw, z.room_kw, total, *bands, metered]
    return [p_set, c.p_base_kw, c.p_up_kw, c.p_down_kw, *zones]


_FIELDS = (
    "p_set", "base", "up", "down", "zone base", "zone down", "room", "room total",
    "fcr band", "afrr band", "metered",
)  # fmt: skip
#: held bands: none, a band, and values the guards must treat as numpy does
_HELD = st.sampled_from([0.0, -0.0, -3.0, 2.5, 1e-300, np.inf, np.nan])


def _check(obs, p_set, bank, v2g, zone_of_charger, n_zone, p_metered_kw, extra) -> None:
    args = (p_set, bank, v2g, zone_of_charger, n_zone)
    got = _even_step_got(obs, *args, p_metered_kw, extra)
    ref = _even_step_ref(_fresh(obs), *args, p_metered_kw, extra)
    for name, g, r in zip(_FIELDS, got, ref, strict=True):
        assert _same(g, r), (name, v2g)
    # without a metered power: the same, and no metered sums
    got = _even_step_got(_fresh(obs), *args, None, extra)
    assert got[-1] is None
    assert all(_same(g, r) for g, r in zip(got[:-1], ref[:-1], strict=True))
    # the bounds came with the step: ev_bounds reuses them, and they are numpy's
    b = ev_bounds(obs, v2g=v2g)
    for name, g, r in zip(
        ("at", "ctrl", "top", "bottom", "even"),
        (b.at, b.ctrl, b.p_top_kw, b.p_bottom_kw, b.p_even_kw),
        _ev_bounds_ref(_fresh(obs), v2g),
        strict=True,
    ):
        assert _same(g, r), (name, v2g)


@settings(max_examples=500, deadline=None)
@given(fleets(), st.booleans(), st.booleans(), st.booleans(), st.data())
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_even_step_equals_numpy(
    obs: FleetObservation, v2g: bool, stepped: bool, floored: bool, data: st.DataObject
) -> None:
    n_chg = obs.n_chargers
    p_set = data.draw(_values(n_chg, -25.0, 25.0))
    # steps and minimums as the strategies of the levels' test; zero: a continuous bank
    p_step = data.draw(_values(n_chg, -0.1, 1.0)) if stepped else np.zeros(n_chg)
    p_min = data.draw(_values(n_chg, -1.0, 5.0)) if floored else np.zeros(n_chg)
    n_zone = data.draw(st.integers(1, 3))
    zones = st.lists(st.integers(-1, n_zone - 1), min_size=n_chg, max_size=n_chg)
    zone_of_charger = np.array(data.draw(zones), dtype=np.int64)
    metered = data.draw(_values(n_chg, -25.0, 25.0))
    extra = (data.draw(st.sampled_from([0.0, 3.5])), (data.draw(_HELD), data.draw(_HELD)))
    bank = _bank(obs, p_step, p_min)
    _check(obs, p_set, bank, v2g, zone_of_charger, n_zone, metered, extra)


@pytest.mark.parametrize("seed", range(5))
def test_even_step_equals_numpy_on_a_large_fleet(seed: int) -> None:
    """300 V2G EVs at 300 chargers with IEC 61851 levels: every path is taken often."""
    obs, zone_of_charger, p_set = _large_fleet(seed, step_s=900, time_s=3_600)
    rng = np.random.default_rng(seed)
    p_step = rng.choice([0.0, 0.23, 0.69], obs.n_chargers)
    bank = _bank(obs, p_step, 6.0 * p_step)
    metered = rng.uniform(-11.0, 22.0, obs.n_chargers)
    metered[::7] = np.nan  # a charger whose meter sends no value
    for v2g in (False, True):
        _check(_fresh(obs), p_set, bank, v2g, zone_of_charger, 3, metered, (0.0, (40.0, 12.5)))


def test_a_charger_beyond_the_bank_is_named() -> None:
    obs = FleetObservation(
        time_s=0,
        step_s=900,
        plugged=np.array([True, True]),
        soc=np.zeros(2),
        e_need_kwh=np.ones(2),
        e_capacity_kwh=np.full(2, 50.0),
        departure_s=np.full(2, 3600, dtype=np.int64),
        p_max_kw=np.full(2, 11.0),
        soc_min=np.zeros(2),
        soc_target=np.ones(2),
        opt_out=np.zeros(2, dtype=bool),
        charger_idx=np.array([0, 5], dtype=np.int64),
        p_rated_kw=np.full(2, 11.0),
        efficiency=np.full(2, 0.9),
        bidirectional=np.zeros(2, dtype=bool),
    )
    bank = _bank(obs, np.zeros(2), np.zeros(2))
    with pytest.raises(ModelError, match="EV 1 uses charger 5 but only 2 chargers"):
        even_zone_availability(
            obs,
            np.full(2, np.nan),
            bank,
            v2g=False,
            zone_of_charger=np.zeros(2, np.int64),
            n_zone=1,
        )


@settings(max_examples=400, deadline=None)
@given(fleets(), st.booleans(), st.data())
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_even_forecast_equals_numpy(obs: FleetObservation, v2g: bool, data: st.DataObject) -> None:
    """``availability_forecast_kernels.forecast_even_sums``: the even baseline and the
    selection of the controllable EVs, made in the kernel, against the numpy code they
    replaced."""
    horizon = data.draw(st.integers(1, 20))
    n_zone = data.draw(st.integers(1, 3))
    zones = st.lists(st.integers(-1, n_zone - 1), min_size=obs.n_chargers, max_size=obs.n_chargers)
    zone_of_charger = np.array(data.draw(zones), dtype=np.int64)
    kw = {"horizon": horizon, "shape": BaseShape.EVEN, "v2g": v2g}
    fc = availability_forecast(obs, **kw, zone_of_charger=zone_of_charger, n_zone=n_zone)
    got = (fc.p_base_kw, fc.p_up_kw, fc.p_down_kw)
    ref = _forecast_ref(_fresh(obs), horizon, BaseShape.EVEN, v2g, zone_of_charger, n_zone)
    for name, g, r in zip(("base", "up", "down"), got, ref, strict=True):
        assert _same(g, r), (name, v2g)

"""Home PV and self-consumption battery: hand-computed steps and the solar model."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from simulators.home_energy.model import HomeEnergyModel, HomeParams, self_consume
from simulators.home_energy.solar import SolarSite, clear_sky_ghi_w_m2, cos_zenith


def _params(pv: float = 5.0, kwh: float = 10.0, kw: float = 3.0, **kw_: float) -> HomeParams:
    return HomeParams(np.array([pv]), np.array([kwh]), np.array([kw]), **kw_)


def test_surplus_charges_up_to_the_power_limit() -> None:
    p, e = self_consume(
        np.array([1.0]), np.array([5.0]), np.array([2.0]), params=_params(eta=0.9), dt_h=0.25
    )
    assert p[0] == pytest.approx(3.0)  # surplus 4 kW, limit 3 kW
    assert e[0] == pytest.approx(2.0 + 0.9 * 3.0 * 0.25)


def test_deficit_discharges_only_what_the_load_lacks_and_the_battery_holds() -> None:
    params = _params(kwh=10.0, kw=5.0, eta=0.9, soc_min=0.1)
    # 2 kW deficit, 1.2 kWh above the minimum of 1 kWh: 1.2 * 0.9 / 0.25 = 4.32 kW possible
    p, e = self_consume(np.array([2.5]), np.array([0.5]), np.array([2.2]), params=params, dt_h=0.25)
    assert p[0] == pytest.approx(-2.0)
    assert e[0] == pytest.approx(2.2 - 2.0 / 0.9 * 0.25)
    # almost empty: it gives what is left above soc_min, then stops
    p, e = self_consume(np.array([2.5]), np.array([0.5]), np.array([1.1]), params=params, dt_h=0.25)
    assert p[0] == pytest.approx(-0.1 * 0.9 / 0.25)
    assert e[0] == pytest.approx(1.0)


def test_a_full_battery_passes_the_surplus_to_the_grid() -> None:
    params = _params()
    model = HomeEnergyModel(
        params,
        site=SolarSite(clearness_concentration=1e6),
        start=datetime(2016, 6, 21, 11, tzinfo=UTC),
        step_s=900,
        rng=np.random.default_rng(0),
    )
    model._e_kwh = params.batt_kwh.copy()
    state = model.step(0, np.array([0.5]))
    assert state.p_batt_kw[0] == 0.0
    assert state.p_kw[0] == pytest.approx(-state.p_pv_kw[0])
    assert state.p_pv_kw[0] > 2.0  # midsummer noon in Berlin, 5 kWp


def test_sun_below_the_horizon_gives_no_pv_and_noon_is_highest() -> None:
    noon = 1_466_467_200 + 11 * 3600  # 21 June 2016, 13:00 CEST
    c = cos_zenith(
        np.array([noon - 12 * 3600, noon - 3 * 3600, noon]), latitude_deg=52.5, longitude_deg=13.4
    )
    ghi = clear_sky_ghi_w_m2(c)
    assert ghi[0] == 0.0 and 0 < ghi[1] < ghi[2]
    # solar noon elevation at the solstice: 90 - 52.5 + 23.45 deg
    assert c[2] == pytest.approx(np.cos(np.deg2rad(52.5 - 23.45)), abs=0.005)


def test_yearly_yield_in_berlin_matches_the_literature_range() -> None:
    """~900 kWh/kWp a year for horizontal modules in Berlin (DWD irradiation, PR 0.85)."""
    params = HomeParams(np.array([1.0]), np.array([0.0]), np.array([0.0]))
    model = HomeEnergyModel(
        params,
        site=SolarSite(),
        start=datetime(2016, 1, 1, tzinfo=UTC),
        step_s=3600,
        rng=np.random.default_rng(3),
    )
    for t in range(0, 366 * 86_400, 3600):
        state = model.step(t, np.zeros(1))
    assert 800.0 < state.e_pv_kwh[0] < 1000.0
    # no load: all PV goes to the grid except what the (empty) battery could not take
    assert state.e_self_kwh[0] == 0.0


def test_bad_ratings_are_named() -> None:
    with pytest.raises(ValueError, match=r"batt_kwh must be finite and >= 0"):
        HomeParams(np.array([1.0]), np.array([-1.0]), np.array([1.0]))
    with pytest.raises(ValueError, match=r"soc_min .* <= soc_init"):
        HomeParams(np.array([1.0]), np.array([1.0]), np.array([1.0]), soc_min=0.6, soc_init=0.5)
    with pytest.raises(ValueError, match="latitude_deg=95"):
        SolarSite(latitude_deg=95)

"""Interruptible contract: fair water-filling caps downstream of congestion, gradual release."""

from __future__ import annotations

import numpy as np
import pytest

from controllers.dso.curtailment import water_fill_level
from controllers.dso.policies import (
    DSOContext,
    DSOParams,
    Framework,
    InterruptiblePolicy,
    Observation,
    make_policy,
)
from controllers.dso.topology import build_topology
from tests.unit.test_dso_topology import small_grid

# chargers: two at bus 2 (behind line 11), three at bus 4 (behind lines 12, 13), one at bus 0
CHARGER_BUS = [2, 2, 4, 4, 4, 0]
RATED = np.full(6, 11.0)


def policy(**settings: float) -> InterruptiblePolicy:
    topo = build_topology(**small_grid())
    params = DSOParams(framework=Framework.INTERRUPTIBLE, **settings)  # type: ignore[arg-type]
    ctx = DSOContext(params, topo.rating_kva, topo.charger_cover(CHARGER_BUS), RATED)
    pol = make_policy(ctx)
    assert isinstance(pol, InterruptiblePolicy)
    return pol


def obs(loading: list[float], p_kw: list[float], prev: list[float] | None = None) -> Observation:
    return Observation(
        time_s=0,
        day=0,
        hour=0.0,
        loading_pct=np.asarray(loading, float),
        v_pu=np.ones(6),
        p_kw=np.asarray(p_kw, float),
        p_limit_prev_kw=np.full(6, np.nan) if prev is None else np.asarray(prev, float),
        forecast_loading_pct=np.full(5, np.nan),
    )


def test_water_fill_caps_the_largest_and_spares_the_small() -> None:
    assert water_fill_level([11.0, 11.0, 3.0], 10.0) == pytest.approx(6.0)
    assert water_fill_level([11.0, 3.0], 0.0) == np.inf
    assert water_fill_level([], 5.0) == 0.0


def test_congested_line_sheds_its_excess_from_downstream_chargers_only() -> None:
    pol = policy(margin_pct=2.0)
    rating = pol.ctx.rating_kva[2]  # line 12 feeds buses 3 and 4
    loading = [50.0, 50.0, 120.0, 50.0, 60.0]
    p_kw = [11.0, 11.0, 11.0, 11.0, 5.0, 11.0]
    limit = pol.decide(obs(loading, p_kw))
    assert np.isnan(limit[[0, 1, 5]]).all()  # not behind line 12: untouched
    shed = np.nansum(np.fmax(np.asarray(p_kw) - limit, 0.0))
    assert shed == pytest.approx(0.22 * rating, rel=1e-9)


def test_fairness_equal_caps_and_small_users_keep_their_power() -> None:
    pol = policy(margin_pct=0.0)
    rating = pol.ctx.rating_kva[2]
    loading = [50.0, 50.0, 100.0 + 100 * 10.0 / rating, 50.0, 60.0]  # 10 kW too much
    limit = pol.decide(obs(loading, [0, 0, 11.0, 11.0, 2.0, 0]))
    np.testing.assert_allclose(limit[2:5], [6.0, 6.0, 6.0])  # 5 kW each from the two big ones


def test_several_congested_elements_take_the_tightest_cap() -> None:
    pol = policy(margin_pct=0.0)
    r = pol.ctx.rating_kva
    # trafo 22 kW over (all chargers), line 11 10 kW over (chargers 0, 1)
    loading = [50.0, 100 + 100 * 10 / r[1], 50.0, 50.0, 100 + 100 * 22 / r[4]]
    limit = pol.decide(obs(loading, [11.0] * 6))
    assert limit[0] == pytest.approx(min(6.0, 11.0 - 22 / 6))
    np.testing.assert_allclose(limit[2:], 11.0 - 22 / 6)


def test_caps_hold_near_the_limit_then_release_gradually() -> None:
    pol = policy(hysteresis_pct=10.0, release_kw_per_step=2.0)
    prev = [np.nan, np.nan, 4.0, 4.0, 4.0, np.nan]
    held = pol.decide(obs([50, 50, 95.0, 50, 60], [0, 0, 4, 4, 4, 0], prev))
    np.testing.assert_allclose(held[2:5], 4.0)  # 95 % is within the 10 % hysteresis
    caps = np.asarray(prev, float)
    history = []
    for _ in range(5):
        caps = pol.decide(obs([50, 50, 80.0, 50, 60], [0, 0, 4, 4, 4, 0], caps.tolist()))
        history.append(caps[2])
    np.testing.assert_allclose(history[:3], [6.0, 8.0, 10.0])  # +2 kW per step
    assert np.isnan(history[3])  # at the rating the cap is dropped


def test_no_congestion_no_caps() -> None:
    limit = policy().decide(obs([50.0] * 5, [11.0] * 6))
    assert np.isnan(limit).all()


def test_unknown_framework_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="interruptible"):
        DSOParams(framework="curtail_all")  # type: ignore[arg-type]


def test_bad_settings_are_all_reported_at_once() -> None:
    with pytest.raises(ValueError, match=r"margin_pct.*release_kw_per_step"):
        DSOParams(margin_pct=-1.0, release_kw_per_step=0.0)


def test_release_never_exceeds_the_headroom_left_below_the_hysteresis_band() -> None:
    pol = policy(hysteresis_pct=10.0, release_kw_per_step=5.0)
    rating = pol.ctx.rating_kva[2]  # line 12 feeds chargers 2, 3, 4
    loading = [50.0, 50.0, 90.0 - 100 * 3.0 / rating, 50.0, 60.0]  # 3 kW below 90 %
    caps = pol.decide(obs(loading, [0, 0, 4, 4, 4, 0], [np.nan, np.nan, 4.0, 4.0, 4.0, np.nan]))
    np.testing.assert_allclose(caps[2:5], 5.0)  # 3 kW shared by three capped chargers

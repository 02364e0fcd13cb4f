"""Unit tests of the battery ageing model (pure numpy, no mosaik)."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from cosim.errors import ModelError
from simulators.ev_fleet import ageing
from simulators.ev_fleet.ageing import age_step, usable_capacity_kwh
from simulators.ev_fleet.ageing_dod import dod_from_soc_history
from simulators.ev_fleet.ageing_laws import ocv_nmc_v
from simulators.ev_fleet.ageing_params import AgeingParams, AgeingState, Chemistry

DAY_S = 86_400
NMC = AgeingParams()
LFP = AgeingParams(chemistry=Chemistry.LFP)


def step(state: AgeingState, params: AgeingParams = NMC, **kw: object) -> AgeingState:
    """One step with neutral defaults that a test overrides."""
    args: dict[str, object] = dict(
        soc_mean=0.5,
        temp_c=25.0,
        dt_s=DAY_S,
        throughput_kwh=0.0,
        dod=0.0,
        c_rate=0.0,
        capacity_kwh=60.0,
    )
    args.update(kw)
    return age_step(state, params=params, **args)  # type: ignore[arg-type]


def test_docstring_examples_hold() -> None:
    from simulators.ev_fleet import ageing_dod, ageing_laws, ageing_params

    results = [doctest.testmod(m) for m in (ageing, ageing_laws, ageing_params, ageing_dod)]
    assert sum(r.attempted for r in results) >= 8
    assert all(r.failed == 0 for r in results)


@pytest.mark.parametrize("params", [NMC, LFP])
def test_zero_time_and_zero_throughput_leave_a_new_battery_unaged(params: AgeingParams) -> None:
    s = step(AgeingState.new(4), params, dt_s=0.0, throughput_kwh=0.0, dod=0.8, c_rate=2.0)
    assert np.all(s.total_fade == 0.0)
    assert np.all(s.calendar_fade == 0.0)
    assert np.all(s.cycle_fade == 0.0)
    np.testing.assert_array_equal(usable_capacity_kwh(60.0, s), 60.0)


@pytest.mark.parametrize("params", [NMC, LFP])
def test_fade_never_decreases_under_changing_stress(params: AgeingParams) -> None:
    rng = np.random.default_rng(3)
    s = AgeingState.new(50)
    for _ in range(200):
        new = step(
            s,
            params,
            soc_mean=rng.uniform(0, 1, 50),
            temp_c=rng.uniform(-10, 45, 50),
            dt_s=rng.choice([0.0, 900.0, 3600.0], 50),
            throughput_kwh=rng.choice([0.0, 5.0, 30.0], 50),
            dod=rng.uniform(0, 1, 50),
            c_rate=rng.uniform(0, 3, 50),
        )
        assert np.all(new.total_fade >= s.total_fade)
        assert np.all(new.calendar_fade >= s.calendar_fade)
        assert np.all(new.cycle_fade >= s.cycle_fade)
        s = new
    assert np.all(s.total_fade > 0)


def test_calendar_fade_grows_with_soc_and_temperature() -> None:
    s0 = AgeingState.new(3)
    by_soc = step(s0, soc_mean=np.array([0.1, 0.5, 0.95]), dt_s=365 * DAY_S)
    by_temp = step(s0, temp_c=np.array([10.0, 25.0, 40.0]), dt_s=365 * DAY_S)
    assert np.all(np.diff(by_soc.calendar_fade) > 0)
    assert np.all(np.diff(by_temp.calendar_fade) > 0)
    # storage ages nothing by cycling
    assert np.all(by_soc.cycle_fade == 0)


def test_cycle_fade_grows_with_throughput_and_depth() -> None:
    s0 = AgeingState.new(3)
    by_e = step(s0, dt_s=0.0, throughput_kwh=np.array([100.0, 1000.0, 10000.0]), dod=0.5)
    by_dod = step(s0, dt_s=0.0, throughput_kwh=1000.0, dod=np.array([0.1, 0.5, 1.0]))
    assert np.all(np.diff(by_e.cycle_fade) > 0)
    assert np.all(np.diff(by_dod.cycle_fade) > 0)
    assert np.all(by_e.calendar_fade == 0)


def test_same_relative_use_ages_small_and_large_packs_alike() -> None:
    s = step(AgeingState.new(2), throughput_kwh=np.array([40.0, 80.0]), capacity_kwh=[40, 80])
    assert s.cycle_fade[0] == pytest.approx(s.cycle_fade[1], rel=1e-12)
    np.testing.assert_allclose(s.cell_throughput_ah, 2.05)


def test_lfp_has_no_calendar_fade_and_ages_faster_when_hot_or_fast() -> None:
    s0 = AgeingState.new(3)
    hot = step(s0, LFP, throughput_kwh=600.0, temp_c=np.array([15.0, 25.0, 45.0]), c_rate=0.5)
    fast = step(s0, LFP, throughput_kwh=600.0, c_rate=np.array([2.0, 6.0, 10.0]))
    slow = step(AgeingState.new(2), LFP, throughput_kwh=600.0, c_rate=np.array([0.5, 2.0]))
    assert np.all(hot.calendar_fade == 0)
    assert np.all(np.diff(hot.cycle_fade) > 0)
    # from 2C up, exp(370.3 C / RT) outgrows the fall of B(C): fast cycling ages faster
    assert np.all(np.diff(fast.cycle_fade) > 0)
    # at C/2 Wang's cells spent 4x longer per Ah in test, so the fit loses more per Ah
    assert slow.cycle_fade[0] > slow.cycle_fade[1]


def test_steps_in_one_interval_equal_one_step_unlike_a_naive_dt_power_sum() -> None:
    one = step(AgeingState.new(1), dt_s=DAY_S, throughput_kwh=20.0, dod=0.4)
    many = AgeingState.new(1)
    for _ in range(96):
        many = step(many, dt_s=900.0, throughput_kwh=20.0 / 96, dod=0.4)
    np.testing.assert_allclose(many.total_fade, one.total_fade, rtol=1e-12)
    np.testing.assert_allclose(many.t_eq_days, 1.0, rtol=1e-12)
    naive = 96 * ageing.nmc_alpha_cap(3.70, 298.15) * (900.0 / DAY_S) ** 0.75
    assert naive > 3 * one.calendar_fade[0]  # what the equivalent-time method avoids


def test_input_is_not_modified() -> None:
    s0 = step(AgeingState.new(2), throughput_kwh=5.0, dod=0.3)
    before = [a.copy() for a in vars(s0).values()]
    step(s0, throughput_kwh=50.0, dod=0.9)
    for a, b in zip(vars(s0).values(), before, strict=True):
        np.testing.assert_array_equal(a, b)


def test_total_fade_is_capped_below_one() -> None:
    s = step(AgeingState.new(1), soc_mean=1.0, temp_c=80.0, dt_s=1e4 * DAY_S)
    assert s.calendar_fade[0] > 1.0  # far outside the fit ...
    assert s.total_fade[0] == NMC.max_fade  # ... but capacity stays positive
    assert usable_capacity_kwh(50.0, s)[0] == pytest.approx(0.5)


def test_bad_inputs_are_all_reported_with_index_and_fix() -> None:
    with pytest.raises(ModelError) as err:
        step(AgeingState.new(3), soc_mean=[0.5, 1.2, 0.5], dod=[0.1, 0.1, np.nan], dt_s=-1.0)
    msg = str(err.value)
    assert "soc_mean[1]=" in msg and "dod[2]=" in msg and "dt_s[0]=" in msg
    assert "fractions" in msg


def test_wrong_shape_is_a_model_error() -> None:
    with pytest.raises(ModelError, match=r"soc_mean has shape \(2,\), expected"):
        step(AgeingState.new(3), soc_mean=[0.5, 0.5])


def test_params_validation_names_field_and_range() -> None:
    with pytest.raises(ValueError, match="valid: \\['nmc', 'lfp'\\]"):
        AgeingParams(chemistry="lead-acid")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"temp_c=95.0 must be in \[-40, 80\].*max_fade=1.0"):
        AgeingParams(temp_c=95.0, max_fade=1.0)
    assert AgeingParams(chemistry="lfp").cell_capacity_ah == 2.2  # type: ignore[arg-type]


def test_temperature_default_comes_from_params() -> None:
    warm = AgeingParams(temp_c=35.0)
    a = step(AgeingState.new(1), warm, temp_c=None)
    b = step(AgeingState.new(1), warm, temp_c=35.0)
    np.testing.assert_array_equal(a.total_fade, b.total_fade)


def test_ocv_is_monotone_between_cutoffs() -> None:
    v = ocv_nmc_v(np.linspace(-0.1, 1.1, 121))
    assert np.all(np.diff(v) >= 0)
    assert v[0] == pytest.approx(3.33) and v[-1] == pytest.approx(4.16)


def test_dod_from_soc_history_per_ev() -> None:
    soc = np.array(
        [
            [0.2, 0.5, 0.9],
            [0.8, 0.5, 0.8],
            [0.8, 0.5, 0.9],
            [0.2, 0.5, 0.8],
        ]
    )
    dod = dod_from_soc_history(soc)
    # EV0: 0.6 up, 0.6 down; EV1: never moves; EV2: four 0.1 half-cycles
    np.testing.assert_allclose(dod, [0.6, 0.0, 0.1])
    for i in range(3):
        assert dod_from_soc_history(soc[:, [i]])[0] == pytest.approx(dod[i])
    with pytest.raises(ValueError, match="n_steps >= 2"):
        dod_from_soc_history([[0.5, 0.5]])


def test_ten_thousand_evs_age_as_each_would_alone() -> None:
    n = 10_000
    rng = np.random.default_rng(0)
    kw = dict(
        soc_mean=rng.uniform(0.2, 0.9, n),
        temp_c=rng.uniform(5, 35, n),
        dt_s=900.0,
        throughput_kwh=rng.uniform(0, 3, n),
        dod=rng.uniform(0, 1, n),
        c_rate=rng.uniform(0, 1, n),
        capacity_kwh=rng.choice([40.0, 60.0, 77.0], n),
    )
    fleet = AgeingState.new(n)
    for _ in range(30):
        before = fleet.total_fade.copy()
        fleet = age_step(fleet, params=NMC, **kw)  # type: ignore[arg-type]
        assert np.isfinite(fleet.total_fade).all()
        assert (fleet.total_fade >= before).all()  # capacity never comes back
    for i in rng.choice(n, 5, replace=False):
        one = AgeingState.new(1)
        single = {k: (v if np.isscalar(v) else v[[i]]) for k, v in kw.items()}
        for _ in range(30):
            one = age_step(one, params=NMC, **single)  # type: ignore[arg-type]
        np.testing.assert_allclose(one.total_fade, fleet.total_fade[[i]], rtol=1e-12)

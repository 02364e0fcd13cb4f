"""Charger bank model: which limit binds, on which side, and the EV -> charger mapping."""

from __future__ import annotations

import numpy as np
import pytest

from cosim.errors import ModelError
from simulators.evse import EVSEModel, EVSEParams

STEP_S = 900
DT_H = STEP_S / 3600.0


def _bank(n: int = 3, **kw: object) -> EVSEModel:
    return EVSEModel(EVSEParams(bus_id=np.arange(n), **kw), step_s=STEP_S)  # type: ignore[arg-type]


def _step(bank: EVSEModel, **kw: object):  # type: ignore[no-untyped-def]
    n = bank.n
    args: dict[str, object] = {
        "plugged": np.ones(n, dtype=bool),
        "e_need_kwh": np.full(n, 50.0),
        "p_max_kw": np.full(n, 22.0),
        "charger_idx": np.arange(n),
    }
    args.update(kw)
    return bank.step(0, **args)  # type: ignore[arg-type]


def test_uncontrolled_charges_at_the_lowest_of_charger_and_ev_limits() -> None:
    out = _step(_bank(p_rated_kw=11.0), p_max_kw=np.array([7.4, 11.0, 22.0]))
    np.testing.assert_allclose(out.p_kw, [7.4, 11.0, 11.0])
    np.testing.assert_allclose(out.p_batt_kw, out.p_kw * 0.92)
    assert (out.q_kvar == 0).all()


def test_ev_limit_is_on_the_ac_side() -> None:
    out = _step(_bank(), p_max_kw=np.full(3, 7.4))
    assert out.p_kw.max() == pytest.approx(7.4)
    assert out.p_batt_kw.max() == pytest.approx(7.4 * 0.92)


def test_never_charges_beyond_the_need() -> None:
    need = np.array([0.0, 0.5, 100.0])
    out = _step(_bank(efficiency=0.9), e_need_kwh=need)
    np.testing.assert_allclose(out.p_batt_kw * DT_H, [0.0, 0.5, 11.0 * 0.9 * DT_H])
    np.testing.assert_allclose(out.p_kw[1], 0.5 / (0.9 * DT_H))


def test_never_charges_unplugged_or_unmapped_evs() -> None:
    out = _step(
        _bank(),
        plugged=np.array([False, True, True]),
        charger_idx=np.array([0, -1, 2]),
    )
    np.testing.assert_allclose(out.p_kw, [0.0, 0.0, 11.0])
    np.testing.assert_allclose(out.p_batt_kw, [0.0, 0.0, 11.0 * 0.92])


def test_setpoint_and_limit_bind_and_nan_means_none() -> None:
    out = _step(
        _bank(),
        p_set_kw=np.array([3.0, np.nan, 20.0]),
        p_limit_kw=np.array([np.nan, 4.0, 6.0]),
    )
    np.testing.assert_allclose(out.p_kw, [3.0, 4.0, 6.0])


def test_negative_setpoint_does_not_discharge_unidirectional_chargers() -> None:
    out = _step(_bank(), p_set_kw=np.full(3, -5.0))
    assert (out.p_kw == 0).all() and (out.p_batt_kw == 0).all()


def test_s_rating_caps_active_power() -> None:
    out = _step(_bank(p_rated_kw=11.0, s_rated_kva=11.0), p_max_kw=np.full(3, 50.0))
    assert (np.hypot(out.p_kw, out.q_kvar) <= 11.0 + 1e-12).all()


def test_ev_order_differs_from_charger_order() -> None:
    bank = _bank(p_rated_kw=np.array([3.0, 7.0, 11.0]))
    out = bank.step(
        0,
        plugged=np.array([True, True]),
        e_need_kwh=np.array([50.0, 50.0]),
        p_max_kw=np.array([22.0, 22.0]),
        charger_idx=np.array([2, 0]),
    )
    np.testing.assert_allclose(out.p_kw, [3.0, 0.0, 11.0])
    np.testing.assert_allclose(out.p_batt_kw, [11.0 * 0.92, 3.0 * 0.92])
    assert out.ev_of_charger.tolist() == [1, -1, 0]


def test_mapping_errors_name_the_ev_and_the_fix() -> None:
    with pytest.raises(ModelError, match="share one charger"):
        _step(_bank(), charger_idx=np.array([0, 0, 1]))
    with pytest.raises(ModelError, match="EV 2 uses charger 7"):
        _step(_bank(), charger_idx=np.array([0, 1, 7]))
    with pytest.raises(ModelError, match="p_set_kw has 2 values for 3 chargers"):
        _step(_bank(), p_set_kw=np.zeros(2))


def test_params_validate_and_broadcast() -> None:
    prm = EVSEParams(bus_id=[4, 5], p_rated_kw=7.4)
    assert np.asarray(prm.p_rated_kw).tolist() == [7.4, 7.4]
    assert np.asarray(prm.s_rated_kva).tolist() == [7.4, 7.4]
    with pytest.raises(ValueError) as err:
        EVSEParams(bus_id=[1], p_rated_kw=-1.0, efficiency=1.5)
    assert "p_rated_kw" in str(err.value) and "efficiency" in str(err.value)
    with pytest.raises(ValueError, match="s_rated_kva"):
        EVSEParams(bus_id=[1], p_rated_kw=11.0, s_rated_kva=5.0)

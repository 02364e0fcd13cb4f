"""Declared departure and energy need: fixed per session, seeded, exact without error."""

from __future__ import annotations

import numpy as np
import pytest

from controllers.aggregator.declared import DeclaredValues

ONE = {"plugged": np.array([True]), "departure_s": np.array([36_000])}


def test_exact_without_error() -> None:
    d = DeclaredValues()
    dep, need = d.declare(time_s=0, step_s=900, e_need_kwh=np.array([12.0]), **ONE)
    assert dep.tolist() == [36_000] and need.tolist() == [12.0]


def test_declaration_is_fixed_for_the_session_and_tracks_what_was_charged() -> None:
    d = DeclaredValues(departure_error_s=3600.0, energy_error_pct=20.0, seed=5)
    dep0, need0 = d.declare(time_s=0, step_s=900, e_need_kwh=np.array([12.0]), **ONE)
    assert dep0[0] % 900 == 0 and dep0[0] >= 900
    # 4 kWh charged later: the declared remaining need drops by exactly that
    dep1, need1 = d.declare(time_s=3600, step_s=900, e_need_kwh=np.array([8.0]), **ONE)
    assert dep1[0] == max(dep0[0], 4500)
    assert need1[0] == pytest.approx(max(0.0, need0[0] - 4.0))


def test_same_seed_same_declarations_other_seed_others() -> None:
    kw = {"time_s": 0, "step_s": 900, "e_need_kwh": np.array([12.0])} | ONE
    a = DeclaredValues(departure_error_s=3600.0, energy_error_pct=20.0, seed=1).declare(**kw)
    b = DeclaredValues(departure_error_s=3600.0, energy_error_pct=20.0, seed=1).declare(**kw)
    c = DeclaredValues(departure_error_s=3600.0, energy_error_pct=20.0, seed=2).declare(**kw)
    assert a[1].tolist() == b[1].tolist() and a[0].tolist() == b[0].tolist()
    assert a[1].tolist() != c[1].tolist()


def test_energy_error_has_the_configured_spread() -> None:
    n = 4000
    d = DeclaredValues(energy_error_pct=10.0, seed=3)
    _, need = d.declare(
        time_s=0,
        step_s=900,
        plugged=np.ones(n, dtype=bool),
        departure_s=np.full(n, 36_000),
        e_need_kwh=np.full(n, 10.0),
    )
    rel = need / 10.0 - 1.0
    assert abs(rel.mean()) < 0.01 and rel.std() == pytest.approx(0.10, rel=0.05)


def test_unplugged_evs_are_left_alone_and_a_new_session_draws_again() -> None:
    d = DeclaredValues(departure_error_s=7200.0, energy_error_pct=30.0, seed=9)
    kw = {"step_s": 900, "e_need_kwh": np.array([12.0])}
    first = d.declare(time_s=0, plugged=np.array([True]), departure_s=np.array([36_000]), **kw)
    off = d.declare(time_s=900, plugged=np.array([False]), departure_s=np.array([-1]), **kw)
    assert off[0].tolist() == [-1] and off[1].tolist() == [12.0]
    again = d.declare(time_s=0, plugged=np.array([True]), departure_s=np.array([36_000]), **kw)
    assert again[1].tolist() == first[1].tolist()  # same session key, same draw


def test_bad_errors_name_the_field() -> None:
    with pytest.raises(ValueError, match="energy_error_pct=-1"):
        DeclaredValues(energy_error_pct=-1.0)

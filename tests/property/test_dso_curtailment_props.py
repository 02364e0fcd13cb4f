"""Interruptible curtailment invariants on random radial grids and charger loads."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from controllers.dso.curtailment import water_fill_level
from controllers.dso.policies import DSOContext, DSOParams, Framework, Observation, make_policy
from controllers.dso.topology import build_topology


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    n_bus = draw(st.integers(2, 12))
    parent = [draw(st.integers(0, i - 1)) for i in range(1, n_bus)]
    n_ch = draw(st.integers(1, 15))
    charger_bus = draw(st.lists(st.integers(0, n_bus - 1), min_size=n_ch, max_size=n_ch))
    p_kw = draw(st.lists(st.floats(0.0, 22.0), min_size=n_ch, max_size=n_ch))
    loading = draw(st.lists(st.floats(0.0, 200.0), min_size=n_bus, max_size=n_bus))
    return {"parent": parent, "charger_bus": charger_bus, "p_kw": p_kw, "loading": loading}


def decide(sc: dict[str, Any]) -> tuple[np.ndarray, DSOContext, np.ndarray]:
    n_bus = len(sc["parent"]) + 1
    topo = build_topology(
        bus_id=[*range(n_bus), 99],
        line_id=list(range(n_bus - 1)),
        line_from_bus_id=sc["parent"],
        line_to_bus_id=list(range(1, n_bus)),
        line_max_i_ka=[0.1] * (n_bus - 1),
        line_vn_kv=[0.4] * (n_bus - 1),
        trafo_id=[0],
        trafo_hv_bus_id=[99],
        trafo_lv_bus_id=[0],
        trafo_sn_kva=[100.0],
    )
    params = DSOParams(framework=Framework.INTERRUPTIBLE, margin_pct=2.0)
    p_kw = np.asarray(sc["p_kw"], float)
    ctx = DSOContext(
        params, topo.rating_kva, topo.charger_cover(sc["charger_bus"]), np.full(p_kw.size, 22.0)
    )
    loading = np.asarray(sc["loading"], float)
    obs = Observation(
        0,
        0,
        0.0,
        loading,
        np.ones(n_bus + 1),
        p_kw,
        np.full(p_kw.size, np.nan),
        np.full(n_bus, np.nan),
    )
    return make_policy(ctx).decide(obs), ctx, loading


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_caps_shed_enough_are_non_negative_and_spare_upstream_chargers(sc: dict[str, Any]) -> None:
    limit, ctx, loading = decide(sc)
    p_kw = np.asarray(sc["p_kw"], float)
    assert np.all(np.isnan(limit) | (limit >= 0.0))
    congested = loading > 100.0
    mask = ctx.mask.toarray()
    behind = mask[congested].any(axis=0)
    assert np.isnan(limit[~behind]).all()  # never limit a charger no congestion is behind
    reduction = np.nan_to_num(np.fmax(p_kw - limit, 0.0))
    for e in np.flatnonzero(congested):
        need = (loading[e] - 100.0 + 2.0) / 100.0 * ctx.rating_kva[e]
        available = p_kw[mask[e]].sum()
        got = reduction[mask[e]].sum()
        assert got >= min(need, available) * (1 - 1e-9) - 1e-9


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0.0, 50.0), min_size=1, max_size=30), st.floats(0.0, 2000.0))
def test_water_fill_sheds_exactly_what_is_asked_or_everything(p: list[float], shed: float) -> None:
    level = water_fill_level(p, shed)
    arr = np.asarray(p)
    got = np.fmax(arr - level, 0.0).sum() if np.isfinite(level) else 0.0
    np.testing.assert_allclose(got, min(shed, arr.sum()), rtol=1e-9, atol=1e-9)
    assert level >= 0.0

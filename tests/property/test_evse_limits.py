"""Charger bank invariants for arbitrary EV states, setpoints and limits."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.evse import EVSEModel, EVSEParams

STEP_S = 900
DT_H = STEP_S / 3600.0


@st.composite
def cases(draw: st.DrawFn) -> dict[str, np.ndarray]:
    n = draw(st.integers(1, 30))
    n_ev = draw(st.integers(0, n))

    def arr(lo: float, hi: float, size: int, nan: bool = False) -> np.ndarray:
        values = st.floats(lo, hi, allow_nan=False)
        if nan:
            values = st.one_of(values, st.just(float("nan")))
        return np.array(draw(st.lists(values, min_size=size, max_size=size)), dtype=float)

    def flags(size: int) -> np.ndarray:
        return np.array(draw(st.lists(st.booleans(), min_size=size, max_size=size)), dtype=bool)

    p_rated = arr(0.5, 50.0, n)
    chargers = np.array(draw(st.permutations(range(n))))[:n_ev]
    return {
        "p_rated": p_rated,
        "s_rated": p_rated * arr(1.0, 1.5, n),
        "eta": arr(0.5, 1.0, n),
        "plugged": flags(n_ev),
        "need": arr(0.0, 200.0, n_ev),
        "p_max": arr(0.0, 50.0, n_ev),
        "idx": np.where(flags(n_ev), chargers, -1).astype(np.int64),
        "p_set": arr(-60.0, 60.0, n, nan=True),
        "p_limit": arr(0.0, 60.0, n, nan=True),
    }


@settings(max_examples=200, deadline=None)
@given(c=cases(), controlled=st.booleans())
def test_charger_respects_ratings_limits_and_need(
    c: dict[str, np.ndarray], controlled: bool
) -> None:
    bank = EVSEModel(
        EVSEParams(
            bus_id=np.zeros(c["p_rated"].size, dtype=np.int64),
            p_rated_kw=c["p_rated"],
            s_rated_kva=c["s_rated"],
            efficiency=c["eta"],
        ),
        step_s=STEP_S,
    )
    out = bank.step(
        0,
        plugged=c["plugged"],
        e_need_kwh=c["need"],
        p_max_kw=c["p_max"],
        charger_idx=c["idx"],
        p_set_kw=c["p_set"] if controlled else None,
        p_limit_kw=c["p_limit"] if controlled else None,
    )
    eps = 1e-9
    assert (out.p_kw >= 0).all()
    assert (np.abs(out.p_kw) <= c["p_rated"] + eps).all()
    assert (np.hypot(out.p_kw, out.q_kvar) <= c["s_rated"] + eps).all()
    if controlled:
        assert (out.p_kw <= np.nan_to_num(c["p_limit"], nan=np.inf) + eps).all()
        assert (out.p_kw <= np.maximum(np.nan_to_num(c["p_set"], nan=np.inf), 0) + eps).all()
    # battery side: AC x efficiency, within the EV need and only for plugged, mapped EVs
    connected = c["plugged"] & (c["idx"] >= 0)
    assert (out.p_batt_kw[~connected] == 0).all()
    assert (out.p_batt_kw * DT_H <= c["need"] + 1e-9).all()
    assert (out.p_kw[c["idx"][connected]] <= c["p_max"][connected] + eps).all()
    idle = np.ones(bank.n, dtype=bool)
    idle[c["idx"][connected]] = False
    assert (out.p_kw[idle] == 0).all()
    np.testing.assert_allclose(out.p_batt_kw.sum(), (out.p_kw * c["eta"]).sum(), atol=1e-9)

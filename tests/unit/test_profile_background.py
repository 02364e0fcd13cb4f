"""The element background summed per step from the profiles equals the precomputed rows."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from controllers.coordination.headroom import BackgroundForecast, ProfileBackground
from controllers.coordination.headroom_params import background_parts, background_rows
from simulators.grid.profiles import BackgroundProfiles, TypedSeries

STEP_S = 900


def _typed(draw: st.DrawFn, n_rows: int, n: int) -> TypedSeries:
    n_types = draw(st.integers(1, 4))
    table = draw(hnp.arrays(float, (n_rows, n_types), elements=st.floats(-2.0, 2.0)))
    type_idx = draw(hnp.arrays(np.intp, n, elements=st.integers(0, n_types - 1)))
    scale = draw(hnp.arrays(float, n, elements=st.floats(0.0, 0.5)))
    return TypedSeries(table=table, type_idx=type_idx, scale=scale)


@st.composite
def _grid(draw: st.DrawFn) -> dict:
    n_rows, n_load, n_sgen = (
        draw(st.integers(1, 8)),
        draw(st.integers(1, 12)),
        draw(st.integers(0, 6)),
    )
    load = _typed(draw, n_rows, n_load)
    prof = BackgroundProfiles(
        load_p=load,
        load_q=load,
        sgen_p=_typed(draw, n_rows, n_sgen),
        step_s=STEP_S,
        start_offset_s=draw(st.integers(0, n_rows - 1)) * STEP_S,
    )
    n_bus, n_elem = n_load + n_sgen + 2, draw(st.integers(1, 7))
    below = draw(hnp.arrays(bool, (n_elem, n_bus)))  # element x bus: bus behind element
    load_bus = draw(hnp.arrays(np.int64, n_load, elements=st.integers(0, n_bus - 1)))
    sgen_bus = draw(hnp.arrays(np.int64, n_sgen, elements=st.integers(0, n_bus - 1)))
    return {"prof": prof, "below": below, "load_bus": load_bus, "sgen_bus": sgen_bus}


def _matrix_for(below: np.ndarray):
    # as element_bus_matrix: a sparse product, its stored order as the product leaves it
    def matrix_for(bus: np.ndarray) -> sp.csr_array:
        onehot = sp.csr_array(
            (np.ones(bus.size), (bus, np.arange(bus.size))), shape=(below.shape[1], bus.size)
        )
        return sp.csr_array(below, dtype=float) @ onehot

    return matrix_for


@settings(max_examples=120, deadline=None)
@given(_grid(), st.integers(1, 20), st.floats(0.0, 30.0), st.integers(0, 2**31 - 1))
def test_rows_summed_when_asked_are_the_precomputed_rows_bit_for_bit(g, n_steps, err, seed):
    kw = {
        "load_bus": g["load_bus"],
        "sgen_bus": g["sgen_bus"],
        "matrix_for": _matrix_for(g["below"]),
        "times": range(0, n_steps * STEP_S, STEP_S),
    }
    rows = np.asarray(background_rows(g["prof"], **kw), dtype=float)
    table = BackgroundForecast(rows, STEP_S, error_pct=err, seed=seed)
    summed = ProfileBackground(background_parts(g["prof"], **kw), STEP_S, error_pct=err, seed=seed)
    assert summed.n_zone == table.n_zone == g["below"].shape[0]
    for k in (*range(n_steps + 3), 0):  # past the end the series repeats, as the table does
        t = k * STEP_S + 17
        assert summed.true_kw(t).tobytes() == table.true_kw(t).tobytes()
        assert summed.forecast_kw(t).tobytes() == table.forecast_kw(t).tobytes()


def test_rows_are_fresh_arrays():
    prof = BackgroundProfiles.from_arrays(
        load_p_mw=np.ones((2, 1)),
        load_q_mvar=np.zeros((2, 1)),
        sgen_p_mw=np.zeros((2, 0)),
        step_s=STEP_S,
    )
    parts = background_parts(
        prof,
        load_bus=np.array([0]),
        sgen_bus=np.zeros(0, np.int64),
        matrix_for=lambda bus: sp.csr_array(np.ones((1, bus.size))),
        times=range(0, 2 * STEP_S, STEP_S),
    )
    bg = ProfileBackground(parts, STEP_S)
    a = bg.true_kw(0)
    a[:] = -1.0
    assert bg.true_kw(0).tolist() == [1000.0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.update(rows=[]), "at least one row"),
        (lambda p: p.pop("load"), "need 'load'"),
        (lambda p: p.update(rows=[5]), "past the profile tables"),
        (lambda p: p["load"].update(type_idx=[3]), "type_idx outside the table"),
        (lambda p: p["load"].update(scale=[float("nan")]), "must be finite"),
        (lambda p: p["load"].update(n_row=2), "sizes disagree"),
    ],
)
def test_bad_parts_are_refused_naming_what_is_wrong(change, message):
    parts = {
        "rows": [0, 1],
        "load": {
            "table": [[1.0], [2.0]],
            "type_idx": [0],
            "scale": [0.5],
            "indptr": [0, 1],
            "indices": [0],
            "data": [1.0],
            "n_row": 1,
        },
    }
    change(parts)
    with pytest.raises(ValueError, match=message):
        ProfileBackground(parts, STEP_S)

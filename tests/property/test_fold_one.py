"""``fold_one`` (an adapter's one-source fast path) gives what ``fold`` gives, bit for bit."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from cosim.fold import fold, fold_one
from cosim.ports_types import Combine, Dim, Port

_EDGES = st.sampled_from([0.0, -0.0, 1.5, -2.25, np.nan, np.inf, -np.inf, 1e300])
_FLOATS = st.one_of(_EDGES, st.floats(allow_nan=True, allow_infinity=True))
_ARRAYS = st.one_of(
    arrays(np.float64, st.integers(0, 12), elements=_FLOATS),
    arrays(np.bool_, st.integers(0, 12)),
    arrays(np.float32, st.integers(0, 4), elements=st.floats(width=32)),
    arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 3)), elements=_FLOATS),
)
_ARRAY_RULES = (Combine.SUM, Combine.ADD, Combine.MIN, Combine.ANY, Combine.EACH)


def _port(how: Combine, default: Any) -> Port:
    return Port("x_kw", "kW", Dim.EV, how, default, "a test port")


def _same(a: Any, b: Any) -> bool:
    """Equal values, dtype, shape and signs of zeros (and not the same array)."""
    if isinstance(b, list):
        return type(a) is list and a == b
    return (
        type(a) is np.ndarray
        and a.dtype == b.dtype
        and a.shape == b.shape
        and np.array_equal(a, b, equal_nan=True)
        and (a.dtype == bool or np.array_equal(np.signbit(a), np.signbit(b)))
    )


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # huge values sum to inf
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf + -inf
@settings(deadline=None, max_examples=300)
@given(
    how=st.sampled_from(_ARRAY_RULES),
    value=_ARRAYS,
    n_given=st.booleans(),
    n_off=st.sampled_from([0, 0, 0, 1]),
    default=st.sampled_from([0.0, -0.0, np.nan, 7.5]),
)
def test_arrays_fold_as_fold_does(
    how: Combine, value: np.ndarray, n_given: bool, n_off: int, default: float
) -> None:
    """Every rule on one array source: fold_one's answer (when it has one) is fold's."""
    n = value.size + n_off if n_given else None
    fast = fold_one(how, value, n, default)
    if fast is None:
        return
    before = value.copy()
    slow = fold(_port(how, default), {"src-0.a": value}, n=n)
    assert _same(fast, slow)
    assert fast is not value  # a copy: the receiver may change it
    assert np.array_equal(value, before, equal_nan=True)


@settings(deadline=None, max_examples=100)
@given(records=st.lists(st.dictionaries(st.text(max_size=3), st.integers()), max_size=4))
def test_record_lists_concat_as_fold_does(records: list[dict[str, int]]) -> None:
    """CONCAT of one list source: the same records, in a new list."""
    fast = fold_one(Combine.CONCAT, records, None, None)
    assert fast == fold(_port(Combine.CONCAT, None), {"src-0.a": records})
    assert fast is not records


def test_the_usual_inputs_take_the_fast_path() -> None:
    """The adapters' per-step inputs (1-D float64 of n values, bool for ANY, record lists)
    are folded by fold_one, not handed back to fold."""
    x = np.array([1.0, np.nan, -0.0])
    assert np.array_equal(fold_one(Combine.SUM, x, 3, 5.0), [1.0, 5.0, -0.0])
    assert np.array_equal(fold_one(Combine.ADD, x, 3, 0.0), x, equal_nan=True)
    assert np.array_equal(fold_one(Combine.MIN, x, None, 0.0), x, equal_nan=True)
    assert np.array_equal(fold_one(Combine.ANY, x, 3, False), [True, True, False])
    assert np.array_equal(fold_one(Combine.ANY, x > 0, 3, False), [True, False, False])
    assert fold_one(Combine.CONCAT, [{"a": 1}], None, None) == [{"a": 1}]
    # what fold must convert, check or broadcast goes to fold
    assert fold_one(Combine.SUM, x, 4, 0.0) is None
    assert fold_one(Combine.SUM, [1.0, 2.0], 2, 0.0) is None
    assert fold_one(Combine.SUM, x.astype(np.float32), 3, 0.0) is None
    assert fold_one(Combine.EACH, x, 3, 0.0) is None
    assert fold_one(Combine.CONCAT, ({"a": 1},), None, None) is None
    assert fold_one(Combine.SUM, x.astype(">f8"), 3, 0.0) is None  # not native order


def test_kernel_made_arrays_take_the_fast_path() -> None:
    """An array a compiled kernel returns carries a dtype equal to numpy's float64 or bool
    but not numpy's own object: it is folded by fold_one too, as fold would fold it."""
    x = np.array([1.0, np.nan, -0.0, 2.0])
    mask = x > 0
    f64, flag = pickle.loads(pickle.dumps(x.dtype)), pickle.loads(pickle.dumps(mask.dtype))
    assert f64 is not x.dtype and flag is not mask.dtype  # what a kernel's arrays carry
    for how in (Combine.SUM, Combine.ADD, Combine.MIN, Combine.ANY):
        fast = fold_one(how, x.view(f64), 4, 0.0)
        assert fast is not None
        assert _same(fast, fold(_port(how, 0.0), {"src-0.a": x}, n=4))
    assert np.array_equal(fold_one(Combine.ANY, mask.view(flag), 4, False), mask)

"""The fast time arithmetic gives mosaik's own answers on any times it may meet."""

from __future__ import annotations

import operator

from hypothesis import given
from hypothesis import strategies as st
from mosaik.tiered_time import TieredDuration, TieredTime

from cosim import mosaik_fast

ints = st.integers(min_value=0, max_value=10**9)


def _mosaik_own(name: str):
    """mosaik's own method ``name`` of TieredTime, whether the fast paths are in or not."""
    return mosaik_fast._ORIGINAL.get(("TieredTime", name)) or TieredTime.__dict__[name]


@st.composite
def same_length_times(draw) -> tuple[TieredTime, TieredTime]:
    n = draw(st.integers(1, 3))
    small = st.integers(0, 3)  # small tiers: equal and neighbouring times are common
    a = draw(st.lists(small | ints, min_size=n, max_size=n))
    b = draw(st.one_of(st.just(a), st.lists(small | ints, min_size=n, max_size=n)))
    return TieredTime(*a), TieredTime(*b)


@st.composite
def time_and_shift(draw) -> tuple[TieredTime, TieredDuration]:
    n_time = draw(st.integers(1, 3))
    n_shift = draw(st.integers(1, 3))
    cutoff = draw(st.integers(1, min(n_time, n_shift)))
    time = TieredTime(*draw(st.lists(ints, min_size=n_time, max_size=n_time)))
    tiers = draw(st.lists(st.integers(0, 10**6), min_size=n_shift, max_size=n_shift))
    return time, TieredDuration(*tiers, cutoff=cutoff, pre_length=n_time)


@given(same_length_times())
def test_comparisons_match_mosaik(pair: tuple[TieredTime, TieredTime]) -> None:
    mosaik_fast.install()
    a, b = pair
    for name, op in (
        ("__lt__", operator.lt),
        ("__gt__", operator.gt),
        ("__le__", operator.le),
        ("__ge__", operator.ge),
    ):
        assert op(a, b) == _mosaik_own(name)(a, b), name


@given(time_and_shift())
def test_shift_matches_mosaik(case: tuple[TieredTime, TieredDuration]) -> None:
    mosaik_fast.install()
    time, shift = case
    fast = time + shift
    own = _mosaik_own("__add__")(time, shift)
    assert type(fast) is TieredTime
    assert fast == own
    assert fast.tiers == own.tiers
    assert hash(fast) == hash(own)

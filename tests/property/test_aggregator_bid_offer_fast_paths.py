"""The aggregator's daily bids and block offers without the work that changes nothing.

- the bids forecast every window's steps in one call and take each window's rows from it
  (a fresh copy, as ``ZoneMemory.forecast`` makes them): the same minima, signed zeros
  included, as one forecast per window;
- ``offer_band`` takes ``np.minimum.reduce`` for ``np.min`` (the ufunc reduction np.min runs);
- the block offer skips the commitments when none is live in the block: ``committed_kw``
  then gives +0.0 everywhere and ``x - 0.0`` is ``x`` bit for bit (-0.0 and NaN included).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from controllers.aggregator.fcr import offer_band
from controllers.aggregator.flex_offers import Commitment, ZoneMemory, committed_kw

_EDGE = st.sampled_from([0.0, -0.0, np.nan, 1.5, -2.0, 7.25])
_VALUE = st.one_of(_EDGE, st.floats(-50.0, 50.0, allow_nan=False))


def _forecast_ref(values: np.ndarray, steps: list[int]) -> np.ndarray:
    """ZoneMemory.forecast as it was: one call per window, with np.nanmin and .all."""
    v = values[:, np.array(steps, dtype=np.int64), :]
    seen = ~np.isnan(v).all(axis=0)
    low = np.nanmin(np.where(np.isnan(v), np.inf, v), axis=0)
    return np.where(seen, low, 0.0).T


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(
        a.shape == b.shape
        and np.array_equal(a, b, equal_nan=True)
        and np.array_equal(np.signbit(a), np.signbit(b))
    )


@settings(deadline=None, max_examples=200)
@given(
    days=st.integers(1, 3),
    n_zone=st.integers(1, 4),
    data=st.data(),
)
def test_window_rows_of_one_forecast_are_each_windows_forecast(
    days: int, n_zone: int, data: st.DataObject
) -> None:
    day_steps = 12
    mem = ZoneMemory(n_zone=n_zone, day_steps=day_steps, days=days)
    for day in range(days):
        for step in range(day_steps):
            if data.draw(st.booleans()):  # some steps never seen: NaN, forecast 0
                values = data.draw(arrays(np.float64, n_zone, elements=_VALUE))
                mem.update(day=day, step=step, values=values)
    windows = data.draw(
        st.lists(st.lists(st.integers(0, day_steps - 1), min_size=1, max_size=6), max_size=5)
    )
    steps = [s for w in windows for s in w]
    rows = mem.forecast_rows(np.array(steps, dtype=np.int64))
    start = 0
    for w in windows:
        ref = _forecast_ref(mem._values, w).min(axis=1)  # the per-window code
        new = np.minimum.reduce(np.array(rows[start : start + len(w)]).T, axis=1)
        start += len(w)
        assert _same_bits(ref, new)


@settings(deadline=None, max_examples=200)
@given(
    room=arrays(
        np.float64,
        st.tuples(st.integers(1, 4), st.integers(0, 20)),
        elements=_VALUE,
    ),
    ends=st.lists(st.tuples(st.integers(-5, 30), st.integers(0, 10)), max_size=3),
)
def test_offer_without_live_commitments_is_the_room_itself(
    room: np.ndarray, ends: list[tuple[int, int]]
) -> None:
    n_zone, horizon = room.shape
    times = 100 * np.arange(horizon, dtype=np.int64)
    # commitments that end before the block or start after it (none live at a step start)
    commitments = [
        Commitment(f"c{k}", k % n_zone, s, s + d, float(k + 1), "up" if k % 2 else "down")
        for k, (s, d) in enumerate(ends)
        for s in [(-1000 - s) if k % 2 else (100 * horizon + s)]
    ]
    c_down, c_up = committed_kw(commitments, times, n_zone)
    for c in (c_down, c_up):
        ref = np.maximum(room - c, 0.0).sum(axis=0)
        assert _same_bits(ref, np.add.reduce(np.maximum(room, 0.0), axis=0))


@settings(deadline=None, max_examples=200)
@given(
    up=arrays(np.float64, st.integers(1, 20), elements=_VALUE),
    down=arrays(np.float64, st.integers(1, 20), elements=_VALUE),
)
def test_offer_band_room_is_np_min_of_the_room(up: np.ndarray, down: np.ndarray) -> None:
    n = min(up.size, down.size)
    up, down = up[:n], down[:n]
    ref = float(max(np.min(np.minimum(up, down)), 0.0))
    room = offer_band(up, down, safety_factor=1.0, min_kw=0.0).room_kw
    assert room == ref or (room != room and ref != ref)
    assert np.signbit(room) == np.signbit(ref)

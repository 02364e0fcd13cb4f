"""The recorder's compiled byte shuffle against the numpy shuffle it replaced."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from results.chunk_kernels import shuffle_bytes
from results.chunks import _shuffled


def _numpy_shuffle(chunk: np.ndarray) -> np.ndarray:
    """The writer's former shuffle: one strided copy per byte of a value."""
    a = chunk if chunk.strides[-1] == chunk.itemsize else np.ascontiguousarray(chunk)
    size = a.itemsize
    values = a.view(np.uint8).reshape(-1, a.shape[-1] * size)
    out = np.empty((size, values.shape[0], a.shape[-1]), dtype=np.uint8)
    for k in range(size):
        out[k] = values[:, k::size]
    return out


_VALUES = st.floats(allow_nan=True, allow_infinity=True, width=32) | st.sampled_from(
    [0.0, -0.0, np.nan, 1e-45, -1.0]
)


@settings(max_examples=200, deadline=None)
@given(
    dtype=st.sampled_from([np.float32, np.float64, np.int16, np.uint8]),
    n_rows=st.integers(0, 40),
    n_cols=st.integers(1, 40),  # a series has one column at least
    cols=st.integers(1, 40),
    data=st.data(),
)
def test_shuffle_is_the_strided_numpy_shuffle(dtype, n_rows, n_cols, cols, data) -> None:
    if np.dtype(dtype).kind == "f":
        elements = _VALUES if dtype == np.float32 else st.floats(allow_nan=True, width=64)
    else:
        elements = st.integers(np.iinfo(dtype).min, np.iinfo(dtype).max)
    rows = data.draw(hnp.arrays(dtype, (n_rows, n_cols), elements=elements))
    # a chunk of columns is a row-strided view of its rows (series wider than a chunk)
    chunk = rows[:, :cols]
    expected = _numpy_shuffle(chunk).ravel()
    got = _shuffled(chunk)
    assert got.dtype == np.uint8
    assert got.tobytes() == expected.tobytes()


@settings(max_examples=50, deadline=None)
@given(itemsize=st.sampled_from([1, 2, 3, 4, 5, 8]), n=st.integers(0, 300), seed=st.integers(0, 99))
def test_every_byte_goes_to_its_plane(itemsize: int, n: int, seed: int) -> None:
    values = np.random.default_rng(seed).integers(0, 256, n * itemsize, dtype=np.uint8)
    out = np.empty_like(values)
    shuffle_bytes(values, itemsize, out)
    np.testing.assert_array_equal(out, values.reshape(-1, itemsize).T.ravel())

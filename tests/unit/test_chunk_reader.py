"""Rows read by chunks (ISA-L inflate, numpy unshuffle, threads) equal HDF5's, bit for bit."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from results.chunk_reader import read_rows
from results.reader import open_run
from results.writer import RunWriter, SeriesSpec


@settings(max_examples=40, deadline=None)
@given(
    n_rows=st.integers(1, 40),
    n_cols=st.integers(1, 30),
    chunk_rows=st.integers(1, 9),
    chunk_cols=st.integers(1, 12),
    written=st.integers(0, 40),
    dtype=st.sampled_from([np.float32, np.float64]),
    window=st.tuples(st.integers(0, 45), st.integers(0, 45)),
)
def test_rows_by_chunks_equal_hdf5s(
    tmp_path_factory, n_rows, n_cols, chunk_rows, chunk_cols, written, dtype, window
) -> None:
    """Any window of rows, across part chunks, padded column chunks and chunks never
    written (they read as the fill value)."""
    path = tmp_path_factory.mktemp("r") / "x.h5"
    values = np.random.default_rng(n_rows * 97 + n_cols).normal(size=(n_rows, n_cols))
    values[values > 1.2] = np.nan
    with h5py.File(path, "w") as f:
        dset = f.create_dataset(
            "x", shape=(n_rows, n_cols), maxshape=(None, n_cols), dtype=dtype,
            chunks=(min(chunk_rows, n_rows), min(chunk_cols, n_cols)), compression="gzip",
            compression_opts=1, shuffle=True, fillvalue=np.nan,
        )  # fmt: skip
        dset[: min(written, n_rows)] = values[:written]
    start, stop = sorted(window)
    with h5py.File(path, "r") as f:
        expected = f["x"][start:stop]
        got = read_rows(f["x"], start, stop, min_bytes=0)
    assert got.dtype == expected.dtype
    assert got.shape == expected.shape
    assert got.tobytes() == expected.tobytes()


def test_a_chunk_stored_without_deflate_is_read_by_hdf5(tmp_path) -> None:
    """A chunk whose deflate was skipped (filter mask set) is decoded by HDF5."""
    path = tmp_path / "x.h5"
    values = np.arange(32, dtype=np.float64).reshape(8, 4)
    with h5py.File(path, "w") as f:
        dset = f.create_dataset(
            "x", data=values, chunks=(4, 4), compression="gzip", shuffle=True
        )  # fmt: skip
        shuffled = values[4:].view(np.uint8).reshape(-1, 8).T.tobytes()
        dset.id.write_direct_chunk((4, 0), shuffled, filter_mask=0b10)  # deflate skipped
    with h5py.File(path, "r") as f:
        np.testing.assert_array_equal(read_rows(f["x"], 0, 8, min_bytes=0), values)


def test_a_damaged_chunk_names_the_dataset_and_the_chunk(tmp_path) -> None:
    path = tmp_path / "x.h5"
    with h5py.File(path, "w") as f:
        dset = f.create_dataset(
            "g/x", data=np.ones((4, 4)), chunks=(4, 4), compression="gzip", shuffle=True
        )  # fmt: skip
        dset.id.write_direct_chunk((0, 0), b"x\x01not deflate")
    with h5py.File(path, "r") as f, pytest.raises(OSError, match=r"/g/x: the chunk at row 0"):
        read_rows(f["g/x"], 0, 4, min_bytes=0)


def test_a_run_reads_the_same_by_chunks(tmp_path, monkeypatch) -> None:
    """Run.blocks and Run.get, through the recorder's writer (whole chunks deflated by
    ISA-L, the last part chunk by HDF5), equal h5py's reads."""
    path = tmp_path / "run.h5"
    w = RunWriter(path, meta={"step_s": 900, "start": "2016-06-06T00:00:00+02:00"},
                  buffer_steps=4, flush_s=1e9)  # fmt: skip
    w.declare("x", SeriesSpec("g", "x", 7, [str(i) for i in range(7)], attrs={"attr": "x"}))
    rows = np.random.default_rng(3).normal(size=(19, 7))
    for t, row in enumerate(rows):
        w.write_row(900 * t, {"x": row})
    w.close("complete")
    import results.chunk_reader as chunk_reader

    monkeypatch.setattr(chunk_reader, "FAST_MIN_B", 0)
    run = open_run(path)
    np.testing.assert_array_equal(run.get("", "x").to_numpy(), rows.astype(np.float32))
    blocks = np.concatenate(list(run.blocks("", "x")))
    np.testing.assert_array_equal(blocks, rows.astype(np.float32))

"""Whole chunks compressed off the GIL read back as HDF5 wrote them, however flushes fall."""

from __future__ import annotations

import zlib
from unittest import mock

import h5py
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from results import writer as writer_mod
from results.chunks import chunk_encoder, write_chunks
from results.writer import RunWriter, SeriesSpec

META = {"step_s": 900, "start": "2016-06-06T00:00:00+02:00"}


@settings(max_examples=30, deadline=None)
@given(
    n_rows=st.integers(0, 30),
    n_cols=st.integers(1, 40),
    buffer_steps=st.integers(1, 8),
    extra_flushes=st.sets(st.integers(0, 30), max_size=4),
    compression=st.sampled_from(["gzip", "lzf", "none"]),
    background=st.booleans(),
)
def test_rows_read_back_whatever_the_flushes(
    tmp_path_factory, n_rows, n_cols, buffer_steps, extra_flushes, compression,
    background,
) -> None:  # fmt: skip
    path = tmp_path_factory.mktemp("c") / "run.h5"
    # narrow chunks (a few columns each): series split into column chunks, last one padded
    with (
        mock.patch.object(writer_mod, "_CHUNK_B", 4 * buffer_steps * 3),
        mock.patch.object(writer_mod, "_BACKGROUND_MIN_B", 0),
    ):
        _write(path, n_rows, n_cols, buffer_steps, extra_flushes, compression, background)


def _write(path, n_rows, n_cols, buffer_steps, extra_flushes, compression, background) -> None:
    w = RunWriter(
        path, meta=META, buffer_steps=buffer_steps, flush_s=1e9, compression=compression,
        background=background,
    )  # fmt: skip
    w.declare("x", SeriesSpec("g", "x", n_cols, [str(i) for i in range(n_cols)]))
    rows = np.random.default_rng(n_rows * 41 + n_cols).normal(size=(n_rows, n_cols))
    rows[rows > 1.5] = np.nan  # missing values stay missing
    for t, row in enumerate(rows):
        w.write_row(900 * t, {"x": row})
        if t in extra_flushes:  # what flush_s does: a flush inside a chunk
            w.flush()
    w.close("complete")
    with h5py.File(path, "r") as f:
        assert f["time_s"][:].tolist() == [900 * t for t in range(n_rows)]
        np.testing.assert_array_equal(f["g/x"][:], rows.astype(np.float32))


@pytest.mark.parametrize("n_rows", [16, 13])  # 13: the run's last rows end inside a chunk
@pytest.mark.parametrize("compression", ["gzip", "none"])
def test_a_chunk_written_here_is_what_hdf5_would_store(
    tmp_path, compression: str, n_rows: int
) -> None:
    # two chunks of rows, three of columns: the block is cut and ordered as HDF5 cuts it,
    # an edge chunk padded with the fill value as HDF5 pads it
    block = np.random.default_rng(3).normal(size=(n_rows, 10)).astype(np.float32)
    block[2, 3] = block[9, 9] = np.nan
    with h5py.File(tmp_path / "c.h5", "w") as f:
        kw = writer_mod.series_filter(compression)
        ds = {
            name: f.create_dataset(
                name,
                shape=(n_rows, 10),
                maxshape=(None, 10),
                chunks=(8, 4),
                dtype=np.float32,
                fillvalue=np.nan,
                **kw,
            )
            for name in ("hdf5", "here")
        }
        ds["hdf5"][:] = block
        assert write_chunks(ds["here"], block, 0, chunk_encoder(ds["here"]))
        f.flush()
        for row in (0, 8):
            for col in (0, 4, 8):  # the last chunk holds 2 columns and 2 of fill
                _, ours = ds["here"].id.read_direct_chunk((row, col))
                _, theirs = ds["hdf5"].id.read_direct_chunk((row, col))
                if compression == "gzip":  # another deflate (ISA-L), the same bytes deflated
                    ours, theirs = zlib.decompress(ours), zlib.decompress(theirs)
                assert ours == theirs
        np.testing.assert_array_equal(ds["here"][:], block)


def test_part_chunks_and_other_filters_are_left_to_hdf5(tmp_path) -> None:
    with h5py.File(tmp_path / "c.h5", "w") as f:
        lzf = f.create_dataset("l", shape=(8, 2), chunks=(4, 2), dtype="f4", compression="lzf")
        plain = f.create_dataset("p", shape=(8, 2), chunks=(4, 2), dtype="f4")
        block = np.ones((4, 2), dtype=np.float32)
        assert chunk_encoder(lzf) is None
        assert not write_chunks(lzf, block, 0, chunk_encoder(lzf))
        assert not write_chunks(plain, block[:3], 0, chunk_encoder(plain))  # part of a chunk
        assert not write_chunks(plain, block, 2, chunk_encoder(plain))  # starts inside one
        assert not write_chunks(plain, block.astype(np.float64), 0, chunk_encoder(plain))
        assert not plain[:].any()

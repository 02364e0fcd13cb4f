"""Write whole chunks of a series compressed here, off the GIL, and hand them to HDF5 as is.

h5py keeps the GIL while HDF5 runs a dataset's filters, so a flush compressed by HDF5 on
the writer thread stalls the simulation for as long as it takes (on an MV+LV grid a
quarter of a run's CPU). :func:`write_chunks` does the work of the filters the results
file uses, byte shuffle then deflate (:func:`series_filter`), or none, itself and stores
each finished chunk with ``H5Dwrite_chunk``. The shuffle is numpy's; the deflate is
ISA-L's (:mod:`isal.isal_zlib`), which releases the GIL and takes about a quarter of the
CPU of zlib's level 1 for slightly smaller chunks of these series. It writes the zlib
format HDF5's deflate filter reads: any HDF5 reader reads the same values, and the
uncompressed bytes of each chunk are the ones HDF5 would have deflated
(``tests/unit/test_writer_chunks.py``); the compressed bytes differ from zlib's.

Blocks of whole chunks go this way, and so do blocks that end at the dataset's last row
(the last rows of a run, a flush forced by ``flush_s``): their last chunk is stored padded
with the fill value, as HDF5 stores it. A block that starts inside a chunk (the flush after
a forced one) returns False and is written through h5py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import h5py
import numpy as np
from isal import isal_zlib
from numpy.typing import NDArray

__all__ = ["chunk_encoder", "series_filter", "write_chunks"]

Encoder = Callable[[NDArray[np.floating]], bytes]


def series_filter(compression: str) -> dict[str, Any]:
    """``create_dataset`` keywords of a compression choice: gzip, lzf or none.

    gzip (level 1, byte shuffle) is readable by every HDF5 tool; lzf, h5py's own filter,
    costs ~30 % less CPU per flush and writes ~25 % larger files, and tools other than
    h5py need the LZF plugin to read it; none is the fastest and ~10x larger.
    """
    filters: dict[str, dict[str, Any]] = {
        "gzip": {"compression": "gzip", "compression_opts": 1, "shuffle": True},
        "lzf": {"compression": "lzf", "shuffle": True},
        "none": {},
    }
    try:
        return filters[compression]
    except KeyError:
        raise ValueError(
            f"record.compression = {compression!r}: choose one of {', '.join(filters)}"
        ) from None


def chunk_encoder(dset: h5py.Dataset) -> Encoder | None:
    """The function that turns one chunk of ``dset`` into its stored bytes, or None.

    None when ``dset`` has a filter this module does not reproduce (e.g. lzf).
    """
    plist = dset.id.get_create_plist()
    filters = [plist.get_filter(i) for i in range(plist.get_nfilters())]
    codes = [f[0] for f in filters]
    if not codes:
        return _raw
    if codes == [h5py.h5z.FILTER_SHUFFLE, h5py.h5z.FILTER_DEFLATE]:
        # ISA-L has levels 0-3 (its 1 compresses about as well as zlib's 1, 4x faster)
        level = min(int(filters[1][2][0]), isal_zlib.ISAL_BEST_COMPRESSION)
        return lambda chunk: isal_zlib.compress(_shuffled(chunk), level)
    return None


def _raw(chunk: NDArray[np.floating]) -> bytes:
    return np.ascontiguousarray(chunk).tobytes()


def _shuffled(chunk: NDArray[np.floating]) -> NDArray[np.uint8]:
    """HDF5's byte shuffle: the first byte of every value, then every second byte, ...

    One strided copy per byte of a value: ~2.5x faster than numpy's byte transpose.
    """
    a = chunk if chunk.strides[-1] == chunk.itemsize else np.ascontiguousarray(chunk)
    size = a.itemsize
    values = a.view(np.uint8).reshape(-1, a.shape[-1] * size)
    out = np.empty((size, values.shape[0], a.shape[-1]), dtype=np.uint8)
    for k in range(size):
        out[k] = values[:, k::size]
    return out


def write_chunks(
    dset: h5py.Dataset, block: NDArray[np.floating], start: int, encode: Encoder | None
) -> bool:
    """Store rows ``start ..`` of ``dset`` from ``block`` chunk by chunk; False if not whole.

    ``dset`` must already be resized to hold the rows. A block that ends at the dataset's
    last row may end inside a chunk: that chunk is stored padded with the fill value, as
    HDF5 stores an edge chunk. Nothing is written when False is returned (``encode`` is
    None, or the rows start inside a chunk or end inside one before the last row).
    """
    chunk_rows, chunk_cols = dset.chunks
    n_rows, n_cols = block.shape
    if encode is None or block.dtype != dset.dtype:
        return False
    if start % chunk_rows or n_rows == 0:
        return False
    if n_rows % chunk_rows and start + n_rows != dset.shape[0]:
        return False  # later rows of this run complete the chunk
    for r in range(0, n_rows, chunk_rows):
        rows = _padded(block[r : r + chunk_rows], chunk_rows, chunk_cols, dset)
        for c in range(0, n_cols, chunk_cols):
            chunk = rows[:, c : c + chunk_cols]
            dset.id.write_direct_chunk((start + r, c), encode(chunk))
    return True


def _padded(
    rows: NDArray[np.floating], chunk_rows: int, chunk_cols: int, dset: h5py.Dataset
) -> NDArray[np.floating]:
    """``rows`` filled up to whole chunks (the last rows and columns) with the fill value."""
    n_rows, n_cols = rows.shape
    pad_cols = -n_cols % chunk_cols
    if n_rows == chunk_rows and not pad_cols:
        return rows  # (h5py reads the fill value from the file: ~13 us, only when needed)
    out = np.full((chunk_rows, n_cols + pad_cols), dset.fillvalue, dtype=rows.dtype)
    out[:n_rows, :n_cols] = rows
    return out

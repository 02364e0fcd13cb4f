"""Write whole chunks of a series compressed here, off the GIL, and hand them to HDF5 as is.

h5py keeps the GIL while HDF5 runs a dataset's filters, so a flush compressed by HDF5 on
the writer thread stalls the simulation for as long as it takes (on an MV+LV grid a
quarter of a run's CPU). :func:`write_chunks` does the work of the filters the results
file uses, byte shuffle then deflate (:func:`series_filter`), or none, itself and stores
each finished chunk with ``H5Dwrite_chunk``. The shuffle is a compiled loop
(:mod:`results.chunk_kernels`); the deflate is ISA-L's (:mod:`isal.isal_zlib`); both
release the GIL, and ISA-L takes about a quarter of the CPU of zlib's level 1 for
slightly smaller chunks of these series. It writes the zlib
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
from dataclasses import dataclass
from typing import Any

import h5py
import numpy as np
from isal import isal_zlib
from numpy.typing import NDArray

from results.chunk_kernels import shuffle_bytes

__all__ = ["ChunkLayout", "chunk_encoder", "series_filter", "store_chunks", "write_chunks"]

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
    """HDF5's byte shuffle: the first byte of every value, then every second byte, ..."""
    values = np.ascontiguousarray(chunk).reshape(-1).view(np.uint8)
    out = np.empty_like(values)
    shuffle_bytes(values, chunk.itemsize, out)
    return out


@dataclass(frozen=True)
class ChunkLayout:
    """What :func:`store_chunks` needs to know of a dataset: read from the file once.

    (Each h5py property read asks HDF5 again, ~5-10 us apiece, for every series at every flush.)
    """

    rows: int
    cols: int
    dtype: np.dtype[Any]
    fill: float

    @classmethod
    def of(cls, dset: h5py.Dataset) -> ChunkLayout:
        chunk_rows, chunk_cols = dset.chunks
        return cls(chunk_rows, chunk_cols, dset.dtype, dset.fillvalue)


def write_chunks(
    dset: h5py.Dataset, block: NDArray[np.floating], start: int, encode: Encoder | None
) -> bool:
    """Store rows ``start ..`` of ``dset`` from ``block`` chunk by chunk; False if not whole.

    ``dset`` must already be resized to hold the rows (see :func:`store_chunks`).
    """
    layout = ChunkLayout.of(dset)
    return store_chunks(dset.id, layout, block, start, dset.shape[0], encode)


def store_chunks(
    dsid: h5py.h5d.DatasetID,
    layout: ChunkLayout,
    block: NDArray[np.floating],
    start: int,
    n_total: int,
    encode: Encoder | None,
) -> bool:
    """Store rows ``start ..`` of dataset ``dsid`` from ``block`` chunk by chunk; False if
    not whole.

    The dataset must already hold ``n_total`` rows. A block that ends at its last row may
    end inside a chunk: that chunk is stored padded with the fill value, as HDF5 stores an
    edge chunk. Nothing is written when False is returned (``encode`` is None, or the rows
    start inside a chunk or end inside one before the last row).
    """
    chunk_rows, chunk_cols = layout.rows, layout.cols
    n_rows, n_cols = block.shape
    if encode is None or block.dtype != layout.dtype:
        return False
    if start % chunk_rows or n_rows == 0:
        return False
    if n_rows % chunk_rows and start + n_rows != n_total:
        return False  # later rows of this run complete the chunk
    for r in range(0, n_rows, chunk_rows):
        rows = _padded(block[r : r + chunk_rows], layout)
        for c in range(0, n_cols, chunk_cols):
            chunk = rows[:, c : c + chunk_cols]
            dsid.write_direct_chunk((start + r, c), encode(chunk))
    return True


def _padded(rows: NDArray[np.floating], layout: ChunkLayout) -> NDArray[np.floating]:
    """``rows`` filled up to whole chunks (the last rows and columns) with the fill value."""
    n_rows, n_cols = rows.shape
    pad_cols = -n_cols % layout.cols
    if n_rows == layout.rows and not pad_cols:
        return rows
    out = np.full((layout.rows, n_cols + pad_cols), layout.fill, dtype=rows.dtype)
    out[:n_rows, :n_cols] = rows
    return out

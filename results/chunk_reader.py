"""Read rows of a large series by its stored chunks, inflated on several threads.

h5py keeps the GIL while HDF5 inflates and unshuffles a dataset's chunks, so reading a
year of an MV+LV run (5 GB of gzip chunks) uses one core, and HDF5's zlib inflate is
most of it. For the filters the results file uses (byte shuffle then deflate,
:func:`results.chunks.series_filter`), :func:`read_rows` fetches each chunk's stored
bytes (``H5Dread_chunk``), inflates them with ISA-L (about twice zlib's speed) and
undoes the shuffle straight into the result, one strided copy per byte of a value, on a
few worker threads (both release the GIL). The values are the ones HDF5 reads, bit for
bit (``tests/unit/test_chunk_reader.py``).

Everything else goes through h5py as before: small reads (below :data:`FAST_MIN_B`),
other filters (lzf, none), and single chunks HDF5 stored unfiltered.
"""

from __future__ import annotations

import functools
import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, cast

import h5py
import numpy as np
from isal import isal_zlib
from numpy.typing import NDArray

__all__ = ["FAST_MIN_B", "read_rows"]

#: reads of at least this many bytes go by chunks [bytes]
FAST_MIN_B = 4 * 2**20
_WORKERS = max(1, min(4, os.cpu_count() or 1))
_IN_FLIGHT = 8 * _WORKERS  # chunks read but not yet decoded: bounds the memory held
_INFLATE_ERROR = cast(type[Exception], isal_zlib.error)  # its stubs declare an instance


def read_rows(
    dset: h5py.Dataset, start: int, stop: int, *, min_bytes: int | None = None
) -> NDArray[Any]:
    """Rows ``start:stop`` of the 2-D dataset ``dset``, as ``dset[start:stop]`` reads them
    (``stop`` is clipped to the dataset's length); by chunks from ``min_bytes`` on
    (default :data:`FAST_MIN_B`)."""
    stop = min(stop, dset.shape[0])
    start = min(start, stop)
    if not _by_chunks(dset, stop - start, FAST_MIN_B if min_bytes is None else min_bytes):
        return dset[start:stop]  # type: ignore[no-any-return]
    out = np.empty((stop - start, dset.shape[1]), dtype=dset.dtype)
    chunk_rows, chunk_cols = dset.chunks
    decode = functools.partial(_decode, chunk=(chunk_rows, chunk_cols), dtype=dset.dtype)
    pending: deque[Future[None]] = deque()
    with ThreadPoolExecutor(_WORKERS) as pool:
        for r0 in range(start - start % chunk_rows, stop, chunk_rows):
            rows = slice(max(r0, start) - r0, min(r0 + chunk_rows, stop) - r0)
            for c0 in range(0, dset.shape[1], chunk_cols):
                target = out[r0 + rows.start - start : r0 + rows.stop - start, c0 : c0 + chunk_cols]
                raw = _stored(dset, (r0, c0), rows, target)
                if raw is None:
                    continue
                pending.append(pool.submit(decode, raw, target, rows, where=(dset.name, r0, c0)))
                if len(pending) > _IN_FLIGHT:
                    pending.popleft().result()
        while pending:
            pending.popleft().result()
    return out


def _by_chunks(dset: h5py.Dataset, n_rows: int, min_bytes: int) -> bool:
    """Whether rows of ``dset`` are read here: a large read, stored shuffled and deflated."""
    dtype = dset.dtype
    if dset.ndim != 2 or dset.chunks is None or dtype.kind != "f" or not dtype.isnative:
        return False
    if n_rows == 0 or n_rows * dset.shape[1] * dtype.itemsize < min_bytes:
        return False
    plist = dset.id.get_create_plist()
    filters = [plist.get_filter(i) for i in range(plist.get_nfilters())]
    return [f[0] for f in filters] == [h5py.h5z.FILTER_SHUFFLE, h5py.h5z.FILTER_DEFLATE] and (
        tuple(filters[0][2][:1]) == (dtype.itemsize,)
    )


def _stored(
    dset: h5py.Dataset, offset: tuple[int, int], rows: slice, target: NDArray[Any]
) -> bytes | None:
    """The stored bytes of the chunk at ``offset``, or None once ``target`` is filled here
    (a chunk never written reads as the fill value; one HDF5 stored unfiltered is read by
    HDF5)."""
    if dset.id.get_chunk_info_by_coord(offset).byte_offset is None:
        target[...] = dset.fillvalue
        return None
    filter_mask, raw = dset.id.read_direct_chunk(offset)
    if filter_mask:
        r0, c0 = offset
        target[...] = dset[r0 + rows.start : r0 + rows.stop, c0 : c0 + target.shape[1]]
        return None
    return raw  # type: ignore[no-any-return]


def _decode(
    raw: bytes,
    target: NDArray[Any],
    rows: slice,
    *,
    chunk: tuple[int, int],
    dtype: np.dtype[Any],
    where: tuple[str, int, int],
) -> None:
    """Inflate and unshuffle one chunk and copy its ``rows`` (all columns ``target`` has)."""
    size = chunk[0] * chunk[1] * dtype.itemsize
    try:
        data = isal_zlib.decompress(raw, bufsize=size)
    except _INFLATE_ERROR as err:
        data = str(err).encode()  # reported below, with where it happened
    if len(data) != size:
        name, r0, c0 = where
        raise OSError(
            f"{name}: the chunk at row {r0}, column {c0} does not inflate to the {size} "
            f"bytes of a chunk ({data[:60]!r}...); the results file is damaged"
        )
    # plane k holds byte k of every value: copy it to every value's byte k in ``target``
    planes = np.frombuffer(data, dtype=np.uint8).reshape(dtype.itemsize, *chunk)
    target_bytes = target.view(np.uint8)
    for k in range(dtype.itemsize):
        target_bytes[:, k :: dtype.itemsize] = planes[k, rows, : target.shape[1]]

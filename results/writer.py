"""Incremental HDF5 writer: time × column datasets, buffered, readable after a crash.

The file's layout is :mod:`results.run_file`'s. What survives a crash: rows reach the file
at every flush (``buffer_steps`` rows or ``flush_s`` seconds, whichever comes first); a
killed writer leaves a file every HDF5 reader opens, holding every row up to the last
flush. ``/time_s`` is extended last in each flush: it marks the rows that are complete in
every series.

Whole chunks are compressed here (:mod:`results.chunks`: numpy's byte shuffle and ISA-L's
deflate, about a quarter of the CPU of HDF5's zlib filter) and handed to HDF5 as they are.
With ``background=True`` a large flush (wide series: thousands of EVs or buses) goes to
one writer thread and returns: HDF5 runs its filters with the GIL held (h5py does not
release it), the deflate here releases it, so the compression runs beside the
simulation. Flushes fall at chunk ends (``buffer_steps`` rows, the chunk height), so they
hold whole chunks, or end at the last row; a flush that starts inside a chunk (after one
forced by ``flush_s``) and lzf go through HDF5's filters. At most one flush is in flight;
the next flush, a declaration, a table or ``close`` waits for it, and a failed write is
raised there. The rows are buffered in :class:`~results.row_buffers.RowBuffers`
(one-column series share one matrix, ``write_row``'s ``columns``, and array series
another, its ``arrays``).
"""

from __future__ import annotations

import errno
import logging
import shutil
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import h5py
import numpy as np
from numpy.typing import NDArray

from results.chunks import ChunkLayout, Encoder, chunk_encoder, series_filter, store_chunks
from results.row_buffers import RowBuffers
from results.run_file import (
    RecordingError,
    RunStatus,
    SeriesSpec,
    create_series,
    open_run_file,
    recording_error,
    write_meta,
    write_table,
)

__all__ = [
    "DEFAULT_FLUSH_S",
    "RecordingError",
    "RunStatus",
    "RunWriter",
    "SeriesSpec",
    "series_filter",
]

log = logging.getLogger(__name__)

#: wall-clock seconds between flushes: what a killed run can lose at most
DEFAULT_FLUSH_S = 5.0
#: smallest flush handed to the writer thread [bytes]: smaller ones cost less written at once
#: than the thread's hand-over and GIL switches (measured: +15 % on a 97-bus LV run; with
#: whole chunks compressed off the GIL, still ~5 % on a 60-day base LV run)
_BACKGROUND_MIN_B = 8 * 1024 * 1024
#: target size of one chunk [bytes]
_CHUNK_B = 512 * 1024
#: free space kept in reserve for HDF5 metadata at each flush [bytes]
_METADATA_RESERVE_B = 256 * 1024


class RunWriter:
    """Write time series to one HDF5 file, ``buffer_steps`` rows at a time.

    Parameters
    ----------
    path : Path
        File to create (parent folders are created; an existing file is replaced).
    buffer_steps : int
        Rows held in memory per series before they are appended to the file.
    flush_s : float
        Also flush when this many wall-clock seconds [s] passed since the last flush
        (``0`` flushes every row); bounds what a killed run loses.
    float32 : bool
        Store values as float32 (else float64).
    background : bool
        Write flushed rows from a writer thread while the caller goes on.
    meta : Mapping
        Attributes of ``/meta`` (str, numbers; dicts are stored as JSON).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        buffer_steps: int = 672,
        flush_s: float = DEFAULT_FLUSH_S,
        float32: bool = True,
        compression: str = "gzip",
        background: bool = False,
        meta: Mapping[str, Any] | None = None,
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open_run_file(self.path)
        self._dtype = np.float32 if float32 else np.float64
        self._filter = series_filter(compression)
        self._buffer_steps = int(buffer_steps)
        self._flush_s = float(flush_s)
        self._last_flush = time.monotonic()
        self._failed: RecordingError | None = None
        self._specs: dict[str, SeriesSpec] = {}
        self._encoders: dict[str, Encoder | None] = {}
        #: each series' dataset path and chunk layout, read once (see :meth:`_write`)
        self._datasets: dict[str, tuple[bytes, ChunkLayout]] = {}
        #: datasets kept open between flushes (an open and a close cost ~40 us)
        self._kept: dict[str, h5py.h5d.DatasetID] = {}
        self._chunk_rows = max(1, min(self._buffer_steps, 4096))
        self._buf = RowBuffers(self._buffer_steps, self._dtype)
        self._times: list[int] = []
        self._rows_written = 0  # rows in the file
        self._rows_queued = 0  # rows in the file or in flight
        self._last_queued_s: int | None = None
        self._pool = ThreadPoolExecutor(1, "cosim-writer") if background else None
        self._pending: Future[None] | None = None
        self._meta = self._file.create_group("meta")
        self.set_meta({"status": RunStatus.RUNNING, "message": "", **(meta or {})})
        self._file.flush()  # a valid file from the start, even if set-up is killed

    # -- declarations ---------------------------------------------------------------------
    def declare(self, key: str, spec: SeriesSpec, *, array: bool = False) -> None:
        """Create the dataset of series ``key`` (no-op if it exists); its rows come in
        ``write_row``'s ``columns`` if it has one column and is not an ``array``, else in
        its ``arrays`` (or by key either way)."""
        if key in self._specs:
            return
        self._drain()
        chunk_rows = self._chunk_rows
        # wide series (one column per EV or bus) are chunked by columns as well: chunks of
        # ~0.5 MiB compress in the cache instead of being re-read at each partial flush
        chunk_cols = max(1, min(spec.n, _CHUNK_B // (chunk_rows * np.dtype(self._dtype).itemsize)))
        dset = create_series(
            self._file,
            spec,
            rows=self._rows_written,
            chunks=(chunk_rows, chunk_cols),
            dtype=self._dtype,
            compression=self._filter,
        )
        self._specs[key] = spec
        self._encoders[key] = chunk_encoder(dset)
        self._datasets[key] = (dset.name.encode(), ChunkLayout.of(dset))
        self._buf.add(key, spec.n, array=array)

    def has(self, key: str) -> bool:
        return key in self._specs

    def width(self, key: str) -> int:
        """Number of columns of series ``key``."""
        return self._specs[key].n

    def column(self, key: str) -> int | None:
        """Where one-column series ``key`` goes in ``write_row``'s ``columns`` (None: an
        array series)."""
        return self._buf.column(key)

    def span(self, key: str) -> tuple[int, int] | None:
        """Where array series ``key`` goes in ``write_row``'s ``arrays`` (None: a
        one-column series)."""
        return self._buf.span(key)

    @property
    def arrays_width(self) -> int:
        """The length of ``write_row``'s ``arrays``: the columns of every array series."""
        return self._buf.width

    # -- rows -----------------------------------------------------------------------------
    def write_row(
        self,
        time_s: int,
        values: Mapping[str, Any],
        columns: Sequence[float] = (),
        arrays: NDArray[np.float64] | None = None,
    ) -> None:
        """Add one row at ``time_s``; series missing from ``values``, ``columns`` and
        ``arrays`` get NaN.

        ``columns`` holds the values of the first one-column series, each at its
        :meth:`column` (NaN for one without a value); ``arrays`` the row of every array
        series, each at its :meth:`span` (:attr:`arrays_width` values); ``values`` holds
        series by key and is stored after them.
        """
        if self._failed is not None:
            raise self._failed
        row, time_s = len(self._times), int(time_s)
        try:
            if columns:
                self._buf.store_columns(row, columns)
            if arrays is not None:
                self._buf.store_arrays(row, arrays)
            if values:  # (the recorder's packed rows have none)
                buffers = self._buf.live
                for key, value in values.items():
                    buffers[key][row] = value
        except BaseException:  # (an interrupt can land here too) a row counts once whole
            self._buf.clear_row(row)
            raise
        self._times.append(time_s)
        if (
            len(self._times) >= self._buffer_steps
            or (self._rows_queued + len(self._times)) % self._chunk_rows == 0
            or time.monotonic() - self._last_flush >= self._flush_s
        ):
            self.flush()  # at chunk ends (whole chunks are written off the GIL), or on time

    def flush(self) -> None:
        """Append the buffered rows to the file and flush it to disk.

        Raises
        ------
        RecordingError
            The disk has too little free space for the rows, or writing failed; the rows
            of earlier flushes stay readable and later writes are refused.
        """
        if self._failed is not None:
            raise self._failed
        self._last_flush = time.monotonic()
        self._drain()
        if not self._times:
            return
        n, times, start = len(self._times), list(self._times), self._rows_queued
        buffers = self._buf.swap()
        self._times.clear()
        self._rows_queued += n
        self._last_queued_s = times[-1]
        if self._pool is not None and n * self._row_bytes() >= _BACKGROUND_MIN_B:
            # whole chunks compressed here, off the GIL: beside the simulation
            self._pending = self._pool.submit(self._write, buffers, times, start)
            return
        try:
            self._write(buffers, times, start)
        except (OSError, RuntimeError) as err:  # h5py reports failed writes as either
            self._failed = self._recording_error(err)
            raise self._failed from err

    def _row_bytes(self) -> int:
        return sum(spec.n for spec in self._specs.values()) * np.dtype(self._dtype).itemsize

    def sync(self) -> None:
        """Flush and wait until every row is in the file (raises a failed write)."""
        self.flush()
        self._drain()

    def _drain(self) -> None:
        """Wait for the write in flight; a failure becomes this writer's RecordingError."""
        pending, self._pending = self._pending, None
        if pending is None:
            return
        try:
            pending.result()
        except (OSError, RuntimeError) as err:
            self._failed = self._recording_error(err)
            raise self._failed from err

    def _write(
        self, buffers: dict[str, NDArray[np.floating]], times: list[int], start: int
    ) -> None:
        """Append ``times`` and the first rows of ``buffers`` at row ``start``, then flush.

        Whole chunks are compressed here (:mod:`results.chunks`), part chunks by HDF5.
        """
        n = len(times)
        self._check_space(start, start + n)
        fid, kept = self._file.id, self._kept
        for key, spec in self._specs.items():
            path, layout = self._datasets[key]
            # h5py's low-level API: a fifth of the cost of File[path] and its Dataset
            dsid = kept.pop(key, None) or h5py.h5d.open(fid, path)
            dsid.set_extent((start + n, spec.n))
            # (a one-column series' buffer is a strided column of the shared buffer)
            block = np.ascontiguousarray(buffers[key][:n])
            if store_chunks(dsid, layout, block, start, start + n, self._encoders[key]):
                kept[key] = dsid  # chunks written directly leave its chunk cache empty
            else:
                # closed after it: HDF5 keeps the chunks it wrote in the dataset's chunk
                # cache (up to _CHUNK_CACHE_B each), which would grow with the run
                h5py.Dataset(dsid)[start : start + n] = block
        self._buf.clear_spare(n)
        time_s = self._file["time_s"]  # last: its length says which rows are complete
        time_s.resize((start + n,))
        time_s[start:] = times
        self._rows_written = start + n
        self._file.flush()

    def _check_space(self, start: int, stop: int) -> None:
        """Refuse a flush that might not fit: a half-written chunk would damage the file."""
        rows = self._chunk_rows
        n_chunks = (stop - 1) // rows - start // rows + 1
        width = sum(spec.n for spec in self._specs.values())
        need = _METADATA_RESERVE_B + n_chunks * rows * width * np.dtype(self._dtype).itemsize
        free = shutil.disk_usage(self.path.parent).free
        if free < need:
            raise OSError(errno.ENOSPC, f"{free} bytes free, a flush needs up to {need}")

    def _recording_error(self, err: OSError | RuntimeError) -> RecordingError:
        return recording_error(err, self.path, self._file, self._rows_written)

    @property
    def rows(self) -> int:
        """Rows recorded so far (written plus buffered)."""
        return self._rows_queued + len(self._times)

    @property
    def failed(self) -> bool:
        """Whether a flush failed (the file then holds only the rows written before)."""
        return self._failed is not None

    @property
    def last_time_s(self) -> int | None:
        if self._times:
            return self._times[-1]
        if self._last_queued_s is not None:
            return self._last_queued_s
        if self._rows_written:
            return int(self._file["time_s"][self._rows_written - 1])
        return None

    # -- static data ----------------------------------------------------------------------
    def add_table(self, name: str, columns: Mapping[str, list[Any]]) -> None:
        """Store a static table (e.g. buses, fleet) as one dataset per column."""
        self._drain()
        write_table(self._file, name, columns)
        self._file.flush()

    def set_meta(self, items: Mapping[str, Any]) -> None:
        """Attributes of ``/meta`` (dicts, lists and tuples as JSON)."""
        write_meta(self._meta, items)

    def close(self, status: str | None = None, message: str = "") -> None:
        """Flush, set the final status and close the file (idempotent).

        After a failed flush the buffered rows are dropped, the status becomes
        ``failed`` (if the disk still takes it) and no error is raised.
        """
        if not self._file.id.valid:
            return
        try:
            if self._failed is None:
                self.sync()
        except RecordingError:
            pass  # the status says it (use sync() first to have it raised); keep what is on disk
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
            self._close_file(status, message)

    def _close_file(self, status: str | None, message: str) -> None:
        self._kept.clear()
        if self._failed is not None:
            status, message = RunStatus.FAILED, str(self._failed)
        try:
            if status is not None:
                self.set_meta({"status": status, "message": message})
            self._file.close()
        except (OSError, RuntimeError) as err:
            log.warning("closing %s: %s", self.path, err)
            self._abandon()

    def _abandon(self) -> None:
        """Close every HDF5 id of the file whatever the disk says (no retry at exit)."""
        try:
            self._file.id.close()
        except (OSError, RuntimeError) as err:
            log.debug("closing %s once more: %s", self.path, err)

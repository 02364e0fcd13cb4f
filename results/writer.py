"""Incremental HDF5 writer: time × column datasets, buffered, readable after a crash.

Layout (see README "Results file"):

``/meta``            attrs: status, message, seed, start, step_s, until_s, versions, config_toml
``/time_s``          int64 (T,) scenario seconds of every recorded step
``/<group>/<name>``  (T, n) series; attrs ``unit``, ``columns`` (labels), ``entity``, ``attr``
``/tables/<name>``   static tables (bus, line, trafo, fleet), one dataset per column
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np
from numpy.typing import NDArray

__all__ = ["RunStatus", "RunWriter", "SeriesSpec"]

log = logging.getLogger(__name__)


class RunStatus:
    """Values of ``/meta`` attr ``status``."""

    RUNNING = "running"
    COMPLETE = "complete"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    INCOMPLETE = "incomplete"


@dataclass
class SeriesSpec:
    """One recorded series: where it goes and how its columns are named."""

    group: str
    name: str
    n: int
    columns: list[str]
    unit: str = ""
    attrs: dict[str, str] = field(default_factory=dict)


class RunWriter:
    """Write time series to one HDF5 file, ``buffer_steps`` rows at a time.

    Parameters
    ----------
    path : Path
        File to create (parent folders are created; an existing file is replaced).
    buffer_steps : int
        Rows held in memory per series before they are appended to the file.
    float32 : bool
        Store values as float32 (else float64).
    meta : Mapping
        Attributes of ``/meta`` (str, numbers; dicts are stored as JSON).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        buffer_steps: int = 672,
        float32: bool = True,
        meta: Mapping[str, Any] | None = None,
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = h5py.File(self.path, "w", libver="latest")
        self._dtype = np.float32 if float32 else np.float64
        self._buffer_steps = int(buffer_steps)
        self._specs: dict[str, SeriesSpec] = {}
        self._buffers: dict[str, NDArray[np.floating]] = {}
        self._times: list[int] = []
        self._rows_written = 0
        self._file.create_dataset("time_s", shape=(0,), maxshape=(None,), dtype=np.int64)
        self._meta = self._file.create_group("meta")
        self.set_meta({"status": RunStatus.RUNNING, "message": "", **(meta or {})})

    # -- declarations ---------------------------------------------------------------------
    def declare(self, key: str, spec: SeriesSpec) -> None:
        """Create the dataset of series ``key`` (no-op if it exists)."""
        if key in self._specs:
            return
        grp = self._file.require_group(spec.group)
        if spec.name in grp:
            raise ValueError(f"series {spec.group}/{spec.name} declared twice")
        chunk_rows = max(1, min(self._buffer_steps, 4096))
        dset = grp.create_dataset(
            spec.name,
            shape=(self._rows_written, spec.n),
            maxshape=(None, spec.n),
            dtype=self._dtype,
            chunks=(chunk_rows, max(1, spec.n)),
            compression="gzip",
            compression_opts=1,
            shuffle=True,
            fillvalue=np.nan,
        )
        dset.attrs["unit"] = spec.unit
        dset.attrs["columns"] = np.array(spec.columns, dtype=h5py.string_dtype())
        for k, v in spec.attrs.items():
            dset.attrs[k] = v
        self._specs[key] = spec
        self._buffers[key] = np.full((self._buffer_steps, spec.n), np.nan, dtype=self._dtype)

    def has(self, key: str) -> bool:
        return key in self._specs

    def width(self, key: str) -> int:
        """Number of columns of series ``key``."""
        return self._specs[key].n

    # -- rows -----------------------------------------------------------------------------
    def write_row(self, time_s: int, values: Mapping[str, Any]) -> None:
        """Add one row at ``time_s``; series missing from ``values`` get NaN."""
        row = len(self._times)
        self._times.append(int(time_s))
        for key, value in values.items():
            buf = self._buffers[key]
            buf[row] = value
        if len(self._times) >= self._buffer_steps:
            self.flush()

    def flush(self) -> None:
        """Append the buffered rows to the file and flush it to disk."""
        n = len(self._times)
        if n == 0:
            return
        start = self._rows_written
        times = self._file["time_s"]
        times.resize((start + n,))
        times[start:] = self._times
        for key, spec in self._specs.items():
            dset = self._file[spec.group][spec.name]
            dset.resize((start + n, spec.n))
            dset[start : start + n] = self._buffers[key][:n]
            self._buffers[key][:n] = np.nan
        self._rows_written += n
        self._times.clear()
        self._file.flush()

    @property
    def rows(self) -> int:
        """Rows recorded so far (written plus buffered)."""
        return self._rows_written + len(self._times)

    @property
    def last_time_s(self) -> int | None:
        if self._times:
            return self._times[-1]
        if self._rows_written:
            return int(self._file["time_s"][self._rows_written - 1])
        return None

    # -- static data ----------------------------------------------------------------------
    def add_table(self, name: str, columns: Mapping[str, list[Any]]) -> None:
        """Store a static table (e.g. buses, fleet) as one dataset per column."""
        grp = self._file.require_group("tables").require_group(name)
        for col, values in columns.items():
            arr = np.asarray(values)
            if arr.dtype.kind in "OUS":
                arr = np.array([str(v) for v in values], dtype=h5py.string_dtype())
            if col in grp:
                del grp[col]
            grp.create_dataset(col, data=arr)

    def set_meta(self, items: Mapping[str, Any]) -> None:
        for key, value in items.items():
            if isinstance(value, (dict, list, tuple)):
                value = json.dumps(value, default=str)
            elif value is None:
                value = ""
            self._meta.attrs[key] = value

    def close(self, status: str | None = None, message: str = "") -> None:
        """Flush, set the final status and close the file (idempotent)."""
        if not self._file.id.valid:
            return
        try:
            self.flush()
            if status is not None:
                self.set_meta({"status": status, "message": message})
        finally:
            self._file.close()

"""The results file's HDF5 layout: its format, the datasets of series, tables and ``/meta``.

Layout (see README "Results file"):

``/meta``            attrs: status, message, seed, start, step_s, until_s, versions, config_toml
``/time_s``          int64 (T,) scenario seconds of every recorded step
``/<group>/<name>``  (T, n) series; attrs ``unit``, ``columns`` (labels), ``entity``, ``attr``
``/tables/<name>``   static tables (bus, line, trafo, fleet), one dataset per column

The file uses the pre-1.10 HDF5 format (no superblock "open for write" flag), so a killed
writer (SIGKILL, power loss) leaves a file every HDF5 reader opens.
:class:`~results.writer.RunWriter` fills it row block by row block.
"""

from __future__ import annotations

import errno
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from cosim.errors import CosimError

__all__ = [
    "LIBVER",
    "RecordingError",
    "RunStatus",
    "SeriesSpec",
    "create_series",
    "open_run_file",
    "recording_error",
    "write_meta",
    "write_table",
]

#: HDF5 format bounds: v108 keeps superblock v2, which has no "open for write" flag that
#: would lock readers out of a file whose writer was killed (``libver="latest"`` does);
#: its object headers (v2) hold attributes over 64 KiB, e.g. the 9,099 bus-id column
#: labels of an MV+LV grid, which the earliest format refuses
LIBVER = ("v108", "v108")
#: size of each dataset's chunk cache [bytes]
_CHUNK_CACHE_B = 8 * 1024 * 1024


class RecordingError(CosimError):
    """The results file could not be written (disk full, quota, I/O error)."""


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


def open_run_file(path: Path) -> h5py.File:
    """A new results file at ``path`` (replacing one there), with its ``/time_s``."""
    # a chunk cache per dataset that holds one block of chunks across partial flushes
    file = h5py.File(path, "w", libver=LIBVER, rdcc_nbytes=_CHUNK_CACHE_B, rdcc_nslots=1_009)
    file.create_dataset("time_s", shape=(0,), maxshape=(None,), dtype=np.int64)
    return file


def create_series(
    file: h5py.File,
    spec: SeriesSpec,
    *,
    rows: int,
    chunks: tuple[int, int],
    dtype: type[np.floating],
    compression: Mapping[str, Any],
) -> h5py.Dataset:
    """The dataset of series ``spec`` with ``rows`` NaN rows (ValueError if it exists),
    in ``chunks`` (rows, columns), filtered by ``compression`` (h5py's keywords)."""
    grp = file.require_group(spec.group)
    if spec.name in grp:
        raise ValueError(f"series {spec.group}/{spec.name} declared twice")
    dset = grp.create_dataset(
        spec.name,
        shape=(rows, spec.n),
        maxshape=(None, spec.n),
        dtype=dtype,
        chunks=chunks,
        **compression,
        fillvalue=np.nan,
    )
    dset.attrs["unit"] = spec.unit
    dset.attrs["columns"] = np.array(spec.columns, dtype=h5py.string_dtype())
    for k, v in spec.attrs.items():
        dset.attrs[k] = v
    return dset


def write_table(file: h5py.File, name: str, columns: Mapping[str, list[Any]]) -> None:
    """Store a static table (e.g. buses, fleet) as one dataset per column."""
    grp = file.require_group("tables").require_group(name)
    for col, values in columns.items():
        arr = np.asarray(values)
        if arr.dtype.kind in "OUS":
            arr = np.array([str(v) for v in values], dtype=h5py.string_dtype())
        if col in grp:
            del grp[col]
        grp.create_dataset(col, data=arr)


def write_meta(meta: h5py.Group, items: Mapping[str, Any]) -> None:
    """Attributes of ``/meta`` (dicts, lists and tuples as JSON, None as "")."""
    for key, value in items.items():
        if isinstance(value, (dict, list, tuple)):
            value = json.dumps(value, default=str)
        elif value is None:
            value = ""
        meta.attrs[key] = value


def recording_error(
    err: OSError | RuntimeError, path: Path, file: h5py.File, rows_written: int
) -> RecordingError:
    """The error of a failed write to ``path``, saying what the file keeps."""
    code = getattr(err, "errno", None)
    full = code in (errno.ENOSPC, errno.EDQUOT) or "No space left" in str(err)
    what = "disk full" if full else f"write failed ({err})"
    kept = f"{rows_written} step(s)"
    if rows_written:
        kept += f" up to t={int(file['time_s'][rows_written - 1])} s"
    return RecordingError(
        f"{what} while writing results to {path}; the file keeps the {kept} "
        "written before. Free space (or pass --out on another disk) and run again."
    )

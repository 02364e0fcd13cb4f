"""Read a run file back as pandas objects."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from results.chunk_reader import read_rows

__all__ = ["BLOCK_BYTES", "Run", "open_run"]

#: size of the row blocks of :meth:`Run.blocks` [bytes]
BLOCK_BYTES = 64 * 2**20


def _open(path: Path) -> h5py.File:
    """Open read-only without HDF5 file locking, so a run still being written (or one
    whose writer was killed) can be read: the rows listed in ``/time_s`` are complete."""
    try:
        return h5py.File(path, "r", locking=False)
    except OSError as err:
        raise OSError(f"{path} is not a readable results file: {err}") from err


class Run:
    """One HDF5 run file, read lazily.

    >>> run = open_run("runs/base.h5")                         # doctest: +SKIP
    >>> run.bus_voltages().min().min()                         # doctest: +SKIP
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"no run file at {self.path}; runs are written to runs/")
        with _open(self.path) as f:
            self.meta: dict[str, Any] = {k: _plain(v) for k, v in f["meta"].attrs.items()}
            self._time_s = f["time_s"][:]
            self._index: dict[tuple[str, str], list[str]] = {}
            f.visititems(self._collect)

    def _collect(self, name: str, obj: Any) -> None:
        if isinstance(obj, h5py.Dataset) and "attr" in obj.attrs:
            key = (str(obj.attrs.get("model", "")), str(obj.attrs["attr"]))
            self._index.setdefault(key, []).append(name)

    # -- metadata -------------------------------------------------------------------------
    @property
    def status(self) -> str:
        return str(self.meta.get("status", "unknown"))

    @property
    def config(self) -> dict[str, Any]:
        return json.loads(self.meta.get("config_json", "{}"))

    @property
    def step_s(self) -> int:
        return int(self.meta["step_s"])

    @property
    def time_s(self) -> np.ndarray:
        return self._time_s

    @property
    def index(self) -> pd.DatetimeIndex:
        """Wall-clock time of every recorded step, in the scenario's timezone."""
        start = pd.Timestamp(self.meta["start"])
        return pd.DatetimeIndex(start + pd.to_timedelta(self._time_s, unit="s"), name="time")

    @property
    def window_s(self) -> tuple[int, int]:
        """The recorded window ``[first step, last step + step_s)`` [s] of scenario time.

        The warm-up before it was simulated but not recorded: an end-of-run total of a
        cumulative series includes it, an event table lists its events (filter on this).
        ``(0, 0)`` when no step was recorded.
        """
        if not len(self._time_s):
            return (0, 0)
        return (int(self._time_s[0]), int(self._time_s[-1]) + self.step_s)

    def datasets(self) -> dict[tuple[str, str], list[str]]:
        """Every recorded series as ``{(model, attr): [dataset paths]}``."""
        return dict(self._index)

    # -- series ---------------------------------------------------------------------------
    def series(self, path: str) -> pd.DataFrame:
        """A recorded dataset as a time × column DataFrame (columns from its labels)."""
        n = len(self._time_s)
        with _open(self.path) as f:
            dset = f[path]
            data = read_rows(dset, 0, n)
            columns = [_plain(c) for c in dset.attrs["columns"]]
            unit = str(dset.attrs.get("unit", ""))
        if data.shape[0] < n:  # a series declared late, or a flush cut short: pad with NaN
            data = np.concatenate([data, np.full((n - data.shape[0], *data.shape[1:]), np.nan)])
        frame = pd.DataFrame(data, index=self.index, columns=columns)
        frame.attrs["unit"] = unit
        return frame

    def get(self, model: str, attr: str) -> pd.DataFrame:
        """The series ``attr`` of the entities of ``model`` (side by side if several)."""
        frames = [self.series(p) for p in self._paths(model, attr)]
        frame = frames[0] if len(frames) == 1 else pd.concat(frames, axis=1)
        frame.attrs["unit"] = frames[0].attrs["unit"]
        return frame

    def _paths(self, model: str, attr: str) -> list[str]:
        """The datasets of series ``attr`` of ``model``, in the order :meth:`get` joins them."""
        paths = self._index.get((model, attr))
        if not paths:
            known = ", ".join(f"{m}.{a}" for m, a in sorted(self._index))
            raise KeyError(f"no recorded {model}.{attr} in {self.path}; recorded: {known}")
        return sorted(paths)

    def columns(self, model: str, attr: str) -> list[Any]:
        """The column labels of :meth:`get` (bus ids, EV ids...) without reading the data."""
        with _open(self.path) as f:
            return [_plain(c) for p in self._paths(model, attr) for c in f[p].attrs["columns"]]

    def blocks(self, model: str, attr: str) -> Iterator[NDArray[np.floating]]:
        """The series ``attr`` of ``model`` (as :meth:`get`, without labels) in blocks of
        consecutive rows of about :data:`BLOCK_BYTES`, in their stored dtype.

        For reductions over wide, long series (a year of 10,000 EVs is 1.4 GB per series)
        that need not hold one in memory: rows missing at the end are NaN, as in :meth:`get`.
        The next block is read while the caller works on this one (two blocks in memory).
        """
        paths = self._paths(model, attr)
        n = len(self._time_s)
        with _open(self.path) as f, ThreadPoolExecutor(1) as ahead:
            dsets = [f[p] for p in paths]
            width = sum(int(np.prod(d.shape[1:], dtype=np.int64)) for d in dsets)
            rows = max(1, BLOCK_BYTES // max(width * dsets[0].dtype.itemsize, 1))

            def block(start: int) -> NDArray[np.floating]:
                parts = [_rows(d, start, min(start + rows, n)) for d in dsets]
                return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)

            queued: deque[Future[NDArray[np.floating]]] = deque()
            for start in range(0, n, rows):
                queued.append(ahead.submit(block, start))
                if len(queued) > 1:
                    yield queued.popleft().result()
            while queued:
                yield queued.popleft().result()

    def last_row(self, model: str, attr: str) -> NDArray[np.floating]:
        """The last recorded row of the series (as :meth:`blocks` would end it: NaN where a
        dataset is shorter; empty when no step was recorded), read alone."""
        n = len(self._time_s)
        if n == 0:
            return np.empty(0)
        with _open(self.path) as f:
            parts = []
            for path in self._paths(model, attr):
                dset = f[path]
                if dset.shape[0] >= n:
                    parts.append(dset[n - 1])
                else:
                    parts.append(np.full(dset.shape[1:], np.nan, dset.dtype))
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def per_row(self, model: str, attr: str, reduce: Callable[..., NDArray[Any]]) -> NDArray[Any]:
        """``reduce(values, axis=1)`` of the series (e.g. ``np.nanmax``: the most loaded
        line of each step), read in :meth:`blocks`."""
        return self.per_rows(model, attr, reduce)[0]

    def per_rows(
        self, model: str, attr: str, *reduces: Callable[..., NDArray[Any]]
    ) -> tuple[NDArray[Any], ...]:
        """:meth:`per_row` of several reductions (e.g. ``np.nanmin, np.nanmax``: the
        voltage envelope) in one read of the series."""
        parts: list[list[NDArray[Any]]] = [[] for _ in reduces]
        for block in self.blocks(model, attr):
            for part, reduce in zip(parts, reduces, strict=True):
                part.append(reduce(block, axis=1))
        return tuple(np.concatenate(p) if p else np.empty(0) for p in parts)

    def has(self, model: str, attr: str) -> bool:
        return (model, attr) in self._index

    def bus_voltages(self) -> pd.DataFrame:
        """Bus voltage magnitudes [p.u.], columns are bus ids."""
        return self.get("Area", "v_pu")

    def line_loading(self) -> pd.DataFrame:
        """Line loadings [%]."""
        return self.get("Area", "line_loading_pct")

    def trafo_loading(self) -> pd.DataFrame:
        """Transformer loadings [%]."""
        return self.get("Area", "trafo_loading_pct")

    def evse_power(self) -> pd.DataFrame:
        """AC power per charger [kW], consumer sign."""
        return self.get("ChargerBank", "p_kw")

    def ev_soc(self) -> pd.DataFrame:
        """State of charge per EV [-]."""
        return self.get("Fleet", "soc")

    def tables(self) -> list[str]:
        """Names of the static and event tables in the file."""
        with _open(self.path) as f:
            return sorted(f["tables"]) if "tables" in f else []

    def has_table(self, name: str) -> bool:
        """Whether the file holds the static or event table ``name``."""
        return name in self.tables()

    def table(self, name: str) -> pd.DataFrame:
        """A static table (``bus``, ``line``, ``trafo``, ``fleet``...)."""
        with _open(self.path) as f:
            if "tables" not in f or name not in f["tables"]:
                have = sorted(f["tables"]) if "tables" in f else []
                raise KeyError(f"no table {name!r} in {self.path}; tables: {have}")
            grp = f["tables"][name]
            return pd.DataFrame({c: [_plain(v) for v in grp[c][:]] for c in grp})


def _rows(dset: Any, start: int, stop: int) -> NDArray[np.floating]:
    """Rows ``start:stop`` of a series dataset, NaN where it is shorter (declared late, or
    a flush cut short)."""
    data = read_rows(dset, start, stop)
    if data.shape[0] < stop - start:
        fill = np.full((stop - start - data.shape[0], *data.shape[1:]), np.nan, data.dtype)
        data = np.concatenate([data, fill])
    return data  # type: ignore[no-any-return]


def open_run(path: str | Path) -> Run:
    """Open a run file written by the recorder."""
    return Run(path)


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.generic):
        return value.item()
    return value

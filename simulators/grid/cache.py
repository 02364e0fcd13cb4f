"""On-disk cache of prepared grids: pandapower JSON plus exact arrays in an npz file."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandapower as pp
import pandas as pd
from numpy.typing import NDArray

from .network import PreparedNetwork, load_network, prepare
from .profiles import BackgroundProfiles, TypedSeries

__all__ = [
    "CACHE_FORMAT",
    "GridSetup",
    "build_setup",
    "cache_dir",
    "cache_key",
    "clear_cache",
    "prepared_grid",
]

_log = logging.getLogger(__name__)

#: Bump when what is cached, or how, changes: old entries are then ignored.
CACHE_FORMAT = 1
_PACKAGES = ("pandapower", "simbench", "lightsim2grid", "numpy")
_NET_FILE, _ARRAYS_FILE, _META_FILE = "net.json", "arrays.npz", "meta.json"
_SERIES = ("load_p", "load_q", "sgen_p")


@dataclass(frozen=True)
class GridSetup:
    """What grid set-up derives from one network source, cached as a whole.

    Attributes
    ----------
    grid : PreparedNetwork
        The prepared network with its solved seed results (``res_*``); ``net.profiles``
        is dropped (the types below replace it).
    simbench : BackgroundProfiles | None
        SimBench profile types, not yet aligned to a start (see
        :meth:`BackgroundProfiles.aligned`); None when the net has no profiles.
    """

    grid: PreparedNetwork
    simbench: BackgroundProfiles | None


def cache_dir() -> Path:
    """``$COSIM_CACHE_DIR``, else ``$XDG_CACHE_HOME/ev-grid-cosim``, else ``~/.cache/...``."""
    if os.environ.get("COSIM_CACHE_DIR"):
        return Path(os.environ["COSIM_CACHE_DIR"])
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "ev-grid-cosim"


def clear_cache() -> int:
    """Delete every cached grid; returns how many entries were removed."""
    root = cache_dir() / "grids"
    if not root.is_dir():
        return 0
    entries = [p for p in root.iterdir() if p.is_dir()]
    for entry in entries:
        shutil.rmtree(entry, ignore_errors=True)
    return len(entries)


def _source_id(source: str) -> str:
    """``source`` itself for SimBench codes and pandapower names; a file's content hash."""
    kind, _, name = source.partition(":")
    if kind in ("simbench", "pandapower") and name:
        return source
    return "file-sha256:" + hashlib.sha256(Path(source).read_bytes()).hexdigest()


def _versions() -> dict[str, str]:
    out = {}
    for pkg in _PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "absent"
    return out


def cache_key(source: str, *, config: dict[str, Any] | None = None) -> str:
    """Hash of the grid source, grid-relevant ``config``, package versions and format."""
    doc = {
        "source": _source_id(source),
        "config": config or {},
        "versions": _versions(),
        "format": CACHE_FORMAT,
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:32]


def build_setup(source: str) -> GridSetup:
    """Load and prepare ``source`` and derive the profile types (no cache involved)."""
    grid = prepare(load_network(source))
    net = grid.net
    has_profiles = "profiles" in net and len(net.profiles.get("load", []))
    simbench = BackgroundProfiles.simbench_types(net) if has_profiles else None
    if "profiles" in net:
        del net["profiles"]
    return GridSetup(grid=grid, simbench=simbench)


def prepared_grid(
    source: str, *, cache: bool = True, config: dict[str, Any] | None = None
) -> GridSetup:
    """The :class:`GridSetup` of ``source``, from the cache when possible.

    Parameters
    ----------
    source : str
        As :func:`~simulators.grid.network.load_network` takes it.
    cache : bool
        False, or the environment variable ``COSIM_NO_CACHE=1``, bypasses the cache.
    config : dict, optional
        Grid-relevant settings (JSON-serialisable) that change the prepared grid.

    Notes
    -----
    An unreadable entry is logged as a warning, deleted and rebuilt. Entries are written to
    a temporary folder and renamed into place, so parallel workers never read half of one.
    """
    if not cache or os.environ.get("COSIM_NO_CACHE") == "1":
        return build_setup(source)
    entry = cache_dir() / "grids" / cache_key(source, config=config)
    if entry.is_dir():
        try:
            setup = _read(entry)
            _log.info("grid %s loaded from cache %s", source, entry)
            return setup
        except Exception as err:  # any damage (JSON, zip, shapes) means: rebuild, never crash
            _log.warning("grid cache entry %s is unreadable (%s); rebuilding it", entry, err)
            shutil.rmtree(entry, ignore_errors=True)
    setup = build_setup(source)
    try:
        _write(entry, setup, source=source)
    except OSError as err:
        _log.warning("could not write the grid cache %s (%s); continuing without", entry, err)
    return setup


def _write(entry: Path, setup: GridSetup, *, source: str) -> None:
    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{entry.name}-", dir=entry.parent))
    try:
        grid = setup.grid
        pp.to_json(grid.net, str(tmp / _NET_FILE))
        arrays: dict[str, NDArray[Any]] = dict(_float_columns(grid.net))
        alias = np.array(sorted(grid.bus_alias.items()), dtype=np.int64).reshape(-1, 2)
        arrays |= {"original_bus_id": grid.original_bus_id, "bus_alias": alias}
        arrays["n_bg_load"] = np.array(grid.n_bg_load)
        if setup.simbench is not None:
            arrays |= _profile_arrays(setup.simbench)
        np.savez(tmp / _ARRAYS_FILE, **arrays)  # type: ignore[arg-type]  # names, not flags
        meta = {"source": source, "versions": _versions(), "format": CACHE_FORMAT}
        (tmp / _META_FILE).write_text(json.dumps(meta, indent=1))
        try:
            tmp.rename(entry)
        except OSError:  # another worker renamed its copy first: keep that one
            if not entry.is_dir():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _read(entry: Path) -> GridSetup:
    net = pp.from_json(str(entry / _NET_FILE))
    with np.load(entry / _ARRAYS_FILE, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    _restore_float_columns(net, arrays)
    alias = arrays["bus_alias"]
    grid = PreparedNetwork(
        net=net,
        original_bus_id=arrays["original_bus_id"].astype(np.int64),
        bus_name=tuple(str(n) for n in net.bus["name"].fillna("").to_numpy()),
        bus_alias={int(a): int(b) for a, b in alias},
        n_bg_load=int(arrays["n_bg_load"]),
    )
    simbench = _profiles_from(arrays) if "load_p/table" in arrays else None
    return GridSetup(grid=grid, simbench=simbench)


def _float_columns(net: Any) -> dict[str, NDArray[np.float64]]:
    """Every float column of every table: JSON keeps 15 decimals, the cache must be exact."""
    out = {}
    for key in list(net.keys()):
        df = net[key]
        if isinstance(df, pd.DataFrame) and len(df):
            for col in df.columns:
                if isinstance(col, str) and df[col].dtype.kind == "f":
                    out[f"col/{key}/{col}"] = df[col].to_numpy()
    return out


def _restore_float_columns(net: Any, arrays: dict[str, NDArray[Any]]) -> None:
    for name, values in arrays.items():
        if not name.startswith("col/"):
            continue
        _, table, col = name.split("/", 2)
        df = net[table]
        if col not in df.columns or len(df) != len(values):
            raise ValueError(f"cached column {table}.{col} does not match the cached net")
        df[col] = values


def _profile_arrays(prof: BackgroundProfiles) -> dict[str, NDArray[Any]]:
    out: dict[str, NDArray[Any]] = {}
    for name in _SERIES:
        series: TypedSeries = getattr(prof, name)
        out[f"{name}/table"] = series.table
        out[f"{name}/type_idx"] = series.type_idx
        out[f"{name}/scale"] = series.scale
    out["profile/step_s"] = np.array(prof.step_s)
    if prof.first_instant is not None:
        out["profile/first_instant_s"] = np.array(int(prof.first_instant.timestamp()))
    return out


def _profiles_from(arrays: dict[str, NDArray[Any]]) -> BackgroundProfiles:
    series = {
        name: TypedSeries(
            table=arrays[f"{name}/table"],
            type_idx=arrays[f"{name}/type_idx"].astype(np.intp),
            scale=arrays[f"{name}/scale"],
        )
        for name in _SERIES
    }
    first = arrays.get("profile/first_instant_s")
    return BackgroundProfiles(
        load_p=series["load_p"],
        load_q=series["load_q"],
        sgen_p=series["sgen_p"],
        step_s=int(arrays["profile/step_s"]),
        first_instant=None if first is None else datetime.fromtimestamp(int(first), tz=UTC),
    )

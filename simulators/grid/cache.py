"""On-disk cache of prepared grids: pandapower JSON plus exact arrays in an npz file.

Beside them, ``tables.pkl`` holds the tables the fast path reads and the lightsim2grid
model's state, so a run with a cached grid starts without importing pandapower (~2 s):
the full net is read from the JSON only when something asks for ``PreparedNetwork.net``.
It is read with an unpickler that builds nothing but pandas, numpy and lightsim2grid
objects.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .network import TABLES, NetTables, PreparedNetwork, load_network, prepare
from .profiles import BackgroundProfiles, TypedSeries

__all__ = [
    "CACHE_FORMAT",
    "GridSetup",
    "build_setup",
    "cache_dir",
    "cache_key",
    "clear_cache",
    "prepared_grid",
    "simbench_codes",
]

_log = logging.getLogger(__name__)

#: Bump when what is cached, or how, changes: old entries are then ignored.
CACHE_FORMAT = 2
_PACKAGES = ("pandapower", "simbench", "lightsim2grid", "numpy", "pandas")
_NET_FILE, _ARRAYS_FILE, _META_FILE = "net.json", "arrays.npz", "meta.json"
_TABLES_FILE = "tables.pkl"
_HASHED = (_NET_FILE, _ARRAYS_FILE, _TABLES_FILE)
#: modules whose classes the tables file may build (DataFrames, arrays, the LSGrid)
_PICKLE_MODULES = ("pandas.", "numpy", "lightsim2grid.lightsim2grid_cpp")
_PICKLE_BUILTINS = frozenset({"complex", "slice", "range", "set", "frozenset", "bytearray"})
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


def simbench_codes() -> list[str]:
    """Every SimBench grid code, kept in the cache per simbench version.

    ``simbench.collect_all_simbench_codes()`` imports simbench and pandapower (~2 s); a
    run that validates its ``grid.network`` and then loads a cached grid needs neither.
    """
    path = cache_dir() / f"simbench-codes-{_versions()['simbench']}.json"
    try:
        codes = json.loads(path.read_text())
        if isinstance(codes, list) and codes and all(isinstance(c, str) for c in codes):
            return codes
    except (OSError, ValueError):
        pass
    import simbench

    codes = [str(c) for c in simbench.collect_all_simbench_codes()]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(codes))
        tmp.replace(path)
    except OSError as err:
        _log.info("could not cache the SimBench codes in %s (%s)", path, err)
    return codes


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
    import pandapower as pp

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
        fast = {"tables": dict(grid.tables), "lightsim_state": _lightsim_state(grid)}
        with open(tmp / _TABLES_FILE, "wb") as f:
            pickle.dump(fast, f, protocol=pickle.HIGHEST_PROTOCOL)
        meta = {
            "source": source,
            "versions": _versions(),
            "format": CACHE_FORMAT,
            "sha256": {name: _sha256(tmp / name) for name in _HASHED},
        }
        (tmp / _META_FILE).write_text(json.dumps(meta, indent=1))
        try:
            tmp.rename(entry)
        except OSError:  # another worker renamed its copy first: keep that one
            if not entry.is_dir():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read(entry: Path) -> GridSetup:
    # the net is read lazily: check now that no file of the entry is damaged
    sums = json.loads((entry / _META_FILE).read_text())["sha256"]
    bad = [name for name in _HASHED if sums.get(name) != _sha256(entry / name)]
    if bad:
        raise ValueError(f"{', '.join(bad)} do(es) not match the checksum in {_META_FILE}")
    with np.load(entry / _ARRAYS_FILE, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    with open(entry / _TABLES_FILE, "rb") as f:
        fast = _TablesUnpickler(f).load()
    tables = NetTables(fast["tables"])
    if sorted(tables) != sorted(TABLES) or not all(
        isinstance(t, pd.DataFrame) for t in tables.values()
    ):
        raise ValueError(f"cached tables {sorted(tables)} are not {sorted(TABLES)}")

    def load_net() -> Any:
        import pandapower as pp

        net = pp.from_json(str(entry / _NET_FILE))
        _restore_float_columns(net, arrays)
        return net

    alias = arrays["bus_alias"]
    grid = PreparedNetwork.lazy(
        tables,
        load_net,
        original_bus_id=arrays["original_bus_id"].astype(np.int64),
        bus_name=tuple(str(n) for n in tables.bus["name"].fillna("").to_numpy()),
        bus_alias={int(a): int(b) for a, b in alias},
        n_bg_load=int(arrays["n_bg_load"]),
        lightsim_state=fast["lightsim_state"],
    )
    simbench = _profiles_from(arrays) if "load_p/table" in arrays else None
    return GridSetup(grid=grid, simbench=simbench)


def _lightsim_state(grid: PreparedNetwork) -> tuple[Any, ...] | None:
    """The lightsim2grid model's state, or None when lightsim2grid cannot convert the net."""
    try:
        from .lightsim_backend import lightsim_state

        return lightsim_state(grid)
    except Exception as err:  # an optional speed-up: without it the backend converts
        _log.info("no lightsim2grid model cached for this grid (%s)", err)
        return None


class _TablesUnpickler(pickle.Unpickler):
    """Builds pandas, numpy and lightsim2grid objects only: a tampered file fails to load."""

    def find_class(self, module: str, name: str) -> Any:
        if module.startswith(_PICKLE_MODULES) or (
            module == "builtins" and name in _PICKLE_BUILTINS
        ):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"the grid cache may not build {module}.{name}")


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

"""Load a pandapower network and prepare it so every solver backend sees the same grid."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from cosim.errors import ConfigError, ConfigProblem, ModelError

if TYPE_CHECKING:  # pandapower is imported where a net is built or solved: it costs ~2 s
    from pandapower.auxiliary import pandapowerNet

__all__ = ["INJ_PREFIX", "TABLES", "NetTables", "PreparedNetwork", "load_network", "prepare"]

_log = logging.getLogger(__name__)

#: Name prefix of the extra load per bus that carries EV and third-party injections.
INJ_PREFIX = "cosim_inj_"

# Unit suffixes of numeric pandapower columns that SimBench sometimes stores as object dtype.
_NUMERIC_SUFFIXES = ("_mw", "_mvar", "_mva", "_kv", "_pu", "_percent", "_degree", "_ka")
_NUMERIC_NAMES = ("slack_weight", "scaling", "df", "parallel")
#: The tables of a prepared net that the fast backends, the model and the adapter read.
TABLES = ("bus", "line", "trafo", "load", "sgen", "ext_grid", "gen", "res_bus")


def load_network(source: str) -> pandapowerNet:
    """Load a pandapower network.

    Parameters
    ----------
    source : str
        ``"simbench:<code>"`` (e.g. ``"simbench:1-LV-rural2--0-sw"``),
        ``"pandapower:<name>"`` (a function of :mod:`pandapower.networks`, e.g.
        ``"pandapower:mv_oberrhein"``) or the path of a pandapower JSON file.

    Returns
    -------
    pandapowerNet
        The network as loaded, not yet prepared (see :func:`prepare`).

    Raises
    ------
    ConfigError
        Unknown SimBench code or pandapower network name, or missing file; the message lists
        close matches and where to find the valid names.
    """
    kind, _, name = source.partition(":")
    if kind == "simbench" and name:
        return _load_simbench(name)
    if kind == "pandapower" and name:
        return _load_pandapower(name)
    path = Path(source)
    if not path.is_file():
        raise ConfigError(
            [
                ConfigProblem(
                    "grid.network",
                    "no such file; give 'simbench:<code>', 'pandapower:<name>' or the path "
                    "of a pandapower JSON file",
                    source,
                )
            ]
        )
    import pandapower as pp

    return pp.from_json(str(path))


def _load_simbench(code: str) -> pandapowerNet:
    import simbench as sb

    valid = sb.collect_all_simbench_codes()
    if code not in valid:
        close = difflib.get_close_matches(code, valid, n=5, cutoff=0.6)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ConfigError(
            [
                ConfigProblem(
                    "grid.network",
                    f"unknown SimBench code.{hint} List the valid codes with "
                    "simbench.collect_all_simbench_codes()",
                    code,
                )
            ]
        )
    return sb.get_simbench_net(code)


def _load_pandapower(name: str) -> pandapowerNet:
    import pandapower.networks as pn
    from pandapower.auxiliary import pandapowerNet

    valid = sorted(n for n in dir(pn) if not n.startswith("_") and callable(getattr(pn, n)))
    if name not in valid:
        close = difflib.get_close_matches(name, valid, n=5, cutoff=0.6)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ConfigError(
            [
                ConfigProblem(
                    "grid.network",
                    f"unknown pandapower.networks function.{hint} See "
                    "https://pandapower.readthedocs.io/en/latest/networks.html or "
                    "dir(pandapower.networks)",
                    name,
                )
            ]
        )
    net = getattr(pn, name)()
    if not isinstance(net, pandapowerNet):
        raise ConfigError(
            [ConfigProblem("grid.network", "this function does not return a network", name)]
        )
    return net


class NetTables(dict[str, pd.DataFrame]):
    """The :data:`TABLES` of a prepared net, read like the net's (``tables.bus``).

    Reading them needs no pandapower: a prepared grid from the cache starts without it.
    """

    def __getattr__(self, name: str) -> pd.DataFrame:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(
                f"NetTables holds {sorted(self)}, not {name!r}; read PreparedNetwork.net "
                "for the whole pandapower net"
            ) from None


@dataclass(frozen=True)
class PreparedNetwork:
    """A pandapower net every backend solves identically, plus the id mappings.

    Attributes
    ----------
    tables : NetTables
        The net's :data:`TABLES` (the same DataFrames as ``net``'s once ``net`` is loaded).
    original_bus_id : NDArray[np.int64]
        Original bus id of every bus row (n_bus).
    bus_name : tuple[str, ...]
        Original bus names (n_bus).
    bus_alias : dict[int, int]
        Original bus id -> bus row, also for buses fused away by closed bus-bus switches.
    n_bg_load : int
        Number of background loads; they occupy load positions ``0..n_bg_load-1`` and the
        injection loads positions ``n_bg_load..n_bg_load+n_bus-1`` (in bus-row order).
    lightsim_state : tuple, optional
        A lightsim2grid ``LSGrid`` of this net, pickled state (from the cache): the
        lightsim2grid backend starts from it instead of converting ``net``.
    net : pandapowerNet
        Property. Bus index continuous ``0..n_bus-1``; no switches; one extra load per bus
        (named ``cosim_inj_<original bus id>``) appended after the background loads; solved
        once. A grid from the cache loads it (and pandapower) on first access only.
    """

    tables: NetTables
    original_bus_id: NDArray[np.int64]
    bus_name: tuple[str, ...]
    bus_alias: dict[int, int]
    n_bg_load: int
    lightsim_state: Any = None
    _held: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of_net(cls, net: pandapowerNet, **fields: Any) -> PreparedNetwork:
        """A prepared grid holding ``net`` itself (``tables`` are views of its tables)."""
        tables = NetTables({name: net[name] for name in TABLES})
        return cls(tables=tables, _held={"net": net}, **fields)

    @classmethod
    def lazy(
        cls, tables: NetTables, load_net: Callable[[], pandapowerNet], **fields: Any
    ) -> PreparedNetwork:
        """A prepared grid whose pandapower net ``load_net()`` builds when first read."""
        return cls(tables=tables, _held={"load": load_net}, **fields)

    @property
    def net(self) -> pandapowerNet:
        """The prepared pandapower net (loaded on first access for a cached grid)."""
        if "net" not in self._held:
            net = self._held.pop("load")()
            self._held["net"] = net
            self.tables.update({name: net[name] for name in TABLES})
        return self._held["net"]

    @property
    def n_bus(self) -> int:
        """Number of buses."""
        return len(self.original_bus_id)

    def rows_of(self, bus_ids: NDArray[np.int64] | list[int]) -> NDArray[np.int64]:
        """Bus rows of original bus ids; raises ``ModelError`` naming unknown ids."""
        ids = np.asarray(bus_ids, dtype=np.int64).ravel()
        try:
            return np.fromiter((self.bus_alias[int(b)] for b in ids), np.int64, len(ids))
        except KeyError as err:
            unknown = sorted({int(b) for b in ids if int(b) not in self.bus_alias})
            raise ModelError(
                f"unknown bus id(s) {unknown[:10]}; valid ids are the original pandapower bus "
                f"indices, {min(self.bus_alias)}..{max(self.bus_alias)} (see the grid's "
                "bus_table())"
            ) from err


def prepare(net: pandapowerNet) -> PreparedNetwork:
    """Make ``net`` solvable by every backend identically (modifies ``net`` in place).

    Steps (see DESIGN.md "Grid engine facts"): fuse closed bus–bus switches; put lines and
    trafos behind open switches out of service, then drop all switches; put unsupplied
    buses out of service; cast object-dtype numeric columns to float; fold ``scaling`` into
    ``p_mw``/``q_mvar``; set an empty ``trafo.tap_changer_type`` to ``"Ratio"``; make the bus
    index continuous (keeping the original ids in ``net.bus["original_id"]``); add one
    injection load per bus; seed the results with ``runpp(lightsim2grid=False)``.

    Parameters
    ----------
    net : pandapowerNet
        Network from :func:`load_network` (or built by the user).

    Returns
    -------
    PreparedNetwork
    """
    import pandapower as pp
    from pandapower.toolbox import create_continuous_bus_index

    if "original_id" not in net.bus.columns:
        net.bus["original_id"] = net.bus.index.to_numpy(dtype=np.int64)
    fused = _apply_switches(net)
    _cast_numeric(net)
    _fold_scaling(net)
    _fix_tap_changer_type(net)
    _drop_unsupplied(net)
    create_continuous_bus_index(net, start=0)
    original = net.bus["original_id"].to_numpy(dtype=np.int64)
    alias = {int(o): i for i, o in enumerate(original)}
    for gone, kept in fused.items():
        alias[gone] = alias[kept]
    n_bg = _add_injection_loads(net, original)
    try:
        pp.runpp(net, lightsim2grid=False, numba=False)
    except pp.powerflow.LoadflowNotConverged as err:
        raise ModelError(
            "the prepared grid does not converge even without EVs; check the network data"
        ) from err
    names = tuple(str(n) for n in net.bus["name"].fillna("").to_numpy())
    return PreparedNetwork.of_net(
        net, original_bus_id=original, bus_name=names, bus_alias=alias, n_bg_load=n_bg
    )


def _apply_switches(net: pandapowerNet) -> dict[int, int]:
    """Fuse closed bus-bus switches, open branches behind open switches, drop switches.

    Returns the mapping fused-away original bus id -> kept original bus id.
    """
    sw = net.switch
    parent: dict[int, int] = {}

    def root(b: int) -> int:
        while parent.get(b, b) != b:
            b = parent[b]
        return b

    bb = sw[(sw["et"] == "b") & sw["closed"].astype(bool)]
    for b1, b2 in zip(bb["bus"].to_numpy(), bb["element"].to_numpy(), strict=True):
        r1, r2 = root(int(b1)), root(int(b2))
        if r1 != r2:
            parent[max(r1, r2)] = min(r1, r2)
    groups: dict[int, set[int]] = {}
    for b in list(parent):
        groups.setdefault(root(b), set()).add(b)
    if groups:
        from pandapower.toolbox import fuse_buses

        for kept, gone in groups.items():
            fuse_buses(net, kept, gone)
    opened = sw[~sw["closed"].astype(bool)]
    for et, table in (("l", "line"), ("t", "trafo")):
        idx = opened.loc[opened["et"] == et, "element"].to_numpy()
        if len(idx):
            net[table].loc[idx, "in_service"] = False
            _log.info("%d %s(s) behind open switches set out of service", len(idx), table)
    net.switch = net.switch.iloc[0:0]
    orig = net.bus["original_id"]
    return {int(orig.get(g, g)): int(orig[k]) for k, gs in groups.items() for g in gs}


def _cast_numeric(net: pandapowerNet) -> None:
    for table in ("bus", "load", "sgen", "gen", "ext_grid", "storage", "line", "trafo", "shunt"):
        df = net[table]
        for col in df.columns:
            numeric_name = col.endswith(_NUMERIC_SUFFIXES) or col in _NUMERIC_NAMES
            if numeric_name and df[col].dtype == object:
                df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)


def _fold_scaling(net: pandapowerNet) -> None:
    # lightsim2grid applies `scaling` only when it builds its model; folding it into p/q
    # makes the per-step updates mean the same thing in every backend.
    for table in ("load", "sgen"):
        df = net[table]
        if "scaling" in df.columns and len(df):
            s = df["scaling"].fillna(1.0).to_numpy(dtype=float)
            df["p_mw"] = df["p_mw"].to_numpy(dtype=float) * s
            df["q_mvar"] = df["q_mvar"].to_numpy(dtype=float) * s
            df["scaling"] = 1.0


def _fix_tap_changer_type(net: pandapowerNet) -> None:
    tr = net.trafo
    if not len(tr):
        return
    if "tap_changer_type" not in tr.columns:
        tr["tap_changer_type"] = None
    has_tap = tr["tap_pos"].notna() & tr["tap_step_percent"].notna()
    empty = tr["tap_changer_type"].isna() | (tr["tap_changer_type"].astype(str) == "")
    tr["tap_changer_type"] = tr["tap_changer_type"].astype(object)
    tr.loc[empty & has_tap, "tap_changer_type"] = "Ratio"


def _drop_unsupplied(net: pandapowerNet) -> None:
    import pandapower.topology as top

    unsupplied = sorted(top.unsupplied_buses(net))
    if unsupplied:
        net.bus.loc[unsupplied, "in_service"] = False
        _log.warning("%d bus(es) without supply set out of service", len(unsupplied))


def _add_injection_loads(net: pandapowerNet, original: NDArray[np.int64]) -> int:
    import pandapower as pp

    # a net saved after prepare() already has them: rebuild so they follow the bus rows
    old = net.load["name"].astype(str).str.startswith(INJ_PREFIX).to_numpy()
    if old.any():
        net.load = net.load.loc[~old]
    n_bg = len(net.load)
    pp.create_loads(
        net,
        buses=np.arange(len(original), dtype=np.int64),
        p_mw=0.0,
        q_mvar=0.0,
        name=[f"{INJ_PREFIX}{o}" for o in original],
    )
    return n_bg

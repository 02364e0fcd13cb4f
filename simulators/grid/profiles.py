"""Background load and generation profiles as profile types × per-element scale."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from cosim.errors import ModelError

from .network import INJ_PREFIX, NetTables

if TYPE_CHECKING:
    from pandapower.auxiliary import pandapowerNet
from .profile_time import (
    SIMBENCH_STEP_S,
    profile_row,
    row_instants,
    start_offset_s,
    year_offset_s,
)

__all__ = [
    "SIMBENCH_STEP_S",
    "BackgroundProfiles",
    "TypedSeries",
    "household_load_index",
    "load_profile_csv",
    "profile_row",
    "start_offset_s",
]


@dataclass(frozen=True)
class TypedSeries:
    """Values of many elements over time, stored as a few profile types.

    Element ``e`` at row ``r`` is ``table[r, type_idx[e]] * scale[e]``, computed in float64
    and rounded once to float32 — the same arithmetic as ``simbench.get_absolute_values``
    followed by a float32 cast, without ever holding an element × time table.

    Attributes
    ----------
    table : NDArray[np.float64] (n_rows, n_types)
        Relative profile values [-] (or absolute values with ``scale == 1``).
    type_idx : NDArray[np.intp] (n_elements)
        Column of ``table`` each element follows.
    scale : NDArray[np.float64] (n_elements)
        Factor of each element [MW] or [Mvar].
    """

    table: NDArray[np.float64]
    type_idx: NDArray[np.intp]
    scale: NDArray[np.float64]

    def __post_init__(self) -> None:
        if self.table.ndim != 2 or self.type_idx.shape != self.scale.shape:
            raise ValueError("table must be 2-D; type_idx and scale need one entry per element")
        if len(self.type_idx) and (
            self.type_idx.min() < 0 or self.type_idx.max() >= self.table.shape[1]
        ):
            raise ValueError(f"type_idx must lie in 0..{self.table.shape[1] - 1}")

    @classmethod
    def dense(cls, values: NDArray[np.floating]) -> TypedSeries:
        """One type per element: ``values`` (n_rows, n_elements) used as they are."""
        table = np.array(values, dtype=np.float64, ndmin=2)
        n = table.shape[1]
        return cls(table=table, type_idx=np.arange(n, dtype=np.intp), scale=np.ones(n))

    @classmethod
    def constant(cls, values: NDArray[np.floating]) -> TypedSeries:
        """One row, one all-ones type, ``values`` as the scales."""
        scale = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0)
        return cls(table=np.ones((1, 1)), type_idx=np.zeros(len(scale), np.intp), scale=scale)

    @classmethod
    def side_by_side(cls, series: tuple[TypedSeries, ...]) -> TypedSeries:
        """The elements of every one of ``series`` (with the same rows), in order, as one.

        >>> a = TypedSeries.dense(np.array([[1.0, 2.0]]))
        >>> TypedSeries.side_by_side((a, TypedSeries.constant(np.array([5.0])))).at(0)
        array([1., 2., 5.], dtype=float32)
        """
        first_col = np.cumsum([0] + [s.table.shape[1] for s in series[:-1]])
        return cls(
            table=np.hstack([s.table for s in series]),
            type_idx=np.concatenate(
                [s.type_idx + k for s, k in zip(series, first_col, strict=True)]
            ),
            scale=np.concatenate([s.scale for s in series]),
        )

    @property
    def n_rows(self) -> int:
        """Number of time rows."""
        return int(self.table.shape[0])

    @property
    def n_elements(self) -> int:
        """Number of elements."""
        return int(self.type_idx.shape[0])

    def at(self, row: int) -> NDArray[np.float32]:
        """Values of every element at ``row`` (n_elements), float32."""
        return (self.table[row].take(self.type_idx) * self.scale).astype(np.float32)


@dataclass(frozen=True)
class BackgroundProfiles:
    """Background injections over time, in consumer/generator sign as pandapower uses them.

    Attributes
    ----------
    load_p, load_q : TypedSeries
        Background load (one per background load) [MW], [Mvar], >0 consumption.
    sgen_p : TypedSeries
        Static generation (one per sgen) [MW], >0 generation.
    step_s : int
        Time between rows [s] (rows are equally spaced in real time).
    start_offset_s : int
        Seconds between the real instant of the first row and the scenario start (the
        profile repeats after its last row).
    first_instant : datetime | None
        Real instant of the first row of a yearly profile (SimBench), used by
        :meth:`aligned`; None for profiles aligned when built.
    """

    load_p: TypedSeries
    load_q: TypedSeries
    sgen_p: TypedSeries
    step_s: int = SIMBENCH_STEP_S
    start_offset_s: int = 0
    first_instant: datetime | None = None

    def __post_init__(self) -> None:
        if self.step_s <= 0:
            raise ValueError(f"step_s must be > 0 s, got {self.step_s}")
        n = self.load_p.n_rows
        if self.load_q.n_rows != n or self.sgen_p.n_rows != n or n == 0:
            raise ValueError("load_p, load_q and sgen_p need the same number of rows (>= 1)")
        if self.load_q.n_elements != self.load_p.n_elements:
            raise ValueError("load_p and load_q need one entry per background load each")

    @property
    def n_rows(self) -> int:
        """Number of time rows."""
        return self.load_p.n_rows

    @property
    def n_load(self) -> int:
        """Number of background loads."""
        return self.load_p.n_elements

    @property
    def n_sgen(self) -> int:
        """Number of static generators."""
        return self.sgen_p.n_elements

    def aligned(self, start: datetime) -> BackgroundProfiles:
        """These yearly profiles with the scenario starting at ``start`` (see ``year_offset_s``)."""
        if self.first_instant is None:
            raise ModelError("only yearly profiles with a first_instant can be re-aligned")
        return replace(self, start_offset_s=year_offset_s(self.first_instant, start=start))

    def row(self, time_s: int) -> int:
        """Row index valid at scenario time ``time_s`` [s] (see :func:`profile_row`)."""
        return profile_row(time_s, self.start_offset_s, self.n_rows, step_s=self.step_s)

    def load_p_mw_at(self, row: int) -> NDArray[np.float32]:
        """Background load active power at ``row`` (n_load) [MW]."""
        return self.load_p.at(row)

    def load_q_mvar_at(self, row: int) -> NDArray[np.float32]:
        """Background load reactive power at ``row`` (n_load) [Mvar]."""
        return self.load_q.at(row)

    def sgen_p_mw_at(self, row: int) -> NDArray[np.float32]:
        """Static generation at ``row`` (n_sgen) [MW]."""
        return self.sgen_p.at(row)

    @classmethod
    def from_arrays(
        cls,
        *,
        load_p_mw: NDArray[np.floating],
        load_q_mvar: NDArray[np.floating],
        sgen_p_mw: NDArray[np.floating],
        step_s: int = SIMBENCH_STEP_S,
        start_offset_s: int = 0,
    ) -> BackgroundProfiles:
        """Dense time × element tables [MW], [Mvar] (for small grids and tests)."""
        return cls(
            load_p=TypedSeries.dense(load_p_mw),
            load_q=TypedSeries.dense(load_q_mvar),
            sgen_p=TypedSeries.dense(sgen_p_mw),
            step_s=step_s,
            start_offset_s=start_offset_s,
        )

    @classmethod
    def constant(cls, net: pandapowerNet | NetTables) -> BackgroundProfiles:
        """One row holding the nominal ``p_mw``/``q_mvar`` of the background loads and sgens."""
        load = net.load.loc[_background(net)]
        return cls(
            load_p=TypedSeries.constant(load["p_mw"].to_numpy(float)),
            load_q=TypedSeries.constant(load["q_mvar"].to_numpy(float)),
            sgen_p=TypedSeries.constant(net.sgen["p_mw"].to_numpy(float)),
        )

    @classmethod
    def from_simbench(cls, net: pandapowerNet, *, start: datetime) -> BackgroundProfiles:
        """SimBench yearly profiles (35,136 rows at 15 min for 2016) as types × scales.

        Parameters
        ----------
        net : pandapowerNet
            A (prepared) SimBench net carrying ``net.profiles``.
        start : datetime
            Scenario start (timezone-aware). Rows are aligned on their time labels, which
            are local time with daylight saving (see
            :func:`~simulators.grid.profile_time.row_instants`); the profiles repeat yearly.

        Raises
        ------
        ModelError
            No profiles in the net, or an element names a profile type the net lacks.
        """
        return cls.simbench_types(net).aligned(start)

    @classmethod
    def simbench_types(cls, net: pandapowerNet) -> BackgroundProfiles:
        """SimBench profile types of ``net``, not yet aligned to a start (see :meth:`aligned`)."""
        if "profiles" not in net or not len(net.profiles.get("load", [])):
            raise ModelError("this network has no SimBench profiles (net.profiles is empty)")
        prof = net.profiles
        load = net.load.loc[_background(net)]
        gen_tables = [prof[k] for k in ("renewables", "powerplants") if k in prof]
        first = row_instants(prof["load"]["time"])[0].to_pydatetime()
        return cls(
            load_p=_typed(load, "p_mw", [prof["load"]], suffix="_pload"),
            load_q=_typed(load, "q_mvar", [prof["load"]], suffix="_qload"),
            sgen_p=_typed(net.sgen, "p_mw", gen_tables, suffix=""),
            step_s=SIMBENCH_STEP_S,
            first_instant=first,
        )


def _background(net: pandapowerNet | NetTables) -> NDArray[np.bool_]:
    return ~net.load["name"].astype(str).str.startswith(INJ_PREFIX).to_numpy()


def _typed(
    elements: pd.DataFrame, column: str, tables: list[pd.DataFrame], *, suffix: str
) -> TypedSeries:
    """Profile types of ``elements`` as ``simbench.get_absolute_profiles_from_relative_profiles``.

    Elements without a profile follow an all-ones type (their nominal value).
    """
    n_rows = len(tables[0])
    if "profile" in elements.columns:
        names = elements["profile"].astype(object).where(elements["profile"].notna(), None)
    else:
        names = pd.Series([None] * len(elements), index=elements.index, dtype=object)
    wanted = [str(n) + suffix if n is not None else None for n in names]
    types = sorted({w for w in wanted if w is not None})
    columns = [np.ones(n_rows)]
    missing = []
    for name in types:
        source = next((t for t in tables if name in t.columns), None)
        if source is None or len(source) != n_rows:
            missing.append(name)
            continue
        columns.append(source[name].to_numpy(dtype=np.float64))
    if missing:
        raise ModelError(
            f"profile type(s) {missing[:10]} are used by {column} of the net but missing "
            "from net.profiles (or have another number of rows); fix the net or pass "
            "profiles=False for constant background"
        )
    col_of = {name: k + 1 for k, name in enumerate(types)}
    type_idx = np.array([col_of[w] if w is not None else 0 for w in wanted], dtype=np.intp)
    table = np.nan_to_num(np.column_stack(columns), nan=0.0)
    scale = np.nan_to_num(elements[column].to_numpy(dtype=np.float64), nan=0.0)
    return TypedSeries(table=np.ascontiguousarray(table), type_idx=type_idx, scale=scale)


def household_load_index(net: pandapowerNet | NetTables) -> NDArray[np.int64]:
    """pandapower indices of household loads: SimBench profile ``H*`` (H0-A, ...).

    For nets without a SimBench ``profile`` column, every background load is a household.
    """
    load = net.load[_background(net)]
    if "profile" not in load.columns or load["profile"].isna().all():
        return load.index.to_numpy(dtype=np.int64)
    is_household = load["profile"].astype(str).str.startswith("H")
    return load.index[is_household.to_numpy()].to_numpy(dtype=np.int64)


def load_profile_csv(
    path: str | Path, net: pandapowerNet | NetTables, *, start: datetime, time_column: str = "time"
) -> BackgroundProfiles:
    """Read the user's measured background profiles from a CSV file.

    Format: one ``time`` column (ISO 8601 timestamps with offset, equally spaced) and one
    column per element, named ``load:<name>:p_mw``, ``load:<name>:q_mvar`` or
    ``sgen:<name>:p_mw`` where ``<name>`` is the element's ``name`` in the net. Values in MW /
    Mvar, load >0 consumption, sgen >0 generation. Elements without a column keep their
    nominal value. Each column becomes one profile type with scale 1. Rows are used with
    :func:`profile_row` (step from the first two timestamps; the first row is aligned to
    the first timestamp; repeats after the last).

    Raises
    ------
    ModelError
        Unknown element names, a missing/irregular time column, or non-numeric values.
    """
    df = pd.read_csv(path)
    if time_column not in df.columns:
        raise ModelError(f"{path}: no {time_column!r} column; columns are {list(df.columns)}")
    times = pd.to_datetime(df.pop(time_column), utc=True)
    deltas = np.diff((times - times.iloc[0]).dt.total_seconds().to_numpy()).round()
    if len(times) < 2 or (deltas != deltas[0]).any() or deltas[0] <= 0:
        raise ModelError(f"{path}: the {time_column!r} column must be equally spaced, >= 2 rows")
    bg = net.load.loc[_background(net)]
    nominal = {
        ("load", "p_mw"): bg["p_mw"],
        ("load", "q_mvar"): bg["q_mvar"],
        ("sgen", "p_mw"): net.sgen["p_mw"],
    }
    names = {
        "load": {str(nm): i for i, nm in enumerate(bg["name"].to_numpy())},
        "sgen": {str(nm): i for i, nm in enumerate(net.sgen["name"].to_numpy())},
    }
    series = {key: TypedSeries.constant(nom.to_numpy(float)) for key, nom in nominal.items()}
    chosen: dict[tuple[str, str], dict[int, NDArray[np.float64]]] = {k: {} for k in series}
    unknown = []
    for col in df.columns:
        table, _, rest = col.partition(":")
        name, _, qty = rest.rpartition(":")
        if (table, qty) not in series or name not in names[table]:
            unknown.append(col)
            continue
        chosen[(table, qty)][names[table][name]] = pd.to_numeric(df[col]).to_numpy(float)
    if unknown:
        raise ModelError(
            f"{path}: columns {unknown[:10]} name no element; use 'load:<name>:p_mw', "
            "'load:<name>:q_mvar' or 'sgen:<name>:p_mw' with names from net.load/net.sgen"
        )
    typed = {key: _with_columns(series[key], chosen[key], len(df)) for key in series}
    first = times.iloc[0].to_pydatetime()
    return BackgroundProfiles(
        load_p=typed[("load", "p_mw")],
        load_q=typed[("load", "q_mvar")],
        sgen_p=typed[("sgen", "p_mw")],
        step_s=int(deltas[0]),
        start_offset_s=int((start - first).total_seconds()),
    )


def _with_columns(
    base: TypedSeries, columns: dict[int, NDArray[np.float64]], n_rows: int
) -> TypedSeries:
    """``base`` (all-ones type × nominal) with the listed elements on their own column."""
    table = np.ones((n_rows, 1 + len(columns)))
    type_idx, scale = base.type_idx.copy(), base.scale.copy()
    for k, (element, values) in enumerate(columns.items(), start=1):
        table[:, k] = values
        type_idx[element], scale[element] = k, 1.0
    return TypedSeries(table=table, type_idx=type_idx, scale=scale)

"""Background load and generation profiles (SimBench, constant, or the user's CSV)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandapower as pp
import pandas as pd
from numpy.typing import NDArray
from pandapower.auxiliary import pandapowerNet

from cosim.errors import ModelError

from .network import INJ_PREFIX

__all__ = [
    "SIMBENCH_STEP_S",
    "BackgroundProfiles",
    "household_load_index",
    "load_profile_csv",
    "profile_row",
    "start_offset_s",
]

#: Resolution of SimBench profiles [s].
SIMBENCH_STEP_S = 900


@dataclass(frozen=True)
class BackgroundProfiles:
    """Background injections over time, in consumer/generator sign as pandapower uses them.

    Attributes
    ----------
    load_p_mw, load_q_mvar : NDArray[np.float32]
        Background load (time × background load) [MW], [Mvar], >0 consumption.
    sgen_p_mw : NDArray[np.float32]
        Static generation (time × sgen) [MW], >0 generation.
    step_s : int
        Time between rows [s].
    start_offset_s : int
        Seconds between the profile's first row and the scenario start.
    """

    load_p_mw: NDArray[np.float32]
    load_q_mvar: NDArray[np.float32]
    sgen_p_mw: NDArray[np.float32]
    step_s: int = SIMBENCH_STEP_S
    start_offset_s: int = 0

    def __post_init__(self) -> None:
        if self.step_s <= 0:
            raise ValueError(f"step_s must be > 0 s, got {self.step_s}")
        n = self.load_p_mw.shape[0]
        if self.load_q_mvar.shape[0] != n or self.sgen_p_mw.shape[0] != n or n == 0:
            raise ValueError("load_p_mw, load_q_mvar and sgen_p_mw need the same number of rows")

    @property
    def n_rows(self) -> int:
        """Number of time rows."""
        return int(self.load_p_mw.shape[0])

    def row(self, time_s: int) -> int:
        """Row index valid at scenario time ``time_s`` [s] (see :func:`profile_row`)."""
        return profile_row(time_s, self.start_offset_s, self.n_rows, step_s=self.step_s)

    @classmethod
    def constant(cls, net: pandapowerNet) -> BackgroundProfiles:
        """One row holding the nominal ``p_mw``/``q_mvar`` of the background loads and sgens."""
        bg = ~net.load["name"].astype(str).str.startswith(INJ_PREFIX).to_numpy()
        return cls(
            load_p_mw=net.load["p_mw"].to_numpy(np.float32)[bg][None, :],
            load_q_mvar=net.load["q_mvar"].to_numpy(np.float32)[bg][None, :],
            sgen_p_mw=net.sgen["p_mw"].to_numpy(np.float32)[None, :],
        )

    @classmethod
    def from_simbench(cls, net: pandapowerNet, *, start: datetime) -> BackgroundProfiles:
        """SimBench yearly profiles (35,136 rows at 15 min for 2016) as float32.

        Parameters
        ----------
        net : pandapowerNet
            A (prepared) SimBench net carrying ``net.profiles``.
        start : datetime
            Scenario start; the profiles are aligned to Jan 1 00:00 of its year in its own
            timezone, then repeat yearly.
        """
        import simbench as sb

        if "profiles" not in net or not len(net.profiles.get("load", [])):
            raise ModelError("this network has no SimBench profiles (net.profiles is empty)")
        bg = ~net.load["name"].astype(str).str.startswith(INJ_PREFIX).to_numpy()
        sub = pp.create_empty_network()
        sub["load"] = net.load.loc[bg]
        for table in ("sgen", "gen", "storage"):
            sub[table] = net[table]
        sub["profiles"] = net.profiles
        absolute = sb.get_absolute_values(sub, profiles_instead_of_study_cases=True)
        return cls(
            load_p_mw=_as_f32(absolute[("load", "p_mw")], sub.load.index),
            load_q_mvar=_as_f32(absolute[("load", "q_mvar")], sub.load.index),
            sgen_p_mw=_as_f32(absolute[("sgen", "p_mw")], net.sgen.index),
            step_s=SIMBENCH_STEP_S,
            start_offset_s=start_offset_s(start),
        )


def _as_f32(df: pd.DataFrame, columns: pd.Index) -> NDArray[np.float32]:
    out = df.reindex(columns=columns).to_numpy(dtype=np.float32)
    if np.isnan(out).any():
        out = np.nan_to_num(out, nan=0.0)
    return np.ascontiguousarray(out)


def start_offset_s(start: datetime) -> int:
    """Seconds between Jan 1 00:00 (in the timezone of ``start``) and ``start``.

    >>> from datetime import datetime, timedelta, timezone
    >>> start_offset_s(datetime(2016, 1, 2, 6, tzinfo=timezone(timedelta(hours=1))))
    108000
    """
    jan1 = start.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    return int((start - jan1).total_seconds())


def profile_row(time_s: int, offset_s: int, n_rows: int, *, step_s: int = SIMBENCH_STEP_S) -> int:
    """Profile row containing scenario time ``time_s``.

    ``row = ((offset_s + time_s) // step_s) % n_rows``: the row whose interval contains the
    instant (no interpolation), wrapping around after the last row. Simulation steps other
    than ``step_s`` therefore read the row valid at the step's start.

    >>> profile_row(0, 0, 96), profile_row(899, 0, 96), profile_row(900, 0, 96)
    (0, 0, 1)
    >>> profile_row(86_400, 0, 96)
    0
    """
    return int(((offset_s + int(time_s)) // step_s) % n_rows)


def household_load_index(net: pandapowerNet) -> NDArray[np.int64]:
    """pandapower indices of household loads: SimBench profile ``H*`` (H0-A, ...).

    For nets without a SimBench ``profile`` column, every background load is a household.
    """
    load = net.load[~net.load["name"].astype(str).str.startswith(INJ_PREFIX)]
    if "profile" not in load.columns or load["profile"].isna().all():
        return load.index.to_numpy(dtype=np.int64)
    is_household = load["profile"].astype(str).str.startswith("H")
    return load.index[is_household.to_numpy()].to_numpy(dtype=np.int64)


def load_profile_csv(
    path: str | Path, net: pandapowerNet, *, start: datetime, time_column: str = "time"
) -> BackgroundProfiles:
    """Read the user's measured background profiles from a CSV file.

    Format: one ``time`` column (ISO 8601 timestamps with offset, equally spaced) and one
    column per element, named ``load:<name>:p_mw``, ``load:<name>:q_mvar`` or
    ``sgen:<name>:p_mw`` where ``<name>`` is the element's ``name`` in the net. Values in MW /
    Mvar, load >0 consumption, sgen >0 generation. Elements without a column keep their
    nominal value. Rows are used with :func:`profile_row` (step from the first two
    timestamps; the first row is aligned to the first timestamp; repeats after the last).

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
    base = BackgroundProfiles.constant(net)
    n = len(df)
    cols = {
        ("load", "p_mw"): np.repeat(base.load_p_mw, n, axis=0),
        ("load", "q_mvar"): np.repeat(base.load_q_mvar, n, axis=0),
        ("sgen", "p_mw"): np.repeat(base.sgen_p_mw, n, axis=0),
    }
    bg = ~net.load["name"].astype(str).str.startswith(INJ_PREFIX).to_numpy()
    names = {
        "load": {str(nm): i for i, nm in enumerate(net.load["name"].to_numpy()[bg])},
        "sgen": {str(nm): i for i, nm in enumerate(net.sgen["name"].to_numpy())},
    }
    unknown = []
    for col in df.columns:
        table, _, rest = col.partition(":")
        name, _, qty = rest.rpartition(":")
        if (table, qty) not in cols or name not in names[table]:
            unknown.append(col)
            continue
        cols[(table, qty)][:, names[table][name]] = pd.to_numeric(df[col]).to_numpy()
    if unknown:
        raise ModelError(
            f"{path}: columns {unknown[:10]} name no element; use 'load:<name>:p_mw', "
            "'load:<name>:q_mvar' or 'sgen:<name>:p_mw' with names from net.load/net.sgen"
        )
    first = times.iloc[0].to_pydatetime()
    return BackgroundProfiles(
        load_p_mw=cols[("load", "p_mw")],
        load_q_mvar=cols[("load", "q_mvar")],
        sgen_p_mw=cols[("sgen", "p_mw")],
        step_s=int(deltas[0]),
        start_offset_s=int((start - first).total_seconds()),
    )

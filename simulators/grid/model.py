"""GridModel: background profiles plus per-bus injections -> one power flow per step."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from cosim.errors import GridNotConvergedError, ModelError
from cosim.records import frozen_record

from .backends import Backend, BackendName, GridState, Injections, make_backend
from .choices import OnNonConvergence
from .network import PreparedNetwork
from .profile_time import profile_row
from .profiles import BackgroundProfiles, TypedSeries
from .step_kernels import fill_injections, place_injections

__all__ = ["GridModel", "OnNonConvergence"]

_log = logging.getLogger(__name__)

#: profile rows whose background totals one call of ``GridModel._totals_from`` computes
#: (a day of 15-minute rows: little work for a short run, one call per 96 steps)
_TOTALS_BLOCK = 96


def background_totals(
    rows: NDArray[np.float64],
    type_idx: NDArray[np.int64],
    scale: NDArray[np.float64],
    n_bg: int,
    load_on: NDArray[np.float32],
    sgen_on: NDArray[np.float32],
) -> list[tuple[float, float]]:
    """``(p_load_bg_kw, p_gen_bg_kw)`` of each profile row of ``rows``: the background of
    :func:`~simulators.grid.step_kernels.fill_injections` (``float32(row[type_idx] *
    scale)``: [load p | load q | sgen p]) and ``float(load_p @ load_on) * 1e3``,
    ``float(sgen_p @ sgen_on) * 1e3`` with the in-service flags as 0/1 float32. ``matmul``
    of stacked vectors takes, for each row, numpy's float32 dot of one row (the same
    bits: ``tests/property/test_grid_step_flags.py``), in one call for all rows.
    """
    bg = np.empty((rows.shape[0], type_idx.size), dtype=np.float32)
    np.multiply(rows[:, type_idx], scale, out=bg, casting="same_kind")
    load = np.matmul(bg[:, None, :n_bg], load_on[:, None]).reshape(-1)
    gen = np.matmul(bg[:, None, 2 * n_bg :], sgen_on[:, None]).reshape(-1)
    load_kw, gen_kw = (load.astype(float) * 1e3).tolist(), (gen.astype(float) * 1e3).tolist()
    return list(zip(load_kw, gen_kw, strict=True))


class GridModel:
    """A prepared network solved once per step (pure: no mosaik, no I/O).

    Parameters
    ----------
    grid : PreparedNetwork
        From :func:`simulators.grid.network.prepare`.
    profiles : BackgroundProfiles
        Background loads/sgens over time (:meth:`BackgroundProfiles.constant` for none).
    backend : BackendName | str | Backend
        ``"lightsim2grid"`` (default, fast), ``"power_grid_model"`` (fast) or
        ``"pandapower"`` (reference); or a backend already built (e.g. the unbalanced one
        of :class:`~simulators.grid.asym_model.AsymGridModel`).
    on_nonconvergence : OnNonConvergence | str
        ``"raise"`` → :class:`GridNotConvergedError`; ``"flag"`` → NaN state with
        ``converged=False`` and a logged warning; the next step starts from the last good
        voltages.

    Examples
    --------
    >>> from simulators.grid.network import load_network, prepare
    >>> grid = prepare(load_network("simbench:1-LV-rural2--0-sw"))
    >>> model = GridModel(grid, BackgroundProfiles.constant(grid.net))
    >>> state = model.step(0, np.zeros(grid.n_bus), np.zeros(grid.n_bus))
    >>> bool(state.converged)
    True
    """

    def __init__(
        self,
        grid: PreparedNetwork,
        profiles: BackgroundProfiles,
        *,
        backend: BackendName | str | Backend = BackendName.LIGHTSIM2GRID,
        on_nonconvergence: OnNonConvergence | str = OnNonConvergence.RAISE,
    ) -> None:
        net = grid.tables
        n_bg, n_sgen = grid.n_bg_load, len(net.sgen)
        if profiles.n_load != n_bg or profiles.n_sgen != n_sgen:
            raise ModelError(
                f"profiles have {profiles.n_load} loads / {profiles.n_sgen} sgens, the net "
                f"{n_bg} / {n_sgen}; build the profiles from the same prepared net"
            )
        try:
            self.on_nonconvergence = OnNonConvergence(on_nonconvergence)
        except ValueError as err:
            raise ModelError(
                f"on_nonconvergence={on_nonconvergence!r}; choose 'raise' or 'flag'"
            ) from err
        self.grid = grid
        self._profiles = profiles
        self.backend: Backend = make_backend(backend, grid) if isinstance(backend, str) else backend
        self._n_bg = n_bg
        self._load_p = np.zeros(len(net.load), dtype=np.float32)
        self._load_q = np.zeros(len(net.load), dtype=np.float32)
        # the background of a step read from one table in one go: [load p | load q | sgen p]
        background = TypedSeries.side_by_side((profiles.load_p, profiles.load_q, profiles.sgen_p))
        self._table = np.ascontiguousarray(background.table, dtype=float)
        # profile_row's arguments, read once: the profiles are fixed (see ``profiles``)
        self._row_of = (profiles.start_offset_s, profiles.n_rows, profiles.step_s)
        self._type_idx = np.ascontiguousarray(background.type_idx, dtype=np.int64)
        self._scale = np.ascontiguousarray(background.scale, dtype=float)
        self._bg = np.zeros(2 * n_bg + n_sgen, dtype=np.float32)
        self._sgen_p = self._bg[2 * n_bg :]
        # where each step writes: views fixed once
        self._inj_p = self._load_p[n_bg:]
        self._bg_on = net.load["in_service"].to_numpy(dtype=bool)[:n_bg]
        self._sgen_on = net.sgen["in_service"].to_numpy(dtype=bool)
        # as 0/1 float32: what a float32 @ bool product casts the flags to on every call
        self._bg_on_f32 = self._bg_on.astype(np.float32)
        self._sgen_on_f32 = self._sgen_on.astype(np.float32)
        # p_load_bg_kw and p_gen_bg_kw of each profile row (None: not yet), a block of rows
        # at a time (_totals_from): they depend on the row only, and the profiles are fixed
        self._totals: list[tuple[float, float] | None] = [None] * profiles.n_rows

    @property
    def profiles(self) -> BackgroundProfiles:
        """The background profiles (fixed: the model reads them through its own table)."""
        return self._profiles

    @property
    def n_bus(self) -> int:
        """Number of buses."""
        return self.grid.n_bus

    def step(
        self, time_s: int, p_inj_kw: NDArray[np.float64], q_inj_kvar: NDArray[np.float64]
    ) -> GridState:
        """Solve the grid at scenario time ``time_s`` [s].

        Parameters
        ----------
        time_s : int
            Scenario time [s]; selects the background profile row.
        p_inj_kw, q_inj_kvar : NDArray (n_bus)
            Extra load per bus row [kW], [kvar] (consumer sign: >0 consumption/absorption).

        Returns
        -------
        GridState

        Raises
        ------
        GridNotConvergedError
            When the power flow fails and ``on_nonconvergence == "raise"``.
        """
        p_inj, q_inj = self._per_bus(p_inj_kw, "p_inj_kw"), self._per_bus(q_inj_kvar, "q_inj_kvar")
        offset_s, n_rows, step_s = self._row_of
        row = profile_row(time_s, offset_s, n_rows, step_s=step_s)
        sgen_same = fill_injections(
            self._table[row],
            self._type_idx,
            self._scale,
            p_inj,
            q_inj,
            self._bg,
            self._load_p,
            self._load_q,
        )
        return self._solve(time_s, row, p_inj, sgen_same)

    def step_placed(
        self,
        time_s: int,
        rows: NDArray[np.int64],
        p_kw: NDArray[np.float64],
        q_kvar: NDArray[np.float64],
        p_bus_kw: NDArray[np.float64],
        q_bus_kvar: NDArray[np.float64],
    ) -> GridState:
        """:meth:`step` with one source's injections ``p_kw``, ``q_kvar`` [kW], [kvar] at
        the bus ``rows`` (each a bus row, one per value), summed per bus into the caller's
        ``p_bus_kw``, ``q_bus_kvar`` (overwritten) in the same compiled call as the loads."""
        if p_bus_kw.shape != self._inj_p.shape or q_bus_kvar.shape != self._inj_p.shape:
            raise ModelError(f"grid: the bus arrays need one value per bus ({self._inj_p.size})")
        offset_s, n_rows, step_s = self._row_of
        row = profile_row(time_s, offset_s, n_rows, step_s=step_s)
        sgen_same = place_injections(
            self._table[row],
            self._type_idx,
            self._scale,
            rows,
            p_kw,
            q_kvar,
            p_bus_kw,
            q_bus_kvar,
            self._bg,
            self._load_p,
            self._load_q,
        )
        return self._solve(time_s, row, p_bus_kw, sgen_same)

    def _solve(
        self, time_s: int, row: int, p_inj_kw: NDArray[np.float64], sgen_same: bool
    ) -> GridState:
        """The power flow of the loads of profile ``row`` filled in (extra injections
        ``p_inj_kw`` [kW]; ``sgen_same``: the generators' values are those of the last step)."""
        totals = self._totals[row]
        if totals is None:
            totals = self._totals_from(row)
        inj = frozen_record(
            Injections,
            load_p_mw=self._load_p,
            load_q_mvar=self._load_q,
            sgen_p_mw=self._sgen_p,
            p_load_bg_kw=totals[0],
            p_gen_bg_kw=totals[1],
            sgen_same=sgen_same,
        )
        state = self.backend.solve(inj)
        if not state.converged:
            self._check_converged(time_s, state, float(np.sum(p_inj_kw)), inj)
        return state

    def _totals_from(self, row: int) -> tuple[float, float]:
        """The background totals [kW] of profile ``row``, computed with those of the rows
        after it, up to ``_TOTALS_BLOCK`` (kept in ``_totals``)."""
        stop = min(row + _TOTALS_BLOCK, len(self._totals))
        self._totals[row:stop] = background_totals(
            self._table[row:stop], self._type_idx, self._scale, self._n_bg,
            self._bg_on_f32, self._sgen_on_f32,
        )  # fmt: skip
        totals = self._totals[row]
        assert totals is not None
        return totals

    def _per_bus(self, values: NDArray[np.float64], name: str) -> NDArray[np.float64]:
        """``values`` as one contiguous float per injection bus row, or a ModelError."""
        arr = np.ascontiguousarray(values, dtype=float)
        if arr.shape != self._inj_p.shape:
            raise ModelError(
                f"grid: {name} has shape {arr.shape}; send one value per bus ({self._inj_p.size})"
            )
        return arr

    def _check_converged(
        self, time_s: int, state: GridState, p_inj_total_kw: float, inj: Injections
    ) -> None:
        """Raise or log (``on_nonconvergence``) when ``state`` did not converge."""
        if not state.converged:
            detail = (
                f"extra injections total {p_inj_total_kw:.1f} kW, background load "
                f"{inj.p_load_bg_kw:.1f} kW, generation {inj.p_gen_bg_kw:.1f} kW"
            )
            if self.on_nonconvergence is OnNonConvergence.RAISE:
                raise GridNotConvergedError(
                    time_s=int(time_s), backend=str(self.backend.name), detail=detail
                )
            _log.warning(
                "power flow did not converge at t=%d s (backend %s); step flagged, results NaN. %s",
                time_s,
                self.backend.name,
                detail,
            )

    def bus_table(self) -> pd.DataFrame:
        """Buses in row order: ``bus_id`` (original), ``name``, ``vn_kv``, ``in_service``."""
        bus = self.grid.tables.bus
        return pd.DataFrame(
            {
                "bus_id": self.grid.original_bus_id,
                "name": list(self.grid.bus_name),
                "vn_kv": bus["vn_kv"].to_numpy(float),
                "in_service": bus["in_service"].to_numpy(bool),
            }
        )

    def line_table(self) -> pd.DataFrame:
        """Lines in row order with original end-bus ids and ratings."""
        line = self.grid.tables.line
        orig = self.grid.original_bus_id
        return pd.DataFrame(
            {
                "line_id": line.index.to_numpy(np.int64),
                "name": line["name"].fillna("").astype(str).to_numpy(),
                "from_bus_id": orig[line["from_bus"].to_numpy(np.int64)],
                "to_bus_id": orig[line["to_bus"].to_numpy(np.int64)],
                "length_km": line["length_km"].to_numpy(float),
                "max_i_ka": line["max_i_ka"].to_numpy(float),
                "in_service": line["in_service"].to_numpy(bool),
            }
        )

    def trafo_table(self) -> pd.DataFrame:
        """Transformers in row order with original hv/lv bus ids and ratings."""
        tr = self.grid.tables.trafo
        orig = self.grid.original_bus_id
        return pd.DataFrame(
            {
                "trafo_id": tr.index.to_numpy(np.int64),
                "name": tr["name"].fillna("").astype(str).to_numpy(),
                "hv_bus_id": orig[tr["hv_bus"].to_numpy(np.int64)],
                "lv_bus_id": orig[tr["lv_bus"].to_numpy(np.int64)],
                "sn_mva": tr["sn_mva"].to_numpy(float),
                "vn_hv_kv": tr["vn_hv_kv"].to_numpy(float),
                "vn_lv_kv": tr["vn_lv_kv"].to_numpy(float),
                "in_service": tr["in_service"].to_numpy(bool),
            }
        )

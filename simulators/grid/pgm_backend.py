"""power-grid-model backend: one ``PowerGridModel`` kept across steps, symmetric Newton-Raphson."""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray
from power_grid_model import (
    CalculationInitialization,
    CalculationMethod,
    ComponentType,
    PowerGridModel,
    initialize_array,
)
from power_grid_model.errors import PowerGridError

from .backends import BackendName, GridState, Injections, check_against_pandapower
from .network import PreparedNetwork
from .pgm_input import build_pgm_input

__all__ = [
    "DirectPath",
    "PgmUpdate",
    "PowerGridModelBackend",
    "branch_ratings",
    "pf_options",
    "update_buffer",
    "write_setpoints",
]

_log = logging.getLogger(__name__)
_SQRT3 = float(np.sqrt(3.0))
_OUTPUTS = (ComponentType.node, ComponentType.line, ComponentType.transformer, ComponentType.source)
_Result = dict[ComponentType, NDArray[np.void]]


class PgmUpdate(StrEnum):
    """How a step's set-points reach power-grid-model (µs/step in DESIGN.md)."""

    #: ``update`` + ``calculate`` on C datasets prepared once over fixed buffers (fastest)
    DIRECT = "direct"
    #: public ``PowerGridModel.update`` then ``calculate_power_flow``
    UPDATE = "update"
    #: public ``calculate_power_flow(update_data=...)`` with a batch of one (slowest)
    BATCH = "batch"


def pf_options(*, symmetric: bool, tol: float, max_iter: int) -> dict[str, Any]:
    """Keywords of power-grid-model's ``calculate_power_flow``: Newton-Raphson, default start."""
    return {
        "symmetric": symmetric,
        "error_tolerance": tol,
        "max_iterations": max_iter,
        "calculation_method": CalculationMethod.newton_raphson,
        "calculation_initialization": CalculationInitialization.default,
    }


class PowerGridModelBackend:
    """Fast backend on power-grid-model, built from the prepared net with numpy.

    The model is built once (:func:`~simulators.grid.pgm_input.build_pgm_input`); each
    step writes the load and sgen set-points into fixed update buffers and runs symmetric
    Newton-Raphson. power-grid-model takes no start voltages: each solve starts from its
    default linear initialisation. Loadings follow pandapower, as in
    :class:`~simulators.grid.lightsim_backend.LightSimBackend`: lines ``max(i_from, i_to) /
    (max_i_ka·df·parallel)``, trafos ``max(i_hv·vn_hv, i_lv·vn_lv)·√3 / sn_mva /
    (df·parallel)``.

    Parameters
    ----------
    grid : PreparedNetwork
        From :func:`~simulators.grid.network.prepare`.
    max_iter : int
        Newton-Raphson iteration limit; more means non-converged.
    tol : float
        Largest voltage change [p.u.] of the last iteration.
    update : PgmUpdate | str
        How set-points are applied. ``"direct"`` uses power-grid-model's internal
        ``_core`` API (the public API spends ~3/4 of a step building datasets); when that
        API is missing (another power-grid-model version) it falls back to ``"update"``.

    Raises
    ------
    ModelError
        The grid holds elements power-grid-model cannot represent exactly, or the result
        differs from pandapower's seed solution by more than 1e-6 p.u.
    """

    name = BackendName.POWER_GRID_MODEL

    def __init__(
        self,
        grid: PreparedNetwork,
        *,
        max_iter: int = 30,
        tol: float = 1e-8,
        update: PgmUpdate | str = PgmUpdate.DIRECT,
    ) -> None:
        net = grid.net
        inp = build_pgm_input(net)
        self._model = PowerGridModel(inp.data, system_frequency=float(net.f_hz))
        self._bus_off = inp.bus_off
        self._sizes = (grid.n_bus, len(net.line), len(net.trafo))
        self._kw = pf_options(symmetric=True, tol=tol, max_iter=max_iter)
        self._n_load = len(net.load)
        kinds = (ComponentType.sym_load, ComponentType.sym_gen)
        self._upd = {c: update_buffer(c, inp.data[c]) for c in kinds}
        self.update = PgmUpdate(update)
        self._direct = DirectPath.build(self) if self.update is PgmUpdate.DIRECT else None
        if self.update is PgmUpdate.DIRECT and self._direct is None:
            self.update = PgmUpdate.UPDATE
        self._line_imax_ka, self._trafo_vn, self._trafo_rating = branch_ratings(net)
        check_against_pandapower(self, grid)

    def solve(self, inj: Injections) -> GridState:
        """Write this step's set-points, run Newton-Raphson, read the results."""
        loads, gens = self._upd[ComponentType.sym_load], self._upd[ComponentType.sym_gen]
        write_setpoints(loads, gens, self._n_load, inj)
        try:
            res = self._run()
        except PowerGridError:
            return GridState.failed(*self._sizes, inj)
        if not np.isfinite(res[ComponentType.node]["u_pu"][~self._bus_off]).all():
            return GridState.failed(*self._sizes, inj)
        return self._read(res, inj)

    def _run(self) -> _Result:
        if self._direct is not None:
            return self._direct.run()
        if self.update is PgmUpdate.BATCH:
            batch = {c: a[np.newaxis] for c, a in self._upd.items()}
            res = self._model.calculate_power_flow(
                update_data=batch, output_component_types=list(_OUTPUTS), **self._kw
            )
            return {c: a[0] for c, a in res.items()}
        self._model.update(update_data=self._upd)
        return self._model.calculate_power_flow(output_component_types=list(_OUTPUTS), **self._kw)

    def _read(self, res: _Result, inj: Injections) -> GridState:
        # every array is computed anew: the direct path reuses its output buffers
        node = res[ComponentType.node]
        vm = node["u_pu"].copy()
        va = np.rad2deg(node["u_angle"])
        vm[self._bus_off] = np.nan
        va[self._bus_off] = np.nan
        ln, tr, src = (res[c] for c in _OUTPUTS[1:])
        i_line = np.stack([ln["i_from"], ln["i_to"]]) * 1e-3
        i_tr = np.stack([tr["i_from"], tr["i_to"]]) * 1e-3
        s_side = i_tr * self._trafo_vn * _SQRT3
        losses_w = ln["p_from"].sum() + ln["p_to"].sum() + tr["p_from"].sum() + tr["p_to"].sum()
        return GridState(
            vm_pu=vm,
            va_deg=va,
            line_loading_pct=i_line.max(axis=0) / self._line_imax_ka * 100.0,
            trafo_loading_pct=s_side.max(axis=0) / self._trafo_rating * 100.0,
            p_line_from_kw=ln["p_from"] * 1e-3,
            p_trafo_hv_kw=tr["p_from"] * 1e-3,
            i_line_from_ka=i_line[0],
            i_trafo_hv_ka=i_tr[0],
            losses_kw=float(losses_w) * 1e-3,
            p_slack_kw=float(src["p"].sum()) * 1e-3,
            q_slack_kvar=float(src["q"].sum()) * 1e-3,
            converged=True,
            p_load_bg_kw=inj.p_load_bg_kw,
            p_gen_bg_kw=inj.p_gen_bg_kw,
        )


def branch_ratings(net: Any) -> tuple[NDArray, NDArray, NDArray]:
    """Line current limits [kA] (n_line), trafo rated voltages [kV] (2, n_trafo) and
    ratings [MVA] (n_trafo), with derating ``df`` and ``parallel`` as pandapower applies them.
    """
    line, tr = net.line, net.trafo
    line_imax_ka = (line["max_i_ka"] * line["df"] * line["parallel"]).to_numpy(float)
    trafo_vn = np.stack([tr["vn_hv_kv"], tr["vn_lv_kv"]]).astype(float)
    trafo_rating = (tr["sn_mva"] * tr["df"] * tr["parallel"]).to_numpy(float)
    return line_imax_ka, trafo_vn, trafo_rating


def write_setpoints(loads: NDArray[np.void], gens: NDArray[np.void], n_load: int, inj: Any) -> None:
    """Write ``inj``'s load and generator set-points [MW] into update buffers [W], in place.

    The first ``n_load`` load rows are the net's loads (storage rows after them stay);
    works for balanced (n) and per-phase (n, 3) set-points alike.
    """
    loads["p_specified"][:n_load] = inj.load_p_mw
    loads["q_specified"][:n_load] = inj.load_q_mvar
    loads["p_specified"][:n_load] *= 1e6
    loads["q_specified"][:n_load] *= 1e6
    if len(gens):
        gens["p_specified"] = inj.sgen_p_mw
        gens["p_specified"] *= 1e6


def update_buffer(comp: ComponentType, inp: NDArray[np.void]) -> NDArray[np.void]:
    """Row update array over every element: ids and set-points; the rest stays "no change"."""
    buf = initialize_array("update", comp, len(inp))
    buf["id"] = inp["id"]
    buf["p_specified"] = inp["p_specified"]
    buf["q_specified"] = inp["q_specified"]
    return buf


class DirectPath:
    """``update_model`` + ``calculate`` on C datasets prepared once over fixed buffers.

    The prepared datasets point at the backend's update buffers and at output arrays
    owned here, so both must stay alive and be written in place.
    """

    def __init__(self, backend: Any, core: Any) -> None:
        model, kw = backend._model, backend._kw
        self._model, self._core = model, core
        counts = {c: model.all_component_count.get(c, 0) for c in _OUTPUTS}
        kind = "sym_output" if kw["symmetric"] else "asym_output"
        self.out = {c: initialize_array(kind, c, counts[c]) for c in _OUTPUTS}
        self._update = core.prepare_update_view(backend._upd)
        self._output = core.prepare_output_view(self.out, core.DatasetType(kind))
        self._options = model._options(
            calculation_type=core.CalculationType.power_flow, threading=-1, **kw
        )

    @classmethod
    def build(cls, backend: Any) -> DirectPath | None:
        """The direct path, or None (logged) when this power-grid-model lacks its API."""
        try:
            core = _core_api()
            return cls(backend, core)
        except (ImportError, AttributeError, TypeError) as err:
            _log.warning("power-grid-model internals changed (%s); using the public API", err)
            return None

    def run(self) -> _Result:
        core = self._core
        pgc = core.get_pgc()
        pgc.update_model(self._model._model, self._update.get_dataset_ptr())
        core.assert_no_error()
        pgc.calculate(
            self._model._model,
            self._options.opt,
            output_data=self._output.get_dataset_ptr(),
            update_data=core.ConstDatasetPtr(),
        )
        core.assert_no_error()
        return self.out


def _core_api() -> Any:
    """power-grid-model's internal calculation API (1.13), as one namespace."""
    from types import SimpleNamespace

    from power_grid_model._core.data_handling import prepare_output_view, prepare_update_view
    from power_grid_model._core.dataset_definitions import DatasetType
    from power_grid_model._core.error_handling import assert_no_error
    from power_grid_model._core.power_grid_core import ConstDatasetPtr
    from power_grid_model._core.power_grid_core import get_power_grid_core as get_pgc
    from power_grid_model.enum import CalculationType

    return SimpleNamespace(
        prepare_output_view=prepare_output_view,
        prepare_update_view=prepare_update_view,
        DatasetType=DatasetType,
        assert_no_error=assert_no_error,
        ConstDatasetPtr=ConstDatasetPtr,
        get_pgc=get_pgc,
        CalculationType=CalculationType,
    )

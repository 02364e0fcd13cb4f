"""Unbalanced backend: power-grid-model's asymmetric Newton-Raphson, one model across steps."""

from __future__ import annotations

from typing import cast

import numpy as np
from numpy.typing import NDArray
from power_grid_model import (
    ComponentType,
    PowerGridModel,
    initialize_array,
)
from power_grid_model.errors import PowerGridError

from .asym_params import ZeroSequenceParams
from .asym_state import ASYM_BACKEND_NAME, AsymGridState, AsymInjections, phase_voltage_fields
from .backends import Backend, Injections, check_against_pandapower
from .network import PreparedNetwork
from .pgm_asym_input import build_pgm_asym_input
from .pgm_backend import DirectPath, branch_ratings, pf_options, update_buffer, write_setpoints

__all__ = ["ASYM_BACKEND_NAME", "PgmAsymBackend"]

#: Name of this backend in results and messages.
_SQRT3 = float(np.sqrt(3.0))
_OUTPUTS = (ComponentType.node, ComponentType.line, ComponentType.transformer, ComponentType.source)
_IDEAL_SK_MVA = 1e9


class PgmAsymBackend:
    """Unbalanced power flow on power-grid-model (``symmetric=False``), kept warm across steps.

    Every load and generator is a wye (phase-to-earth) ``asym_load``/``asym_gen``; the
    zero-sequence data come from :class:`~simulators.grid.asym_params.ZeroSequenceParams`.
    :meth:`solve` takes per-phase :class:`AsymInjections` or balanced
    :class:`~simulators.grid.backends.Injections` (split equally over the phases).

    Parameters
    ----------
    grid : PreparedNetwork
        From :func:`~simulators.grid.network.prepare`.
    params : ZeroSequenceParams
        Zero-sequence and source assumptions.
    max_iter : int
        Newton-Raphson iteration limit.
    tol : float
        Largest voltage change [p.u.] of the last iteration.
    direct : bool
        Apply set-points through power-grid-model's internal API (as ``PgmUpdate.DIRECT``
        of the balanced backend: about 2x faster per step); False, or a power-grid-model
        without that API, uses the public ``update`` + ``calculate_power_flow``.

    Raises
    ------
    ModelError
        The grid cannot be represented (see :func:`build_pgm_asym_input`) or, with an
        ideal source, balanced injections do not reproduce pandapower's seed solution to
        1e-6 p.u.
    """

    name = ASYM_BACKEND_NAME

    def __init__(
        self,
        grid: PreparedNetwork,
        params: ZeroSequenceParams | None = None,
        *,
        max_iter: int = 30,
        tol: float = 1e-8,
        direct: bool = True,
    ) -> None:
        net = grid.net
        self.params = params if params is not None else ZeroSequenceParams()
        inp = build_pgm_asym_input(net, self.params)
        self._model = PowerGridModel(inp.data, system_frequency=float(net.f_hz))
        self._bus_off = inp.bus_off
        self._sizes = (grid.n_bus, len(net.line), len(net.trafo))
        self._kw = pf_options(symmetric=False, tol=tol, max_iter=max_iter)
        self._n_load = len(net.load)
        kinds = (ComponentType.asym_load, ComponentType.asym_gen)
        self._upd = {c: update_buffer(c, inp.data[c]) for c in kinds}
        self._direct = DirectPath.build(self) if direct else None
        self._line_imax_ka, self._trafo_vn, self._trafo_rating = branch_ratings(net)
        if self.params.source_sk_mva >= _IDEAL_SK_MVA:  # balanced: as pandapower's runpp
            check_against_pandapower(cast(Backend, self), grid)

    def solve(self, inj: AsymInjections | Injections) -> AsymGridState:
        """Write this step's per-phase set-points, run Newton-Raphson, read the results."""
        if isinstance(inj, Injections):
            inj = _split_equally(inj)
        loads, gens = self._upd[ComponentType.asym_load], self._upd[ComponentType.asym_gen]
        write_setpoints(loads, gens, self._n_load, inj)
        try:
            if self._direct is not None:
                res = self._direct.run()
            else:
                self._model.update(update_data=self._upd)
                res = self._model.calculate_power_flow(
                    output_component_types=list(_OUTPUTS), **self._kw
                )
        except PowerGridError:
            return AsymGridState.failed_asym(*self._sizes, inj)
        if not np.isfinite(res[ComponentType.node]["u_pu"][~self._bus_off]).all():
            return AsymGridState.failed_asym(*self._sizes, inj)
        return self._read(res, inj)

    def _read(
        self, res: dict[ComponentType, NDArray[np.void]], inj: AsymInjections
    ) -> AsymGridState:
        node = res[ComponentType.node]
        v_abc = node["u_pu"] * np.exp(1j * node["u_angle"])
        v_abc[self._bus_off] = np.nan
        ln, tr, src = (self._result(res, c) for c in _OUTPUTS[1:])
        i_line = np.maximum(ln["i_from"], ln["i_to"]).max(axis=1) * 1e-3
        s_side = np.stack([tr["i_from"].max(axis=1), tr["i_to"].max(axis=1)]) * 1e-3
        s_side *= self._trafo_vn * _SQRT3
        losses_w = sum(b[f"p_{s}"].sum() for b in (ln, tr) for s in ("from", "to"))
        return AsymGridState(
            **phase_voltage_fields(v_abc),
            line_loading_pct=i_line / self._line_imax_ka * 100.0,
            trafo_loading_pct=s_side.max(axis=0) / self._trafo_rating * 100.0,
            p_line_from_kw=ln["p_from"].sum(axis=1) * 1e-3,
            p_trafo_hv_kw=tr["p_from"].sum(axis=1) * 1e-3,
            i_line_from_ka=ln["i_from"].max(axis=1) * 1e-3,
            i_trafo_hv_ka=tr["i_from"].max(axis=1) * 1e-3,
            losses_kw=float(losses_w) * 1e-3,
            p_slack_kw=float(src["p"].sum()) * 1e-3,
            q_slack_kvar=float(src["q"].sum()) * 1e-3,
            converged=True,
            p_load_bg_kw=inj.p_load_bg_kw,
            p_gen_bg_kw=inj.p_gen_bg_kw,
        )

    @staticmethod
    def _result(
        res: dict[ComponentType, NDArray[np.void]], comp: ComponentType
    ) -> NDArray[np.void]:
        # power-grid-model leaves out component types the grid does not have
        return res[comp] if comp in res else initialize_array("asym_output", comp, 0)


def _split_equally(inj: Injections) -> AsymInjections:
    def third(x: NDArray[np.floating]) -> NDArray[np.float64]:
        return np.repeat(np.asarray(x, dtype=np.float64)[:, np.newaxis] / 3.0, 3, axis=1)

    return AsymInjections(
        load_p_mw=third(inj.load_p_mw),
        load_q_mvar=third(inj.load_q_mvar),
        sgen_p_mw=third(inj.sgen_p_mw),
        p_load_bg_kw=inj.p_load_bg_kw,
        p_gen_bg_kw=inj.p_gen_bg_kw,
    )

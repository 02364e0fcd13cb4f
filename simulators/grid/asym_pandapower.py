"""Reference unbalanced backend: pandapower's ``runpp_3ph`` with the same zero-sequence data."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandapower as pp
from numpy.typing import NDArray

from .asym_params import ZeroSequenceParams
from .asym_state import AsymGridState, AsymInjections, phase_voltage_fields
from .backends import Injections
from .network import PreparedNetwork
from .pgm_asym import _split_equally

__all__ = ["PandapowerAsymBackend", "add_zero_sequence"]

#: pandapower's voltage factor c of the ext_grid impedance in ``runpp_3ph``
#: (``z = c · vn² / s_sc``); power-grid-model uses ``z = vn² / sk``.
_PP_C_FACTOR = 1.1
_PHASES = ("a", "b", "c")


def add_zero_sequence(net: Any, params: ZeroSequenceParams) -> None:
    """Write the zero-sequence assumptions into a pandapower net for ``runpp_3ph``.

    Lines get ``r0_ohm_per_km``/``x0_ohm_per_km``/``c0_nf_per_km`` as ratios of the
    positive sequence; transformers the vector group, ``vk0_percent = vk_percent ·
    trafo_z0_z1`` (likewise ``vkr0``), no zero-sequence magnetising branch
    (``mag0_percent`` very large: the delta winding short-circuits it) and an even split
    of the leakage (``si0_hv_partial = 0.5``); ext_grids the short-circuit power (with
    pandapower's factor c = 1.1 undone, so both engines see the same impedance), R/X and
    the zero- to positive-sequence ratios. Modifies ``net`` in place.
    """
    ln = net.line
    ln["r0_ohm_per_km"] = ln["r_ohm_per_km"] * params.line_r0_r1
    ln["x0_ohm_per_km"] = ln["x_ohm_per_km"] * params.line_x0_x1
    ln["c0_nf_per_km"] = ln["c_nf_per_km"] * params.line_c0_c1
    tr = net.trafo
    tr["vector_group"] = str(params.vector_group)
    tr["vk0_percent"] = tr["vk_percent"] * params.trafo_z0_z1
    tr["vkr0_percent"] = tr["vkr_percent"] * params.trafo_z0_z1
    tr["mag0_percent"] = 1e9
    tr["mag0_rx"] = 0.0
    tr["si0_hv_partial"] = 0.5
    eg = net.ext_grid
    eg["s_sc_max_mva"] = params.source_sk_mva * _PP_C_FACTOR
    eg["rx_max"] = params.source_rx
    eg["x0x_max"] = params.source_z0_z1
    eg["r0x0_max"] = params.source_rx


class PandapowerAsymBackend:
    """Reference: ``pp.runpp_3ph`` on a copy of the prepared net, loads as wye asymmetric loads.

    Every load and sgen of the prepared net is replaced by an ``asymmetric_load`` /
    ``asymmetric_sgen`` (type wye) at the same bus; :meth:`solve` writes the per-phase
    set-points into them. Slow (pure Python per step): for validation.

    Parameters
    ----------
    grid : PreparedNetwork
        From :func:`~simulators.grid.network.prepare` (not modified).
    params : ZeroSequenceParams
        The same assumptions as the fast backend.
    """

    name = "pandapower_asym"

    def __init__(self, grid: PreparedNetwork, params: ZeroSequenceParams | None = None) -> None:
        net = copy.deepcopy(grid.net)
        self.params = params if params is not None else ZeroSequenceParams()
        add_zero_sequence(net, self.params)
        for table, create in (
            ("load", pp.create_asymmetric_load),
            ("sgen", pp.create_asymmetric_sgen),
        ):
            df = net[table]
            for bus, on in zip(df["bus"].to_numpy(), df["in_service"].to_numpy(bool), strict=True):
                create(net, bus=int(bus), in_service=bool(on), type="wye")
            df["in_service"] = False
        self._net = net
        self._bus_off = ~net.bus["in_service"].to_numpy(bool)
        self._sizes = (grid.n_bus, len(net.line), len(net.trafo))

    def solve(self, inj: AsymInjections | Injections) -> AsymGridState:
        """Write per-phase set-points and run ``runpp_3ph``."""
        if isinstance(inj, Injections):
            inj = _split_equally(inj)
        net = self._net
        for k, ph in enumerate(_PHASES):
            net.asymmetric_load[f"p_{ph}_mw"] = inj.load_p_mw[:, k]
            net.asymmetric_load[f"q_{ph}_mvar"] = inj.load_q_mvar[:, k]
            net.asymmetric_sgen[f"p_{ph}_mw"] = inj.sgen_p_mw[:, k]
        try:
            pp.runpp_3ph(net, numba=False, max_iteration=30, tolerance_mva=1e-11)
        except pp.powerflow.LoadflowNotConverged:
            return AsymGridState.failed_asym(*self._sizes, inj)
        return self._read(inj)

    def phase_voltages(self) -> NDArray[np.complex128]:
        """Complex phase voltages [p.u.] (n_bus, 3) of the last solve."""
        res = self._net.res_bus_3ph
        vm = np.stack([res[f"vm_{ph}_pu"].to_numpy(float) for ph in _PHASES], axis=1)
        va = np.stack([res[f"va_{ph}_degree"].to_numpy(float) for ph in _PHASES], axis=1)
        v = vm * np.exp(1j * np.deg2rad(va))
        v[self._bus_off] = np.nan
        return v

    def _read(self, inj: AsymInjections) -> AsymGridState:
        net = self._net
        v = self.phase_voltages()
        line, trafo = net.res_line_3ph, net.res_trafo_3ph
        p_line = sum(line[f"p_{ph}_from_mw"].to_numpy(float) for ph in _PHASES)
        p_trafo = sum(trafo[f"p_{ph}_hv_mw"].to_numpy(float) for ph in _PHASES)
        i_line = np.stack([line[f"i_{ph}_from_ka"].to_numpy(float) for ph in _PHASES], axis=1)
        i_trafo = np.stack([trafo[f"i_{ph}_hv_ka"].to_numpy(float) for ph in _PHASES], axis=1)
        losses = sum(
            df[f"pl_{ph}_mw"].to_numpy(float).sum() for df in (line, trafo) for ph in _PHASES
        )
        eg = net.res_ext_grid_3ph
        return AsymGridState(
            **phase_voltage_fields(v),
            line_loading_pct=line["loading_percent"].to_numpy(float).copy(),
            trafo_loading_pct=trafo["loading_percent"].to_numpy(float).copy(),
            p_line_from_kw=p_line * 1e3,
            p_trafo_hv_kw=p_trafo * 1e3,
            i_line_from_ka=i_line.max(axis=1),
            i_trafo_hv_ka=i_trafo.max(axis=1),
            losses_kw=float(losses) * 1e3,
            p_slack_kw=float(sum(eg[f"p_{ph}_mw"].sum() for ph in _PHASES)) * 1e3,
            q_slack_kvar=float(sum(eg[f"q_{ph}_mvar"].sum() for ph in _PHASES)) * 1e3,
            converged=True,
            p_load_bg_kw=inj.p_load_bg_kw,
            p_gen_bg_kw=inj.p_gen_bg_kw,
        )

"""Power-flow backends: what they take and give, pandapower (reference) and the choice of one.

The fast ones are lightsim2grid (:mod:`.lightsim_backend`) and power-grid-model
(:mod:`.pgm_backend`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from cosim.errors import ModelError

from .choices import BackendName
from .network import PreparedNetwork

__all__ = [
    "Backend",
    "BackendName",
    "GridState",
    "Injections",
    "PandapowerBackend",
    "check_against_pandapower",
    "make_backend",
]
# LightSimBackend lives in lightsim_backend.py, PowerGridModelBackend in pgm_backend.py
# (imported lazily: power-grid-model is optional)

#: Largest voltage deviation [p.u.] from pandapower accepted when LightSimBackend starts.
_AGREEMENT_PU = 1e-6


@dataclass(frozen=True)
class Injections:
    """Element injections for one power flow, in pandapower units and signs.

    Attributes
    ----------
    load_p_mw, load_q_mvar : NDArray[np.floating]
        Every load of the prepared net, background then injection loads (n_load) [MW], [Mvar].
    sgen_p_mw : NDArray[np.floating]
        Every static generator (n_sgen) [MW], >0 generation.
    p_load_bg_kw, p_gen_bg_kw : float
        Background totals passed through to :class:`GridState` [kW].
    sgen_same : bool
        True: ``sgen_p_mw`` is the array of the caller's previous solve and holds, bit for
        bit, the values it held then (a backend whose last solve was of that array need
        not send them again).
    """

    load_p_mw: NDArray[np.floating]
    load_q_mvar: NDArray[np.floating]
    sgen_p_mw: NDArray[np.floating]
    p_load_bg_kw: float = 0.0
    p_gen_bg_kw: float = 0.0
    sgen_same: bool = False


@dataclass(frozen=True)
class GridState:
    """Power-flow result of one step (arrays in bus/line/trafo row order).

    Attributes
    ----------
    vm_pu : NDArray (n_bus)
        Voltage magnitude [p.u.] (NaN for out-of-service buses or a non-converged step).
    va_deg : NDArray (n_bus)
        Voltage angle [deg].
    line_loading_pct, trafo_loading_pct : NDArray (n_line), (n_trafo)
        Loading as pandapower defines it [%].
    p_line_from_kw, p_trafo_hv_kw : NDArray (n_line), (n_trafo)
        Active power entering at the from/hv side [kW].
    i_line_from_ka, i_trafo_hv_ka : NDArray (n_line), (n_trafo)
        Current magnitude at the from/hv side [kA] (pandapower's ``i_from_ka``/``i_hv_ka``).
    losses_kw : float
        Active losses of lines and trafos [kW].
    p_slack_kw, q_slack_kvar : float
        Exchange with the upstream grid [kW], [kvar], >0 import.
    converged : bool
        False when the power flow failed (then every result is NaN).
    p_load_bg_kw, p_gen_bg_kw : float
        Background load and generation totals [kW].
    """

    vm_pu: NDArray[np.float64]
    va_deg: NDArray[np.float64]
    line_loading_pct: NDArray[np.float64]
    trafo_loading_pct: NDArray[np.float64]
    p_line_from_kw: NDArray[np.float64]
    p_trafo_hv_kw: NDArray[np.float64]
    i_line_from_ka: NDArray[np.float64]
    i_trafo_hv_ka: NDArray[np.float64]
    losses_kw: float
    p_slack_kw: float
    q_slack_kvar: float
    converged: bool
    p_load_bg_kw: float = 0.0
    p_gen_bg_kw: float = 0.0

    @classmethod
    def failed(cls, n_bus: int, n_line: int, n_trafo: int, inj: Injections) -> GridState:
        """A non-converged state: every result NaN, ``converged=False``."""
        nan = np.nan
        return cls(
            vm_pu=np.full(n_bus, nan),
            va_deg=np.full(n_bus, nan),
            line_loading_pct=np.full(n_line, nan),
            trafo_loading_pct=np.full(n_trafo, nan),
            p_line_from_kw=np.full(n_line, nan),
            p_trafo_hv_kw=np.full(n_trafo, nan),
            i_line_from_ka=np.full(n_line, nan),
            i_trafo_hv_ka=np.full(n_trafo, nan),
            losses_kw=nan,
            p_slack_kw=nan,
            q_slack_kvar=nan,
            converged=False,
            p_load_bg_kw=inj.p_load_bg_kw,
            p_gen_bg_kw=inj.p_gen_bg_kw,
        )


class Backend(Protocol):
    """One power-flow engine kept warm across steps."""

    name: BackendName

    def solve(self, inj: Injections) -> GridState:
        """Solve with these injections; a failure returns ``GridState.failed``."""
        ...


def check_against_pandapower(backend: Backend, grid: PreparedNetwork) -> None:
    """Refuse a grid that ``backend`` models differently from pandapower's seed solution.

    Solves the injections the prepared net holds and compares with its ``res_bus``
    (``prepare`` ran pandapower); e.g. several ext_grids differ between engines.

    Raises
    ------
    ModelError
        Voltages differ by more than 1e-6 p.u. (the message gives the deviation).
    """
    net = grid.tables
    inj = Injections(
        load_p_mw=net.load["p_mw"].to_numpy(np.float32),
        load_q_mvar=net.load["q_mvar"].to_numpy(np.float32),
        sgen_p_mw=net.sgen["p_mw"].to_numpy(np.float32),
    )
    state = backend.solve(inj)
    ref = net.res_bus["vm_pu"].to_numpy(float)
    dev = float(np.nanmax(np.abs(state.vm_pu - ref))) if state.converged else np.inf
    if not dev < _AGREEMENT_PU:
        raise ModelError(
            f"{backend.name} does not reproduce pandapower on this grid (max |dV| = {dev:.2g}"
            f" p.u., {len(net.ext_grid)} ext_grid(s)); use backend='pandapower'"
        )


class PandapowerBackend:
    """Reference backend: ``pp.runpp(lightsim2grid=False, init="results")`` each step."""

    name = BackendName.PANDAPOWER

    def __init__(self, grid: PreparedNetwork) -> None:
        self._net = grid.net
        self._sizes = (grid.n_bus, len(self._net.line), len(self._net.trafo))
        self._good_vm = self._net.res_bus["vm_pu"].to_numpy().copy()
        self._good_va = self._net.res_bus["va_degree"].to_numpy().copy()

    def solve(self, inj: Injections) -> GridState:
        """Write injections into the net and run pandapower."""
        import pandapower as pp

        net = self._net
        net.load["p_mw"] = inj.load_p_mw
        net.load["q_mvar"] = inj.load_q_mvar
        net.sgen["p_mw"] = inj.sgen_p_mw
        # after a failure the result tables hold NaN; re-seed from the last good voltages
        net.res_bus["vm_pu"] = self._good_vm
        net.res_bus["va_degree"] = self._good_va
        try:
            pp.runpp(net, lightsim2grid=False, init="results", numba=False)
        except pp.powerflow.LoadflowNotConverged:
            return GridState.failed(*self._sizes, inj)
        vm = net.res_bus["vm_pu"].to_numpy()
        va = net.res_bus["va_degree"].to_numpy()
        self._good_vm, self._good_va = vm.copy(), va.copy()
        line, trafo = net.res_line, net.res_trafo
        losses = line["pl_mw"].to_numpy().sum() + trafo["pl_mw"].to_numpy().sum()
        return GridState(
            vm_pu=vm.copy(),
            va_deg=va.copy(),
            line_loading_pct=line["loading_percent"].to_numpy().copy(),
            trafo_loading_pct=trafo["loading_percent"].to_numpy().copy(),
            p_line_from_kw=line["p_from_mw"].to_numpy() * 1e3,
            p_trafo_hv_kw=trafo["p_hv_mw"].to_numpy() * 1e3,
            i_line_from_ka=line["i_from_ka"].to_numpy().copy(),
            i_trafo_hv_ka=trafo["i_hv_ka"].to_numpy().copy(),
            losses_kw=float(losses) * 1e3,
            p_slack_kw=float(net.res_ext_grid["p_mw"].sum()) * 1e3,
            q_slack_kvar=float(net.res_ext_grid["q_mvar"].sum()) * 1e3,
            converged=True,
            p_load_bg_kw=inj.p_load_bg_kw,
            p_gen_bg_kw=inj.p_gen_bg_kw,
        )


def make_backend(name: BackendName | str, grid: PreparedNetwork) -> Backend:
    """Build the backend called ``name`` (a :class:`BackendName` value)."""
    try:
        which = BackendName(name)
    except ValueError as err:
        valid = ", ".join(repr(b.value) for b in BackendName)
        raise ValueError(f"unknown grid backend {name!r}; choose one of {valid}") from err
    if which is BackendName.PANDAPOWER:
        return PandapowerBackend(grid)
    if which is BackendName.POWER_GRID_MODEL:
        from .pgm_backend import PowerGridModelBackend

        return PowerGridModelBackend(grid)
    from .lightsim_backend import LightSimBackend

    return LightSimBackend(grid)

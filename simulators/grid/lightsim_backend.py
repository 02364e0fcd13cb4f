"""The lightsim2grid backend: an ``LSGrid`` built once, solved each step by Newton with KLU."""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .backends import BackendName, GridState, Injections, check_against_pandapower
from .network import PreparedNetwork
from .step_kernels import solved_branch_results

__all__ = ["LightSimBackend", "lightsim_grid", "lightsim_state"]

_log = logging.getLogger(__name__)


class LightSimBackend:
    """Fast backend: a lightsim2grid ``LSGrid`` built once, NR with KLU, warm-started.

    Newton's method runs as a chord method (lightsim2grid's ``RefactorPolicyType.Chord``):
    the Jacobian is built and factorised once per power flow, at the last step's voltages,
    and reused by every iteration. Between steps 15 minutes apart that takes one or two
    more iterations than full Newton and no further factorisation: on the 9,099-bus
    MV+LV grid ~8 instead of ~11 ms per step, on the LV grid ~7 % less. It stops on the
    same mismatch tolerance, so it lands within ~2e-8 p.u. of full Newton
    (``tests/validation/test_grid_backends.py`` holds it to pandapower within 1e-6 p.u.). A
    step the chord method does not converge in ``max_iter`` iterations is solved again
    by full Newton from the same start.

    Loadings follow pandapower: lines ``max(i_from, i_to) / (max_i_ka·df·parallel)``,
    trafos (``trafo_loading="current"``) ``max(i_hv·vn_hv, i_lv·vn_lv)·√3 / sn_mva /
    (df·parallel)``.
    """

    name = BackendName.LIGHTSIM2GRID

    def __init__(self, grid: PreparedNetwork, *, max_iter: int = 30, tol: float = 1e-8) -> None:
        from lightsim2grid import AlgorithmType

        net = grid.tables
        self._ls = lightsim_grid(grid)
        self._ls.change_algorithm(AlgorithmType.NR_KLU)
        self._newton = self._ls.get_ac_algo_config()  # full Newton: refactorise each iteration
        self._chord = _chord_config(self._newton)
        self._ls.set_ac_algo_config(self._chord)
        self._max_iter, self._tol = max_iter, tol
        self._sizes = (grid.n_bus, len(net.line), len(net.trafo))
        self._load_mask = net.load["in_service"].to_numpy(dtype=bool)
        self._sgen_mask = net.sgen["in_service"].to_numpy(dtype=bool)
        self._load_p = _Sent(self._load_mask)
        self._load_q = _Sent(self._load_mask)
        self._sgen_p = _Sent(self._sgen_mask)
        # the generators' array of the last solve: lightsim2grid holds its values, so the
        # next solve of the same array with its values unchanged (``sgen_same``) need not
        # send them (any other array in between, e.g. the start's check, breaks the chain)
        self._sgen_last: object = None
        self._bus_off = ~net.bus["in_service"].to_numpy(dtype=bool)
        self._va_ref = float(net.ext_grid["va_degree"].iloc[0]) if len(net.ext_grid) else 0.0
        line, tr = net.line, net.trafo
        self._line_imax_ka = (line["max_i_ka"] * line["df"] * line["parallel"]).to_numpy(float)
        self._vn_hv = tr["vn_hv_kv"].to_numpy(float)
        self._vn_lv = tr["vn_lv_kv"].to_numpy(float)
        self._trafo_rating = (tr["sn_mva"] * tr["df"] * tr["parallel"]).to_numpy(float)
        self._ratings = (self._line_imax_ka, self._vn_hv, self._vn_lv, self._trafo_rating)
        self._any_bus_off = bool(self._bus_off.any())
        self._slack_gen = len(net.gen)  # init_from_pandapower appends the ext_grid generator(s)
        vm = np.nan_to_num(net.res_bus["vm_pu"].to_numpy(float), nan=1.0)
        va = np.deg2rad(np.nan_to_num(net.res_bus["va_degree"].to_numpy(float)) - self._va_ref)
        self._v_good = vm * np.exp(1j * va)
        check_against_pandapower(self, grid)

    def solve(self, inj: Injections) -> GridState:
        """Update the changed injections, solve from the last good voltages, read results."""
        ls = self._ls
        self._load_p.send(ls.update_loads_p, inj.load_p_mw)
        self._load_q.send(ls.update_loads_q, inj.load_q_mvar)
        sgen = inj.sgen_p_mw
        if len(self._sgen_mask) and not (inj.sgen_same and sgen is self._sgen_last):
            self._sgen_p.send(ls.update_sgens_p, sgen)
        self._sgen_last = sgen
        v = ls.ac_pf(self._v_good, self._max_iter, self._tol)
        state = self._read(v, inj) if v.shape[0] else None  # empty: did not converge
        if state is None:
            v = self._full_newton()
            state = self._read(v, inj) if v.shape[0] else None
            if state is None:
                return GridState.failed(*self._sizes, inj)
        self._v_good = v
        return state

    def _full_newton(self) -> NDArray[np.complex128]:
        """The step again by full Newton from the same start (the chord method failed)."""
        ls = self._ls
        ls.set_ac_algo_config(self._newton)
        try:
            v: NDArray[np.complex128] = ls.ac_pf(self._v_good, self._max_iter, self._tol)
        finally:
            ls.set_ac_algo_config(self._chord)
        _log.debug("chord power flow did not converge; full Newton %s", "did" if v.size else "not")
        return v

    def _read(self, v: NDArray[np.complex128], inj: Injections) -> GridState | None:
        """The state of the voltages ``v`` of a power flow lightsim2grid solved (not empty),
        or None when one is not finite (then no solution: its results are not read)."""
        ls = self._ls
        vm = np.abs(v)
        p1, _, _, a1 = ls.get_line_res1()
        p2, _, _, a2 = ls.get_line_res2()
        tp1, _, _, ta1 = ls.get_trafo_res1()
        tp2, _, _, ta2 = ls.get_trafo_res2()
        n_line, n_trafo = a1.shape[0], ta1.shape[0]
        line_pct, p_line_kw, i_line_ka = np.empty(n_line), np.empty(n_line), np.empty(n_line)
        trafo_pct, p_trafo_kw, i_trafo_ka = np.empty(n_trafo), np.empty(n_trafo), np.empty(n_trafo)
        losses_kw, finite = solved_branch_results(
            vm, p1, p2, a1, a2, tp1, tp2, ta1, ta2, *self._ratings,
            line_pct, trafo_pct, p_line_kw, p_trafo_kw, i_line_ka, i_trafo_ka,
        )  # fmt: skip
        # magnitudes all finite: every voltage is (a NaN or an infinity in v leaves its
        # magnitude so); else the exact test (a magnitude may overflow)
        if not finite and not np.isfinite(v).all():
            return None
        if self._any_bus_off:
            vm[self._bus_off] = np.nan
        p_slack_mw, q_slack_mvar = self._slack_pq()
        return _LazyAngleState.of(
            (v, self._va_ref, self._bus_off if self._any_bus_off else None),
            vm_pu=vm,
            line_loading_pct=line_pct,
            trafo_loading_pct=trafo_pct,
            p_line_from_kw=p_line_kw,
            p_trafo_hv_kw=p_trafo_kw,
            i_line_from_ka=i_line_ka,
            i_trafo_hv_ka=i_trafo_ka,
            losses_kw=losses_kw,
            p_slack_kw=p_slack_mw * 1e3,
            q_slack_kvar=q_slack_mvar * 1e3,
            converged=True,
            p_load_bg_kw=inj.p_load_bg_kw,
            p_gen_bg_kw=inj.p_gen_bg_kw,
        )

    def _slack_pq(self) -> tuple[float, float]:
        """Active and reactive power of the slack generator(s) [MW], [Mvar], summed."""
        gp, gq, _ = self._ls.get_gen_res()
        first = self._slack_gen
        if gp.shape[0] == first + 1:  # the sum over one element: 0.0 + x (-0.0 gives 0.0)
            return 0.0 + gp.item(first), 0.0 + gq.item(first)
        return float(np.add.reduce(gp[first:])), float(np.add.reduce(gq[first:]))


def _chord_config(config: Any) -> Any:
    """A copy of a lightsim2grid ``AlgoConfig`` with the chord refactor policy."""
    from lightsim2grid.algorithm import AlgoConfig, RefactorPolicyType

    out = AlgoConfig()
    ints = list(config.int_params)
    ints[1] = int(RefactorPolicyType.Chord)  # int_params[1]: the refactor policy
    out.int_params = ints  # lists are returned by value: assign whole
    out.real_params = list(config.real_params)
    return out


class _LazyAngleState(GridState):
    """A :class:`GridState` whose ``va_deg`` is computed from the complex voltages when
    first read: an arctan2 per bus that runs recording no angle never need."""

    @classmethod
    def of(
        cls,
        angles_of: tuple[NDArray[np.complex128], float, NDArray[np.bool_] | None],
        **fields: Any,
    ) -> _LazyAngleState:
        """The state of every :class:`GridState` field but ``va_deg``, that of ``angles_of``
        (the complex voltages, the slack's angle [deg], the buses out of service or None).

        The fields go into the instance's ``__dict__`` at once: the frozen dataclass's
        ``__init__`` sets them one ``object.__setattr__`` at a time, ~3 us a step.
        """
        state = cls.__new__(cls)
        state.__dict__.update(fields, _va_deg=None, _angles_of=angles_of)
        return state

    @property  # type: ignore[override]  # a field of GridState, read-only here
    def va_deg(self) -> NDArray[np.float64]:
        """Voltage angle [deg]: ``rad2deg(angle(v)) + va_ref``, NaN at buses out of service."""
        va: NDArray[np.float64] | None = self.__dict__["_va_deg"]
        if va is None:
            v, va_ref, bus_off = self.__dict__["_angles_of"]
            va = np.arctan2(v.imag, v.real)  # np.angle(v) without its Python overhead
            np.rad2deg(va, out=va)
            va += va_ref
            if bus_off is not None:
                va[bus_off] = np.nan
            self.__dict__["_va_deg"] = va
        return va

    @va_deg.setter
    def va_deg(self, value: NDArray[np.float64] | None) -> None:
        # GridState.__init__ sets the field: None until computed
        self.__dict__["_va_deg"] = value


class _Sent:
    """The values of one lightsim2grid element field, sent only where they changed.

    lightsim2grid's ``update_*`` costs a few ns per element flagged in its mask; flagging
    only the in-service elements whose float32 value differs bitwise from the one sent
    before leaves the model holding exactly the values a full update would (the first call
    sends all). Fields of fewer than ``min_size`` elements are always sent whole: there the
    comparison costs more than it saves.
    """

    def __init__(self, in_service: NDArray[np.bool_], *, min_size: int = 2048) -> None:
        self._in_service = in_service
        self._whole = len(in_service) < min_size
        self._last: NDArray[np.float32] | None = None
        self._changed = np.zeros(len(in_service), dtype=bool)

    def send(self, update: Any, values: NDArray[np.floating]) -> None:
        """Call ``update(mask, values)`` with the mask of the changed in-service elements."""
        if self._whole:
            update(self._in_service, np.asarray(values, dtype=np.float32))
            return
        new = np.ascontiguousarray(values, dtype=np.float32)
        last = self._last
        if last is None:
            update(self._in_service, new)
            self._last = new.copy()
            return
        changed = self._changed
        np.not_equal(new.view(np.int32), last.view(np.int32), out=changed)
        changed &= self._in_service
        update(changed, new)
        last[...] = new


def lightsim_grid(grid: PreparedNetwork) -> Any:
    """A lightsim2grid ``LSGrid`` of ``grid``: from its cached state, else converted.

    Converting (``init_from_pandapower``) needs the pandapower net; the state the cache
    keeps (:func:`lightsim_state`) rebuilds the very same model without pandapower.
    """
    if grid.lightsim_state is not None:
        from lightsim2grid.lightsim2grid_cpp import LSGrid

        ls = LSGrid.__new__(LSGrid)
        ls.__setstate__(grid.lightsim_state)
        return ls
    from lightsim2grid.network import init_from_pandapower

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "switches are ignored": prepare() dropped them
        # The "pandapower_v2" transformer equations agree with pandapower 3.5's runpp to
        # 1e-10 p.u. on SimBench grids; "pandapower_v3" was off by ~1e-6 p.u. (measured).
        return init_from_pandapower(grid.net, pp_orig_file="pandapower_v2")


def lightsim_state(grid: PreparedNetwork) -> tuple[Any, ...]:
    """The pickled state of ``grid``'s lightsim2grid model (plain tuples, floats, strings)."""
    state: tuple[Any, ...] = lightsim_grid(grid).__getstate__()
    return state

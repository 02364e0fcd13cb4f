"""mosaik adapter of the grid: one ``Area`` entity (array ports) plus Bus/Line/Trafo views."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from mosaik_api_v3.types import CreateResult
from numpy.typing import NDArray

from cosim.adapter_base import AdapterBase, ModelPorts, build_meta
from cosim.errors import ModelError
from cosim.ports_types import Combine
from cosim.wire import to_wire

from .asym_state import AREA_PHASE_INPUTS, AREA_PHASE_OUTPUTS, ASYM_BACKEND_NAME
from .backends import BackendName, GridState
from .build import background_profiles, build_model
from .cache import prepared_grid
from .choices import MODEL_AREA, MODEL_BUS, MODEL_LINE, MODEL_TRAFO
from .entities import Entities, SourceMap, area_info, rows_for, select_rows, view_info
from .model import GridModel, OnNonConvergence
from .network import PreparedNetwork
from .step_kernels import add_at

__all__ = [
    "AREA_INPUTS",
    "AREA_OUTPUTS",
    "AREA_RESULTS",
    "BUS_INPUTS",
    "BUS_OUTPUTS",
    "LINE_OUTPUTS",
    "META",
    "MODEL_AREA",
    "MODEL_BUS",
    "MODEL_LINE",
    "MODEL_TRAFO",
    "MP2_OUTPUTS",
    "PORTS",
    "TRAFO_OUTPUTS",
    "GridSim",
]

_log = logging.getLogger(__name__)

AREA_INPUTS: tuple[str, ...] = ("p_kw", "q_kvar", "bus_id")
#: per-bus, per-branch and scalar results of the power flow
AREA_RESULTS: tuple[str, ...] = (
    "v_pu",
    "va_deg",
    "line_loading_pct",
    "trafo_loading_pct",
    "losses_kw",
    "p_slack_kw",
    "q_slack_kvar",
    "p_load_bg_kw",
    "p_gen_bg_kw",
    "converged",
)
#: ``bus_id`` is both an input (the buses of a source's array) and an output (the bus order
#: of the per-bus results)
AREA_OUTPUTS: tuple[str, ...] = (*AREA_RESULTS, "bus_id")
#: Area results read as they are from a GridState field (``converged`` is sent as an int)
_AREA_FIELDS: dict[str, str] = {
    "v_pu": "vm_pu",
    **{attr: attr for attr in AREA_RESULTS if attr not in ("v_pu", "converged")},
}
#: per-bus scalar inputs -> (kW-or-kvar target, factor to kW/kvar in consumer sign)
BUS_INPUTS: dict[str, tuple[str, float]] = {
    "p_kw": ("p", 1.0),
    "q_kvar": ("q", 1.0),
    "P_load[MW]": ("p", 1e3),
    "Q_load[MVar]": ("q", 1e3),
    "P_gen[MW]": ("p", -1e3),
    "Q_gen[MVar]": ("q", -1e3),
}
#: per-view output -> GridState field (ours, then mosaik-pandapower-2's names)
BUS_OUTPUTS: dict[str, str] = {
    "v_pu": "vm_pu",
    "va_deg": "va_deg",
    "Vm[pu]": "vm_pu",
    "Va[deg]": "va_deg",
}
LINE_OUTPUTS: dict[str, str] = {
    "loading_pct": "line_loading_pct",
    "p_from_kw": "p_line_from_kw",
    "loading[%]": "line_loading_pct",
    "I[kA]": "i_line_from_ka",
}
TRAFO_OUTPUTS: dict[str, str] = {
    "loading_pct": "trafo_loading_pct",
    "p_from_kw": "p_trafo_hv_kw",
    "loading[%]": "trafo_loading_pct",
    "I[kA]": "i_trafo_hv_ka",
}
#: mosaik-pandapower-2 output names (unit in brackets; I at the from/hv side)
MP2_OUTPUTS: tuple[str, ...] = ("Vm[pu]", "Va[deg]", "loading[%]", "I[kA]")


_AREA_ARRAYS = ("p_kw", "q_kvar", *AREA_PHASE_INPUTS)
PORTS = {
    # arrays of every source, each placed at the buses its own bus_id names, then summed
    MODEL_AREA: ModelPorts(
        inputs=(*_AREA_ARRAYS, "bus_id", "resolve"),
        outputs=(*AREA_RESULTS, *AREA_PHASE_OUTPUTS, "bus_id"),
        combine=dict.fromkeys(_AREA_ARRAYS, Combine.EACH),
        trigger=("resolve",),
    ),
    MODEL_BUS: ModelPorts(inputs=tuple(BUS_INPUTS), outputs=tuple(BUS_OUTPUTS), params=("bus_id",)),
    MODEL_LINE: ModelPorts(outputs=tuple(LINE_OUTPUTS), params=("line_id",)),
    MODEL_TRAFO: ModelPorts(outputs=tuple(TRAFO_OUTPUTS), params=("trafo_id",)),
}
# hybrid: stepped every step_s, and again at the same time when chargers running
# evse.qv_loop = "same_step" send ``resolve`` (their Q(V) moved after this solve)
META = build_meta(PORTS, kind="hybrid")


class GridSim(AdapterBase):
    """mosaik simulator of one distribution grid.

    ``Area`` (one per grid) takes array inputs ``p_kw``/``q_kvar`` plus each source's own
    ``bus_id`` array (original bus ids) and outputs arrays over buses/lines/trafos. ``Bus``
    entities (eid ``bus_<original id>``) take scalar ``p_kw``/``q_kvar`` and the
    mosaik-pandapower names ``P_load[MW]``, ``Q_load[MVar]``, ``P_gen[MW]``, ``Q_gen[MVar]``
    (generation is subtracted). All injections are summed per bus; one power flow per step.

    ``init``: the time base (``step_s`` or ``step_size``; ``start``, ISO 8601 with offset
    or naive with ``timezone``, an IANA name, aligns the profiles: default Jan 1 00:00),
    ``seed`` and the grid of :meth:`setup`.
    """

    NAME = "grid"
    PORTS = PORTS
    META = META
    DEFAULT_START = "2016-01-01T00:00:00+01:00"

    def __init__(self, *, json_safe: bool = False) -> None:
        super().__init__(json_safe=json_safe)
        self.model: GridModel | None = None
        self._ent = Entities()
        self._infos: dict[str, list[dict[str, Any]]] = {}
        self._sources: dict[str, SourceMap] = {}
        self._state: GridState | None = None
        self._p_kw = np.zeros(0)
        self._q_kvar = np.zeros(0)
        self._p_abc_kw = np.zeros((0, 3))
        self._q_abc_kvar = np.zeros((0, 3))
        self._phase_inputs = False  # whether the per-phase arrays hold anything

    def setup(  # type: ignore[override]  # explicit keyword-only parameters
        self,
        *,
        network: str,
        backend: str = BackendName.LIGHTSIM2GRID.value,
        on_nonconvergence: str = OnNonConvergence.RAISE.value,
        profiles: bool | str = True,
        cache: bool = True,
        zero_sequence: dict[str, Any] | None = None,
        phases: dict[str, Any] | None = None,
    ) -> None:
        """Load and prepare ``network`` and build the model.

        ``profiles``: True → SimBench profiles when the net has them, else constant nominal
        background; False → constant; a path →
        :func:`~simulators.grid.profiles.load_profile_csv`. ``seed`` is unused by the
        balanced backends. ``cache``: reuse the prepared grid from the on-disk cache (see
        :mod:`simulators.grid.cache`; ``COSIM_NO_CACHE=1`` also disables it).
        ``backend="power_grid_model_asym"`` solves unbalanced: ``zero_sequence`` holds
        :class:`~simulators.grid.asym_params.ZeroSequenceParams` fields, ``phases``
        :class:`~simulators.grid.asym_model.PhaseParams` fields, and ``seed`` draws the
        phases of the background loads and generators (in the Area's extra_info).
        """
        setup = prepared_grid(network, cache=cache)
        grid = setup.grid
        start_dt = self.start
        assert start_dt is not None
        prof = background_profiles(setup, profiles, start=start_dt)
        self._unbalanced = backend == ASYM_BACKEND_NAME
        self.model = build_model(
            grid,
            prof,
            backend=backend,
            on_nonconvergence=on_nonconvergence,
            zero_sequence=zero_sequence,
            phases=phases,
            seed=self.seed,
        )
        self._p_kw = np.zeros(grid.n_bus)
        self._q_kvar = np.zeros(grid.n_bus)
        self._p_abc_kw = np.zeros((grid.n_bus, 3))
        self._q_abc_kvar = np.zeros((grid.n_bus, 3))
        _log.info("grid %s: %d buses, backend %s", network, grid.n_bus, backend)

    @property
    def _grid(self) -> PreparedNetwork:
        if self.model is None:
            raise ModelError("grid: call init() before create()/step()")
        return self.model.grid

    def create(self, num: int, model: str, **params: Any) -> list[CreateResult]:
        """Create ``Area`` (once), or ``num`` Bus/Line/Trafo views.

        Bus/Line/Trafo: without ids, ``num`` must equal the number of elements (all of
        them, in table order); with ``bus_id=[...]`` / ``line_id`` / ``trafo_id`` it must
        equal their length. Ids that already have a view are returned again, under an
        alias eid (see :meth:`~simulators.grid.entities.Entities.add`). Each view carries
        static ``extra_info``: Bus ``bus_id, name, vn_kv``; Line ``line_id, name,
        from_bus_id, to_bus_id, max_i_ka, length_km``; Trafo ``trafo_id, name, hv_bus_id,
        lv_bus_id, sn_kva, vn_hv_kv, vn_lv_kv``.
        """
        if model == MODEL_AREA:
            return [self._create_area(num)]
        if model not in (MODEL_BUS, MODEL_LINE, MODEL_TRAFO):
            self.check_model(model)
        key = f"{model.lower()}_id"
        rows = select_rows(self._grid, model.lower(), params.get(key))
        if len(rows) != num:
            raise ModelError(
                f"create({num}, {model!r}) but {len(rows)} element(s) selected; pass num equal "
                "to the number of ids (or to the number of elements when giving no ids)"
            )
        infos = self._view_info(model)
        out: list[CreateResult] = []
        for r in rows:
            info = infos[int(r)]
            eid = self._ent.add(model, int(info[key]), int(r))
            out.append({"eid": eid, "type": model, "extra_info": dict(info)})
        return out

    def _view_info(self, model: str) -> list[dict[str, Any]]:
        """Static extra_info of every element of ``model``, in row order (built once)."""
        cached = self._infos.get(model)
        if cached is not None:
            return cached
        assert self.model is not None
        infos = view_info(self.model, model.lower())
        self._infos[model] = infos
        return infos

    def _create_area(self, num: int) -> CreateResult:
        if num != 1 or self._ent.area is not None:
            raise ModelError("a grid has exactly one Area: call create(1, 'Area') once")
        self._ent.area = MODEL_AREA
        assert self.model is not None
        info = area_info(self.model, unbalanced=self._unbalanced)
        return {"eid": MODEL_AREA, "type": MODEL_AREA, "extra_info": info}

    def step(self, time: int, inputs: dict[str, Any], max_advance: int = 0) -> int:
        """Sum every injection per bus and solve the grid once for ``time``."""
        if self.model is None:
            raise ModelError("grid: call init() before step()")
        one = self._one_source(inputs)
        if one is not None:  # the usual step: one source's p and q at its own buses
            self._state = self.model.step_placed(time, *one, self._p_kw, self._q_kvar)
            return time + self.step_s
        p, q = self._p_kw, self._q_kvar
        p.fill(0.0)
        q.fill(0.0)
        if self._phase_inputs:  # per-phase arrays written last step
            self._p_abc_kw.fill(0.0)
            self._q_abc_kvar.fill(0.0)
            self._phase_inputs = False
        for eid, attrs in inputs.items():
            if eid == self._ent.area:
                self._add_area(attrs, p, q)
            else:
                self._add_bus(eid, attrs, p, q)
        unbalanced = self._unbalanced
        if unbalanced or self._phase_inputs:
            from .asym_model import combine_phases

            p_in = combine_phases(p, self._p_abc_kw, unbalanced=unbalanced)
            q_in = combine_phases(q, self._q_abc_kvar, unbalanced=unbalanced)
        else:  # balanced totals only: what combine_phases returns for zero phase arrays
            p_in, q_in = p, q
        self._state = self.model.step(time, p_in, q_in)
        return time + self.step_s

    def _one_source(
        self, inputs: dict[str, Any]
    ) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]] | None:
        """The bus rows, p and q of a balanced step whose only inputs are one source's Area
        ``p_kw`` and ``q_kvar`` (what :meth:`_add_area` would sum), else None."""
        area = self._ent.area
        if area is None or len(inputs) != 1 or self._unbalanced:
            return None
        attrs = inputs.get(area)
        if attrs is None:
            return None
        p_src, q_src = attrs.get("p_kw"), attrs.get("q_kvar")
        if (
            not p_src
            or not q_src
            or len(p_src) != 1
            or p_src.keys() != q_src.keys()
            or not attrs.keys().isdisjoint(AREA_PHASE_INPUTS)
        ):
            return None
        ((src, p_value),) = p_src.items()
        rows = rows_for(self._sources, self._grid, src, attrs.get("bus_id", {}).get(src))
        return (
            rows,
            self._values(src, "p_kw", p_value, rows),
            self._values(src, "q_kvar", q_src[src], rows),
        )

    @staticmethod
    def _values(src: str, attr: str, value: Any, rows: NDArray) -> NDArray[np.float64]:
        """``value`` as a contiguous float array with one value per row of ``rows``."""
        values = np.ascontiguousarray(value, dtype=float).reshape(-1)
        if values.shape != rows.shape:
            raise ModelError(
                f"Area.{attr} from {src} has {values.size} values but its bus_id has "
                f"{rows.size}; send one bus id per element"
            )
        return values

    def _add_area(self, attrs: dict[str, dict[str, Any]], p: NDArray, q: NDArray) -> None:
        bus_ids = attrs.get("bus_id", {})
        targets = [("p_kw", p), ("q_kvar", q)]
        if not attrs.keys().isdisjoint(AREA_PHASE_INPUTS):
            abc = {"p": self._p_abc_kw, "q": self._q_abc_kvar}
            targets += [(a, abc[pq][:, k]) for a, (pq, k) in AREA_PHASE_INPUTS.items()]
            self._phase_inputs = True
        for attr, target in targets:
            for src, value in attrs.get(attr, {}).items():
                rows = rows_for(self._sources, self._grid, src, bus_ids.get(src))
                values = self._values(src, attr, value, rows)
                add_at(target, rows, values)  # rows of the grid's buses (rows_for)

    def _add_bus(self, eid: str, attrs: dict[str, dict[str, Any]], p: NDArray, q: NDArray) -> None:
        row = self._ent.bus.get(eid)
        if row is None:
            raise ModelError(f"grid got inputs for unknown entity {eid!r}")
        for attr, sources in attrs.items():
            which, factor = BUS_INPUTS[attr]
            total = factor * sum(float(v) for v in sources.values())
            if which == "p":
                p[row] += total
            else:
                q[row] += total

    def get_data(self, outputs: dict[str, list[str]]) -> dict[str, Any]:
        """Results of the last step for the requested entities only."""
        state = self._state
        if state is None:
            raise ModelError("grid: get_data before the first step")
        data: dict[str, Any] = {}
        area, fields = self._ent.area, _AREA_FIELDS
        for eid, attrs in outputs.items():
            if eid == area:  # the fields of the state read here, as _value would
                out = {
                    a: getattr(state, fields[a]) if a in fields else self._value(eid, a, state)
                    for a in attrs
                }
            else:
                out = {attr: self._value(eid, attr, state) for attr in attrs}
            data[eid] = {k: to_wire(v) for k, v in out.items()} if self.json_safe else out
        return data

    def _value(self, eid: str, attr: str, state: GridState) -> Any:
        if eid == self._ent.area:
            field = _AREA_FIELDS.get(attr)
            if field is not None:
                return getattr(state, field)
            if attr == "bus_id":
                return self._grid.original_bus_id
            if attr == "converged":
                return int(state.converged)
            if attr in AREA_PHASE_OUTPUTS:
                from .asym_model import phase_output

                return phase_output(state, attr)
        else:
            for table, fields in (
                (self._ent.bus, BUS_OUTPUTS),
                (self._ent.line, LINE_OUTPUTS),
                (self._ent.trafo, TRAFO_OUTPUTS),
            ):
                row = table.get(eid)
                if row is not None and attr in fields:
                    return float(getattr(state, fields[attr])[row])
        raise ModelError(f"grid entity {eid!r} has no output {attr!r}")

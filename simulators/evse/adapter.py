"""mosaik adapter of the charge points: one ``ChargerBank`` entity holds N chargers."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from mosaik_api_v3.types import CreateResult
from numpy.typing import NDArray

from cosim.adapter_base import OMIT, AdapterBase, ModelPorts, build_meta
from cosim.adapter_shortcuts import one_sent_array
from cosim.errors import ModelError
from cosim.ports_types import Combine
from cosim.wire import to_wire
from simulators.evse.choices import MODEL_CHARGER_BANK
from simulators.evse.model import EVSEModel
from simulators.evse.params import EVSEParams
from simulators.evse.same_step import LOOP_ITER, RESOLVE, SameStepLoop
from simulators.evse.state import EVSEState, voltage_at_chargers
from simulators.grid.asym_state import spread_over_phases

__all__ = [
    "CONTROL_INPUTS",
    "EV_INPUTS",
    "GRID_INPUTS",
    "META",
    "MODEL_CHARGER_BANK",
    "OUTPUT_ATTRS",
    "PHASE_OUTPUTS",
    "PHASE_VOLTAGE_INPUTS",
    "PORTS",
    "EVSESim",
]


log = logging.getLogger(__name__)

#: per-EV state read from one fleet (same time step)
EV_INPUTS: tuple[str, ...] = (
    "plugged",
    "soc",
    "e_need_kwh",
    "p_max_kw",
    "departure_s",
    "charger_idx",
    "soc_min",
    "e_capacity_kwh",
)
#: the EV inputs the model reads (it does not use ``departure_s``)
_MODEL_EV_INPUTS = tuple(a for a in EV_INPUTS if a != "departure_s")
#: per-charger control inputs, all optional (setpoints summed, limits minimum over sources)
CONTROL_INPUTS: tuple[str, ...] = ("p_set_kw", "p_limit_kw", "p_dis_limit_kw", "q_set_kvar")
#: the controls the adapter folds itself (one source's p_set_kw goes to the bank as sent)
_FOLDED_CONTROLS = tuple(a for a in CONTROL_INPUTS if a != "p_set_kw")
#: arrays over the buses of a grid Area (time-shifted by the scenario): voltage for Q(V)/P(V)
GRID_INPUTS: tuple[str, ...] = ("v_pu", "bus_id")
OUTPUT_ATTRS: tuple[str, ...] = (
    "p_kw",
    "q_kvar",
    "p_batt_kw",
    "bus_id",
    "p_loss_kw",
    "p_curtailed_kw",
    "tripped",
    "n_trips",
    "p_tripped_kw",
)
#: the outputs that are fields of ``EVSEState``
_STATE_OUTPUTS = frozenset(OUTPUT_ATTRS) & frozenset(EVSEState.__dataclass_fields__)
#: create() parameters of the same-time Q(V) loop (``same_step``)
LOOP_PARAMS: tuple[str, ...] = ("qv_loop", "qv_loop_tol", "qv_loop_max_iter")
#: create() parameters passed to ``EVSEParams`` (scalars or one value per charger)
CREATE_PARAMS: tuple[str, ...] = (
    "bus_id",
    "p_rated_kw",
    "s_rated_kva",
    "phases",
    "phase",
    "bidirectional",
    "efficiency",
    "efficiency_dis",
    "ramp_kw_per_s",
    "delay_s",
    "current_step_a",
    "i_min_a",
    "below_min",
    "v_phase_v",
    "q_mode",
    "cos_phi",
    "qv_curve",
    "pv_curve",
    "p_of_v",
    "pq_priority",
    "uv_protection",
    "uv_trip_pu",
    "uv_trip_delay_s",
    "uv_reconnect_pu",
    "uv_reconnect_delay_s",
)

#: optional arrays over the buses of an unbalanced grid Area: phase-to-earth voltages [p.u.]
#: a single-phase charger's Q(V), P(V) and undervoltage protection act on
PHASE_VOLTAGE_INPUTS: tuple[str, ...] = ("v_a_pu", "v_b_pu", "v_c_pu")
#: per-charger power on grid phase a, b, c -> (EVSEState field, phase) [kW], [kvar],
#: consumer sign; a three-phase charger puts a third on each phase
PHASE_OUTPUTS: dict[str, tuple[str, int]] = {
    f"{pq}_{ph}_{unit}": (f"{pq}_{unit}", k)
    for pq, unit in (("p", "kw"), ("q", "kvar"))
    for k, ph in enumerate("abc")
}

#: this step's grid voltage and its bus ids (same_step.py), trigger inputs
_LOOP_INPUTS = ("v_loop_pu", "bus_id_loop")

# hybrid: steps every step_s like a time-based simulator, and again at the same time when
# the grid's voltage arrives on a loop input (same_step.py)
PORTS = {
    MODEL_CHARGER_BANK: ModelPorts(
        inputs=(*EV_INPUTS, *CONTROL_INPUTS, *GRID_INPUTS, *PHASE_VOLTAGE_INPUTS, *_LOOP_INPUTS),
        outputs=(*OUTPUT_ATTRS, *PHASE_OUTPUTS, RESOLVE, LOOP_ITER),
        params=(*CREATE_PARAMS, *LOOP_PARAMS),
        # the voltages of several grid areas are put together, each with its bus ids
        combine={v: Combine.EACH for v in ("v_pu", *PHASE_VOLTAGE_INPUTS)},
        senders={a: "fleet" for a in EV_INPUTS},
        trigger=_LOOP_INPUTS,
        non_persistent=(RESOLVE,),
    ),
}
META = build_meta(PORTS, kind="hybrid")


@dataclass
class _VoltageMap:
    """Charger -> position in the concatenated voltage arrays of the connected areas.

    The areas send the same bus ids every step (in-process: the very same array), so the
    lookup is rebuilt only when the sources or their bus ids change.
    """

    keys: list[str]
    sent: list[Any]
    buses: list[NDArray[np.int64]]
    index: NDArray[np.int64]

    def matches(self, keys: list[str], sent: list[Any]) -> bool:
        """Whether ``sent`` are the bus ids this map was built from."""
        if keys != self.keys:
            return False
        if all(new is old for new, old in zip(sent, self.sent, strict=True)):
            return True
        if not all(
            np.array_equal(np.asarray(new), buses)
            for new, buses in zip(sent, self.buses, strict=True)
        ):
            return False
        self.sent = list(sent)  # equal ids in new objects: check by identity from now on
        return True


def _over_buses(src: dict[str, Any], keys: list[str]) -> NDArray[np.float64]:
    """One array over the buses of every source (in ``keys`` order)."""
    if len(keys) == 1:
        v = np.asarray(src[keys[0]], dtype=float)
        return v if v.ndim == 1 else v.reshape(-1)  # an area's 1-D array as it is
    return np.concatenate([np.asarray(src[k], dtype=float).reshape(-1) for k in keys])


class EVSESim(AdapterBase):
    """mosaik simulator of charge points (model ``ChargerBank``).

    Inputs: the fleet's per-EV state (``plugged``, ``e_need_kwh``, ``p_max_kw``,
    ``charger_idx``; ``soc``, ``soc_min``, ``e_capacity_kwh`` for V2G), optional
    per-charger controls (``CONTROL_INPUTS``: setpoints summed, limits minimum over
    controllers), and the grid Area's ``v_pu`` with its ``bus_id`` (arrays over buses,
    time-shifted; or this step's on ``v_loop_pu`` / ``bus_id_loop``, see ``same_step.py``)
    for Q(V) and P(V). Without a fleet connection every charger is idle;
    without a setpoint chargers charge uncontrolled; without a voltage V = 1 p.u.

    ``init``: ``step_s`` (``start`` and ``seed`` are accepted; chargers use neither).
    """

    NAME = "evse"
    PORTS = PORTS
    META = META

    def __init__(self, *, json_safe: bool = False) -> None:
        super().__init__(json_safe=json_safe)
        self._v_maps: dict[str, _VoltageMap] = {}
        #: per bank: the single-phase chargers (None: none), which read their phase's voltage
        self._single_phase: dict[str, NDArray[np.bool_] | None] = {}
        self._loops: dict[str, SameStepLoop] = {}

    def create(  # type: ignore[override]  # explicit keyword-only parameters
        self, num: int, model: str, *, bus_id: list[int], **params: Any
    ) -> list[CreateResult]:
        """Create ``num`` charger banks, each with one charger per entry of ``bus_id``.

        ``params`` are the ``EVSEParams`` fields listed in ``CREATE_PARAMS`` (a scalar for
        every charger or a list with one value per charger) and the loop settings
        ``LOOP_PARAMS``: ``qv_loop = "same_step"`` re-steps the bank at the same time when
        the grid's voltage arrives on ``v_loop_pu`` (``same_step.py``).
        """
        self.check_model(model)
        qv_loop = params.pop("qv_loop", "previous_step")
        if qv_loop not in ("previous_step", "same_step"):
            raise ValueError(f"qv_loop={qv_loop!r}; use 'previous_step' or 'same_step'")
        loop = {
            "tol": params.pop("qv_loop_tol", 0.01),
            "max_iter": params.pop("qv_loop_max_iter", 20),
        }
        unknown = sorted(set(params) - set(CREATE_PARAMS))
        if unknown:
            raise ValueError(
                f"ChargerBank got unknown parameter(s) {unknown}; known: {CREATE_PARAMS}"
            )
        created: list[CreateResult] = []
        for _ in range(num):
            prm = EVSEParams(bus_id=np.asarray(bus_id, dtype=np.int64), **params)
            info: dict[str, Any] = {"charger_ids": [f"evse_{i}" for i in range(prm.n)]}
            info.update(prm.extra_info())
            info["efficiency"] = to_wire(params.get("efficiency", 0.92))
            bank = EVSEModel(prm, step_s=self.step_s)
            created.append(self.add_entity(MODEL_CHARGER_BANK, bank, extra_info=info))
            eid = created[-1]["eid"]
            single = np.asarray(prm.phase) >= 0
            self._single_phase[eid] = single if single.any() else None
            if qv_loop == "same_step":
                self._loops[eid] = SameStepLoop(
                    tol=float(loop["tol"]), max_iter=int(loop["max_iter"])
                )
        return created

    def step(self, time: int, inputs: dict[str, Any], max_advance: int = 0) -> int:
        """Decide the power of every charger for ``[time, time + step_s)``."""
        for eid, bank in self.models.items():
            attrs = inputs.get(eid, {})
            loop = self._loops.get(eid)
            if loop is not None:
                loop.begin(time, bank, attrs)
            ev = self._ev_inputs(eid, bank, attrs)
            controls = {  # an unconnected control is None (what fold gives), without a call
                a: self.fold(eid, attrs, a, n=bank.n, broadcast=True) if attrs.get(a) else None
                for a in _FOLDED_CONTROLS
            }
            # one controller's setpoints go as sent: the bank combines them as fold would
            # (in its compiled call when it can)
            sent = one_sent_array(attrs.get("p_set_kw"), bank.n)
            if sent is None:
                controls["p_set_kw"] = self.fold(eid, attrs, "p_set_kw", n=bank.n, broadcast=True)
            self.states[eid] = bank.step(
                time, v_pu=self._voltage(eid, bank, attrs), **ev, **controls, p_set_sent=sent
            )
            if loop is not None:
                loop.end(self.states[eid])
        return time + self.step_s

    def _ev_inputs(self, eid: str, bank: EVSEModel, attrs: dict[str, Any]) -> dict[str, Any]:
        """The fleet's per-EV inputs of ``bank.step``, defaults for those not connected."""
        ev: dict[str, Any] = {"soc": None, "soc_min": None, "e_capacity_kwh": None}
        for a in _MODEL_EV_INPUTS:
            value = self.read(eid, attrs, a)
            if value is not None:
                ev[a] = value
        if "plugged" not in ev:  # no fleet: every charger free
            ev = {"plugged": np.zeros(bank.n, dtype=bool)}
            ev.update(soc=None, soc_min=None, e_capacity_kwh=None)
        if len(ev) < len(_MODEL_EV_INPUTS):  # an input not connected: its default
            n_ev = np.asarray(ev["plugged"]).size
            ev.setdefault("e_need_kwh", np.zeros(n_ev))
            ev.setdefault("p_max_kw", np.full(n_ev, np.inf))
            ev.setdefault("charger_idx", np.arange(n_ev))
        return ev

    def _voltage(
        self, eid: str, bank: EVSEModel, attrs: dict[str, Any]
    ) -> NDArray[np.float64] | None:
        """Voltage at each charger from the grid areas' bus arrays (None when unconnected)."""
        v_src, bus_src = attrs.get("v_pu") or {}, attrs.get("bus_id") or {}
        if not v_src:
            return None
        if v_src.keys() != bus_src.keys():  # compared as sets
            raise ModelError(
                f"{eid}: v_pu comes from {sorted(v_src)} but bus_id from {sorted(bus_src)}; "
                "connect both v_pu and bus_id from each grid Area"
            )
        cached = self._v_maps.get(eid)
        if cached is not None and len(v_src) == 1:  # one grid area (the usual case)
            key = next(iter(v_src))
            if cached.keys == [key] and bus_src[key] is cached.sent[0]:  # same ids as before
                return self._at_chargers(eid, bank, attrs, cached, [key])
        keys = sorted(v_src)
        if cached is None or not cached.matches(keys, [bus_src[k] for k in keys]):
            buses = [np.asarray(bus_src[k], dtype=np.int64).reshape(-1) for k in keys]
            index = voltage_at_chargers(
                np.asarray(bank.params.bus_id),
                np.concatenate(buses),
                np.arange(sum(map(len, buses))),
            ).astype(np.int64)
            cached = _VoltageMap(keys, [bus_src[k] for k in keys], buses, index)
            self._v_maps[eid] = cached
        return self._at_chargers(eid, bank, attrs, cached, keys)

    def _at_chargers(
        self, eid: str, bank: EVSEModel, attrs: dict[str, Any], vmap: _VoltageMap, keys: list[str]
    ) -> NDArray[np.float64]:
        """The voltage at each charger from the areas ``keys`` located by ``vmap``."""
        v = _over_buses(attrs["v_pu"], keys)[vmap.index]
        single = self._single_phase[eid]
        if single is not None and all(attrs.get(a) for a in PHASE_VOLTAGE_INPUTS):
            # a single-phase charger measures its own phase, a three-phase one v_pu
            phase = np.asarray(bank.params.phase)
            abc = np.stack([_over_buses(attrs[a], keys) for a in PHASE_VOLTAGE_INPUTS], axis=1)
            v[single] = abc[vmap.index[single], phase[single]]
        return v

    def output(self, eid: str, attr: str, state: EVSEState) -> Any:
        """Per-charger outputs, per-EV ``p_batt_kw``, the bus ids and the loop's ports."""
        if attr in _STATE_OUTPUTS:  # most requests: a field of the state as it is
            return getattr(state, attr)
        if attr == RESOLVE:  # an event: only while the loop has not settled
            loop = self._loops.get(eid)
            return True if loop is not None and loop.changed else OMIT
        if attr == LOOP_ITER:  # re-steps at this time (0: no loop or no change)
            loop = self._loops.get(eid)
            return 0 if loop is None else loop.iteration
        if attr == "bus_id":
            return self.models[eid].params.bus_id
        if attr in PHASE_OUTPUTS:
            name, k = PHASE_OUTPUTS[attr]
            phase = np.asarray(self.models[eid].params.phase, dtype=np.int64)
            return spread_over_phases(getattr(state, name), phase)[:, k]
        return getattr(state, attr)

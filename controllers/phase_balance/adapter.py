"""mosaik adapter of the phase balancer: one ``PhaseBalancer`` entity per grid area and bank."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from mosaik_api_v3.types import CreateResult

from cosim.adapter_base import AdapterBase, ModelPorts, build_meta
from cosim.errors import ModelError

from .model import PhaseBalanceModel, PhaseBalanceParams, PhaseObservation

__all__ = [
    "INPUT_ATTRS",
    "META",
    "MODEL_PHASE_BALANCER",
    "OUTPUT_ATTRS",
    "PORTS",
    "PhaseBalanceSim",
]

#: mosaik model names (``world.start(...).<name>``, the ``type`` of created entities)
MODEL_PHASE_BALANCER = "PhaseBalancer"

#: per-phase voltages over the grid Area's buses (or ``v_pu`` of a balanced Area, taken for
#: all three phases), and the chargers' power; all time-shifted by the scenario
PHASE_VOLTAGES: tuple[str, ...] = ("v_a_pu", "v_b_pu", "v_c_pu")
INPUT_ATTRS: tuple[str, ...] = (*PHASE_VOLTAGES, "v_pu", "p_kw")
OUTPUT_ATTRS: tuple[str, ...] = ("p_limit_kw", "cap_kw", "n_limited", "p_shed_kw")

PORTS = {
    MODEL_PHASE_BALANCER: ModelPorts(
        inputs=INPUT_ATTRS,
        outputs=OUTPUT_ATTRS,
        params=(
            "grid_bus_id",
            "charger_bus_id",
            "charger_phase",
            "charger_p_rated_kw",
            *PhaseBalanceParams.names(),
        ),
        senders={**dict.fromkeys(PHASE_VOLTAGES, "grid Area"), "v_pu": "grid Area"},
    ),
}
META = build_meta(PORTS)


class PhaseBalanceSim(AdapterBase):
    """mosaik simulator of the phase balancer (model ``PhaseBalancer``).

    Inputs (connect them ``time_shifted=True``): from one grid Area ``v_a_pu``, ``v_b_pu``,
    ``v_c_pu`` (unbalanced) or ``v_pu`` (balanced); from the charger bank ``p_kw``.
    Outputs: ``p_limit_kw`` per charger (at most its rating; the EVSE takes the minimum
    over sources), ``cap_kw`` (phases a, b, c and three-phase), ``n_limited``, ``p_shed_kw``.

    ``init``: ``step_s`` (the balancer has no randomness and no time of day).
    """

    NAME = "phase_balance"
    PORTS = PORTS
    META = META

    def __init__(self, *, json_safe: bool = False) -> None:
        super().__init__(json_safe=json_safe)
        self._rows: dict[str, np.ndarray] = {}

    def create(  # type: ignore[override]  # explicit keyword-only parameters
        self,
        num: int,
        model: str,
        *,
        grid_bus_id: Sequence[int],
        charger_bus_id: Sequence[int],
        charger_phase: Sequence[int],
        charger_p_rated_kw: float | Sequence[float],
        **settings: Any,
    ) -> list[CreateResult]:
        """Create ``num`` balancers over one grid Area (``grid_bus_id``: its bus order) and
        one charger bank (its ``bus_id``, ``phase``, ``p_rated_kw``); ``settings`` are
        :class:`PhaseBalanceParams` fields."""
        self.check_model(model)
        unknown = sorted(set(settings) - set(PhaseBalanceParams.names()))
        if unknown:
            raise ValueError(
                f"unknown phase balancer setting(s) {unknown}; valid: {PhaseBalanceParams.names()}"
            )
        params = PhaseBalanceParams(**settings)
        grid_bus = np.asarray(grid_bus_id, dtype=np.int64)
        position = {int(b): i for i, b in enumerate(grid_bus)}
        missing = sorted({int(b) for b in charger_bus_id} - set(position))
        if missing:
            raise ValueError(f"charger buses {missing[:5]} are not buses of the grid Area")
        rows = np.array([position[int(b)] for b in charger_bus_id], dtype=np.int64)
        created: list[CreateResult] = []
        for _ in range(num):
            balancer = PhaseBalanceModel(
                charger_phase, charger_bus_id, charger_p_rated_kw, params=params
            )
            info = {"rule_limit_kw": balancer.base_limit_kw.tolist()}
            created.append(self.add_entity(MODEL_PHASE_BALANCER, balancer, extra_info=info))
            self._rows[created[-1]["eid"]] = rows
        return created

    def step(self, time: int, inputs: dict[str, Any], max_advance: int = 0) -> int:
        """Observe the last step's voltages and powers; set the caps for the next one."""
        for eid, balancer in self.models.items():
            attrs = inputs.get(eid, {})
            rows = self._rows[eid]
            v_bus = self._phase_voltages(eid, attrs)
            v_abc = v_bus[rows] if v_bus is not None else np.full((rows.size, 3), np.nan)
            p_kw = self.fold(eid, attrs, "p_kw", n=rows.size)
            obs = PhaseObservation(
                v_abc_pu=v_abc, p_kw=np.zeros(rows.size) if p_kw is None else p_kw
            )
            self.states[eid] = balancer.step(obs)
        return time + self.step_s

    def _phase_voltages(
        self, eid: str, attrs: Mapping[str, Mapping[str, Any]]
    ) -> np.ndarray | None:
        """Bus voltages (n_bus, 3): per phase, or the balanced ``v_pu`` on every phase."""
        phases = {a: self.fold(eid, attrs, a) for a in PHASE_VOLTAGES if attrs.get(a)}
        if phases:
            if len(phases) != 3:
                raise ModelError(f"{eid} needs all of {PHASE_VOLTAGES}, got {sorted(phases)}")
            return np.stack([np.asarray(phases[a], dtype=float) for a in PHASE_VOLTAGES], axis=1)
        v_pu = self.fold(eid, attrs, "v_pu")
        if v_pu is None:
            return None
        return np.repeat(np.asarray(v_pu, dtype=float).reshape(-1, 1), 3, axis=1)

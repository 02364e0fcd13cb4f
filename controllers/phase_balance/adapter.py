"""mosaik adapter of the phase balancer: one ``PhaseBalancer`` entity per grid area and bank."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import mosaik_api_v3
import numpy as np
from mosaik_api_v3.types import CreateResult, Meta

from cosim.errors import ModelError
from cosim.ports import attr_names
from cosim.timebase import check_time_base
from cosim.wire import outputs_from_states

from .model import PhaseBalanceModel, PhaseBalanceParams, PhaseBalanceState, PhaseObservation

__all__ = ["INPUT_ATTRS", "META", "OUTPUT_ATTRS", "PhaseBalanceSim"]

#: per-phase voltages over the grid Area's buses (or ``v_pu`` of a balanced Area, taken for
#: all three phases), and the chargers' power; all time-shifted by the scenario
PHASE_VOLTAGES: tuple[str, ...] = ("v_a_pu", "v_b_pu", "v_c_pu")
INPUT_ATTRS: tuple[str, ...] = (*PHASE_VOLTAGES, "v_pu", "p_kw")
OUTPUT_ATTRS: tuple[str, ...] = ("p_limit_kw", "cap_kw", "n_limited", "p_shed_kw")

META: dict[str, Any] = {
    "api_version": "3.0",
    "type": "time-based",
    "models": {
        "PhaseBalancer": {
            "public": True,
            "params": [
                "grid_bus_id",
                "charger_bus_id",
                "charger_phase",
                "charger_p_rated_kw",
                *PhaseBalanceParams.names(),
            ],
            "attrs": attr_names(*INPUT_ATTRS, *OUTPUT_ATTRS),
        },
    },
}


class PhaseBalanceSim(mosaik_api_v3.Simulator):
    """mosaik simulator of the phase balancer (model ``PhaseBalancer``).

    Inputs (connect them ``time_shifted=True``): from one grid Area ``v_a_pu``, ``v_b_pu``,
    ``v_c_pu`` (unbalanced) or ``v_pu`` (balanced); from the charger bank ``p_kw``.
    Outputs: ``p_limit_kw`` per charger (at most its rating; the EVSE takes the minimum
    over sources), ``cap_kw`` (phases a, b, c and three-phase), ``n_limited``, ``p_shed_kw``.

    Parameters
    ----------
    json_safe : bool
        Convert numpy outputs to plain lists/numbers (needed when started over ``cmd``).
    """

    def __init__(self, *, json_safe: bool = False) -> None:
        super().__init__(copy.deepcopy(META))
        self.json_safe = json_safe
        self.step_s = 900
        self._models: dict[str, PhaseBalanceModel] = {}
        self._rows: dict[str, np.ndarray] = {}
        self._states: dict[str, PhaseBalanceState] = {}

    def init(  # type: ignore[override]  # explicit keyword-only parameters
        self,
        sid: str,
        time_resolution: float = 1.0,
        *,
        step_s: int = 900,
        step_size: int | None = None,
        start: str | None = None,
        seed: list[int] | int | None = None,
    ) -> Meta:
        """Set the step (the balancer has no randomness and no time of day)."""
        self.step_s = check_time_base("phase_balance", time_resolution, step_s, step_size=step_size)
        return self.meta

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
        if model != "PhaseBalancer":
            raise ValueError(f"unknown model {model!r}; phase_balance offers 'PhaseBalancer'")
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
            eid = f"PhaseBalancer_{len(self._models)}"
            balancer = PhaseBalanceModel(
                charger_phase, charger_bus_id, charger_p_rated_kw, params=params
            )
            self._models[eid] = balancer
            self._rows[eid] = rows
            info = {"rule_limit_kw": balancer.base_limit_kw.tolist()}
            created.append({"eid": eid, "type": "PhaseBalancer", "extra_info": info})
        return created

    def step(self, time: int, inputs: dict[str, Any], max_advance: int = 0) -> int:
        """Observe the last step's voltages and powers; set the caps for the next one."""
        for eid, balancer in self._models.items():
            attrs = inputs.get(eid, {})
            rows = self._rows[eid]
            v_bus = _phase_voltages(attrs, eid)
            v_abc = v_bus[rows] if v_bus is not None else np.full((rows.size, 3), np.nan)
            obs = PhaseObservation(v_abc_pu=v_abc, p_kw=_charger_power(attrs, eid, rows.size))
            self._states[eid] = balancer.step(obs)
        return time + self.step_s

    def get_data(self, outputs: dict[str, list[str]]) -> dict[str, Any]:
        """``p_limit_kw`` per charger and the balancer's caps and counts of the last step."""
        return outputs_from_states(outputs, self._states, OUTPUT_ATTRS, json_safe=self.json_safe)


def _one_source(attrs: dict[str, dict[str, Any]], names: Sequence[str]) -> dict[str, Any] | None:
    """``{attr: value}`` of the one entity sending ``names`` (None when none is connected)."""
    sources = {src for a in names for src in attrs.get(a, {})}
    if not sources:
        return None
    if len(sources) > 1:
        raise ModelError(f"voltages from {sorted(sources)}; connect one grid Area")
    src = next(iter(sources))
    return {a: attrs[a][src] for a in names if a in attrs}


def _phase_voltages(attrs: dict[str, dict[str, Any]], eid: str) -> np.ndarray | None:
    """Bus voltages (n_bus, 3): per phase, or the balanced ``v_pu`` on every phase."""
    phases = _one_source(attrs, PHASE_VOLTAGES)
    if phases is not None:
        if len(phases) != 3:
            raise ModelError(f"{eid} needs all of {PHASE_VOLTAGES}, got {sorted(phases)}")
        return np.stack([np.asarray(phases[a], dtype=float) for a in PHASE_VOLTAGES], axis=1)
    balanced = _one_source(attrs, ("v_pu",))
    if balanced is None:
        return None
    v = np.asarray(balanced["v_pu"], dtype=float).reshape(-1, 1)
    return np.repeat(v, 3, axis=1)


def _charger_power(attrs: dict[str, dict[str, Any]], eid: str, n: int) -> np.ndarray:
    """Charger power summed over sources (zeros when none is connected)."""
    total = np.zeros(n)
    for src, value in attrs.get("p_kw", {}).items():
        arr = np.asarray(value, dtype=float).reshape(-1)
        if arr.size != n:
            raise ModelError(
                f"{eid}: p_kw from {src} has {arr.size} values, the balancer has {n} chargers; "
                "create it with that bank's bus_id, phase and p_rated_kw"
            )
        total += arr
    return total

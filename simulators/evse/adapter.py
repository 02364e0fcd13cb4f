"""mosaik adapter of the charge points: one ``ChargerBank`` entity holds N chargers."""

from __future__ import annotations

import copy
import logging
from typing import Any

import mosaik_api_v3
import numpy as np
from mosaik_api_v3.types import CreateResult, Meta
from numpy.typing import NDArray

from cosim.errors import ModelError
from cosim.ports import attr_names
from cosim.wire import to_wire
from simulators.evse.model import EVSEModel, EVSEParams, EVSEState

__all__ = ["EV_INPUTS", "META", "OUTPUT_ATTRS", "EVSESim"]

log = logging.getLogger(__name__)

#: per-EV state read from one fleet (same time step)
EV_INPUTS: tuple[str, ...] = (
    "plugged",
    "soc",
    "e_need_kwh",
    "p_max_kw",
    "departure_s",
    "charger_idx",
)
#: per-charger control inputs, all optional
CONTROL_INPUTS: tuple[str, ...] = ("p_set_kw", "p_limit_kw")
OUTPUT_ATTRS: tuple[str, ...] = ("p_kw", "q_kvar", "p_batt_kw", "bus_id")

META: dict[str, Any] = {
    "api_version": "3.0",
    "type": "time-based",
    "models": {
        "ChargerBank": {
            "public": True,
            "params": ["bus_id", "p_rated_kw", "s_rated_kva", "efficiency"],
            "attrs": attr_names(*EV_INPUTS, *CONTROL_INPUTS, *OUTPUT_ATTRS),
        },
    },
}


def _single_source(sources: dict[str, Any], eid: str, attr: str) -> Any:
    if len(sources) != 1:
        raise ModelError(
            f"{eid}.{attr} is connected to {len(sources)} fleets ({sorted(sources)}); "
            "connect exactly one fleet per charger bank"
        )
    return next(iter(sources.values()))


def _control(sources: dict[str, Any] | None, n: int, *, combine: str) -> NDArray[np.float64] | None:
    """Combine per-charger control inputs from several controllers (NaN: no value)."""
    if not sources:
        return None
    arrays = [np.broadcast_to(np.asarray(v, dtype=float), (n,)) for v in sources.values()]
    stack = np.vstack(arrays)
    if combine == "min":
        return np.fmin.reduce(stack, axis=0)
    none = np.isnan(stack).all(axis=0)
    return np.where(none, np.nan, np.nansum(stack, axis=0))


class EVSESim(mosaik_api_v3.Simulator):
    """mosaik simulator of charge points (model ``ChargerBank``).

    Inputs: the fleet's per-EV state (``plugged``, ``e_need_kwh``, ``p_max_kw``,
    ``charger_idx``, ...), optional per-charger ``p_set_kw`` (summed over controllers) and
    ``p_limit_kw`` (minimum over controllers). Without a fleet connection every charger is
    idle; without a setpoint chargers charge uncontrolled.

    Parameters
    ----------
    json_safe : bool
        Convert numpy outputs to plain lists/numbers (needed when started over ``cmd``).
    """

    def __init__(self, *, json_safe: bool = False) -> None:
        super().__init__(copy.deepcopy(META))
        self.json_safe = json_safe
        self.step_s = 900
        self._models: dict[str, EVSEModel] = {}
        self._states: dict[str, EVSEState] = {}

    def init(  # type: ignore[override]  # explicit keyword-only parameters
        self,
        sid: str,
        time_resolution: float = 1.0,
        *,
        step_s: int = 900,
        start: str | None = None,
        seed: list[int] | int | None = None,
    ) -> Meta:
        """Set the step length (``start`` and ``seed`` are accepted; chargers use neither)."""
        if float(time_resolution) != 1.0:
            raise ValueError(
                f"evse needs time_resolution=1.0 (integer seconds), got {time_resolution}"
            )
        self.step_s = int(step_s)
        return self.meta

    def create(  # type: ignore[override]  # explicit keyword-only parameters
        self,
        num: int,
        model: str,
        *,
        bus_id: list[int],
        p_rated_kw: float | list[float] = 11.0,
        s_rated_kva: float | list[float] | None = None,
        efficiency: float | list[float] = 0.92,
    ) -> list[CreateResult]:
        """Create ``num`` charger banks, each with one charger per entry of ``bus_id``."""
        if model != "ChargerBank":
            raise ValueError(f"unknown model {model!r}; evse offers 'ChargerBank'")
        created: list[CreateResult] = []
        for _ in range(num):
            params = EVSEParams(
                bus_id=np.asarray(bus_id, dtype=np.int64),
                p_rated_kw=np.asarray(p_rated_kw, dtype=float),
                s_rated_kva=None if s_rated_kva is None else np.asarray(s_rated_kva, dtype=float),
                efficiency=np.asarray(efficiency, dtype=float),
            )
            eid = f"ChargerBank_{len(self._models)}"
            self._models[eid] = EVSEModel(params, step_s=self.step_s)
            info = {
                "charger_ids": [f"evse_{i}" for i in range(params.n)],
                "bus_id": np.asarray(params.bus_id).tolist(),
                "p_rated_kw": np.asarray(params.p_rated_kw).tolist(),
                "s_rated_kva": np.asarray(params.s_rated_kva).tolist(),
                "efficiency": np.asarray(params.efficiency).tolist(),
            }
            created.append({"eid": eid, "type": "ChargerBank", "extra_info": info})
        return created

    def step(self, time: int, inputs: dict[str, Any], max_advance: int = 0) -> int:
        """Decide the power of every charger for ``[time, time + step_s)``."""
        for eid, bank in self._models.items():
            attrs = inputs.get(eid, {})
            ev = {a: _single_source(attrs[a], eid, a) for a in EV_INPUTS if attrs.get(a)}
            if "plugged" not in ev:
                ev = {"plugged": np.zeros(bank.n, dtype=bool)}
            n_ev = np.asarray(ev["plugged"]).size
            self._states[eid] = bank.step(
                time,
                plugged=ev["plugged"],
                e_need_kwh=ev.get("e_need_kwh", np.zeros(n_ev)),
                p_max_kw=ev.get("p_max_kw", np.full(n_ev, np.inf)),
                charger_idx=ev.get("charger_idx", np.arange(n_ev)),
                p_set_kw=_control(attrs.get("p_set_kw"), bank.n, combine="sum"),
                p_limit_kw=_control(attrs.get("p_limit_kw"), bank.n, combine="min"),
            )
        return time + self.step_s

    def get_data(self, outputs: dict[str, list[str]]) -> dict[str, Any]:
        """Per-charger ``p_kw``, ``q_kvar``, ``bus_id`` and per-EV ``p_batt_kw``."""
        data: dict[str, Any] = {}
        for eid, attrs in outputs.items():
            state = self._states.get(eid)
            if state is None:
                raise ModelError(f"get_data for {eid} before its first step")
            out = {}
            for attr in attrs:
                if attr == "bus_id":
                    value: Any = self._models[eid].params.bus_id
                elif attr in ("p_kw", "q_kvar", "p_batt_kw"):
                    value = getattr(state, attr)
                else:
                    raise ValueError(f"{eid} has no output {attr!r}; outputs: {OUTPUT_ATTRS}")
                out[attr] = to_wire(value) if self.json_safe else value
            data[eid] = out
        return data

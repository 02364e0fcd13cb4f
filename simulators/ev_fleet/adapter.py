"""mosaik adapter of the EV fleet: one ``Fleet`` entity holds N EVs on array-valued ports."""

from __future__ import annotations

import copy
import logging
from dataclasses import fields
from typing import Any

import mosaik_api_v3
import numpy as np
from mosaik_api_v3.types import CreateResult, Meta
from numpy.typing import NDArray

from cosim.errors import ModelError
from cosim.ports import attr_names
from cosim.seeding import generator
from cosim.timebase import DAY_S, parse_start
from cosim.wire import to_wire
from simulators.ev_fleet.model import FleetModel, FleetState
from simulators.ev_fleet.params import FleetParams
from simulators.ev_fleet.schedule import ScheduleParams

__all__ = ["META", "OUTPUT_ATTRS", "EVFleetSim", "week_offset_s"]

log = logging.getLogger(__name__)

#: per-EV outputs, in FleetState field order
OUTPUT_ATTRS: tuple[str, ...] = (
    "plugged",
    "soc",
    "e_need_kwh",
    "e_capacity_kwh",
    "departure_s",
    "p_max_kw",
    "soc_min",
    "soc_target",
    "charger_idx",
    "e_unserved_kwh",
    "e_trip_kwh",
    "e_trip_unmet_kwh",
)
_PARAMS = ["n_ev", "home_bus", *(f.name for f in fields(FleetParams))]

META: dict[str, Any] = {
    "api_version": "3.0",
    "type": "time-based",
    "models": {
        "Fleet": {
            "public": True,
            "params": _PARAMS,
            "attrs": attr_names(*OUTPUT_ATTRS, "p_batt_kw"),
        },
    },
}


def week_offset_s(start: str) -> int:
    """Seconds from local Monday 00:00 to the scenario ``start`` (ISO 8601 with offset).

    >>> week_offset_s("2016-06-07T06:30:00+02:00")  # a Tuesday
    109800
    """
    t = parse_start(start)
    return t.weekday() * DAY_S + t.hour * 3600 + t.minute * 60 + t.second


def _sum_sources(sources: dict[str, Any], n: int, eid: str, attr: str) -> NDArray[np.float64]:
    total = np.zeros(n)
    for src, value in sources.items():
        arr = np.nan_to_num(np.asarray(value, dtype=float).reshape(-1), nan=0.0)
        if arr.shape != (n,):
            raise ModelError(
                f"{eid}.{attr} from {src} has {arr.size} values for {n} EVs; connect a "
                "charger bank created with one charger per EV"
            )
        total += arr
    return total


class EVFleetSim(mosaik_api_v3.Simulator):
    """mosaik simulator of EV fleets (model ``Fleet``).

    Parameters
    ----------
    json_safe : bool
        Convert numpy outputs to plain lists/numbers (needed when started over ``cmd``).
    """

    def __init__(self, *, json_safe: bool = False) -> None:
        super().__init__(copy.deepcopy(META))
        self.json_safe = json_safe
        self.step_s = 900
        self._week_offset_s = 0
        self._rng: np.random.Generator = generator(0)
        self._models: dict[str, FleetModel] = {}
        self._states: dict[str, FleetState] = {}

    def init(  # type: ignore[override]  # explicit keyword-only parameters
        self,
        sid: str,
        time_resolution: float = 1.0,
        *,
        step_s: int = 900,
        start: str = "2016-06-06T00:00:00+02:00",
        seed: list[int] | int = 0,
    ) -> Meta:
        """Set the time base and the seed; ``start`` fixes the weekday of t = 0."""
        if float(time_resolution) != 1.0:
            raise ValueError(
                f"ev_fleet needs time_resolution=1.0 (integer seconds), got {time_resolution}"
            )
        self.step_s = int(step_s)
        self._week_offset_s = week_offset_s(start)
        self._rng = generator(seed)
        return self.meta

    def create(self, num: int, model: str, **params: Any) -> list[CreateResult]:
        """Create ``num`` fleets; see :class:`FleetParams` for the mix parameters."""
        if model != "Fleet":
            raise ValueError(f"unknown model {model!r}; ev_fleet offers 'Fleet'")
        return [self._create_one(dict(params)) for _ in range(num)]

    def _create_one(self, params: dict[str, Any]) -> CreateResult:
        n_ev = int(params.pop("n_ev"))
        home_bus = params.pop("home_bus", None)
        sched = ScheduleParams(**(params.pop("schedule", None) or {}))
        fleet_params = FleetParams(schedule=sched, **params)
        eid = f"Fleet_{len(self._models)}"
        fleet = FleetModel(
            fleet_params,
            n_ev,
            self._rng.spawn(1)[0],
            step_s=self.step_s,
            week_offset_s=self._week_offset_s,
        )
        bus = self._home_bus(home_bus, n_ev)
        self._models[eid] = fleet
        ev = fleet.ev
        info = {
            "ev_ids": [f"ev_{i}" for i in range(n_ev)],
            "home_bus": bus,
            "capacity_kwh": ev.capacity_kwh.tolist(),
            "p_max_kw": ev.p_max_kw.tolist(),
            "consumption_kwh_km": ev.consumption_kwh_km.tolist(),
            "alpha": ev.alpha.tolist(),
            "soc_target": ev.soc_target.tolist(),
            "soc_min": ev.soc_min.tolist(),
            "soc_init": ev.soc_init.tolist(),
        }
        return {"eid": eid, "type": "Fleet", "extra_info": info}

    @staticmethod
    def _home_bus(home_bus: Any, n_ev: int) -> list[int]:
        if home_bus is None:
            return [-1] * n_ev
        bus = np.asarray(home_bus, dtype=np.int64).reshape(-1)
        if bus.size == 1:
            bus = np.repeat(bus, n_ev)
        if bus.size != n_ev:
            raise ValueError(f"home_bus has {bus.size} entries for n_ev={n_ev}; give one per EV")
        return [int(b) for b in bus]

    def step(self, time: int, inputs: dict[str, Any], max_advance: int = 0) -> int:
        """Apply the time-shifted battery power, handle trips, return the next step time."""
        for eid, fleet in self._models.items():
            sources = inputs.get(eid, {}).get("p_batt_kw")
            if sources:
                p = _sum_sources(sources, fleet.n_ev, eid, "p_batt_kw")
            else:
                p = np.zeros(fleet.n_ev)
            self._states[eid] = fleet.step(time, p)
        return time + self.step_s

    def get_data(self, outputs: dict[str, list[str]]) -> dict[str, Any]:
        """Per-EV arrays (lists when ``json_safe``)."""
        data: dict[str, Any] = {}
        for eid, attrs in outputs.items():
            state = self._states.get(eid)
            if state is None:
                raise ModelError(f"get_data for {eid} before its first step")
            out = {}
            for attr in attrs:
                if attr not in OUTPUT_ATTRS:
                    raise ValueError(f"{eid} has no output {attr!r}; outputs: {OUTPUT_ATTRS}")
                value = getattr(state, attr)
                out[attr] = to_wire(value) if self.json_safe else value
            data[eid] = out
        return data

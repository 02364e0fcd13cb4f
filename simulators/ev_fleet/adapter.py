"""mosaik adapter of the EV fleet: one ``Fleet`` entity holds N EVs on array-valued ports.

Each ``Fleet`` has one child ``Segments`` entity whose array ports carry one value per
user segment (plug-ins, plugged EVs, flexibility band); its ``extra_info`` names them.
"""

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
from cosim.seeding import generator
from cosim.timebase import DAY_S, check_time_base, parse_start
from cosim.wire import to_wire
from simulators.ev_fleet.ageing import AgeingParams
from simulators.ev_fleet.climate import ClimateParams
from simulators.ev_fleet.flex import SegmentState
from simulators.ev_fleet.mixed import MixedFleet
from simulators.ev_fleet.model import FleetState
from simulators.ev_fleet.segments import Segment, make_segment
from simulators.ev_fleet.visitors import VisitorParams

__all__ = [
    "META",
    "OUTPUT_ATTRS",
    "SEGMENT_ATTRS",
    "EVFleetSim",
    "start_day_of_year",
    "week_offset_s",
]

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
    "opt_out",
    "capacity_fade",
)
#: per-segment outputs of the child ``Segments`` entity
SEGMENT_ATTRS: tuple[str, ...] = (
    "n_plugins",
    "n_plugged",
    "p_flex_max_kw",
    "p_flex_min_kw",
    "e_flex_need_kwh",
)
_PARAMS = [
    "segments",
    "charger_bus",
    "n_public",
    "visitors",
    "climate",
    "ageing",
    "warm_start_weeks",
]
#: default spin-up before t = 0 (``simulators.ev_fleet.warm_start``) [weeks]
WARM_START_WEEKS = 3

META: dict[str, Any] = {
    "api_version": "3.0",
    "type": "time-based",
    "models": {
        "Fleet": {
            "public": True,
            "params": _PARAMS,
            "attrs": attr_names(*OUTPUT_ATTRS, "p_batt_kw"),
        },
        "Segments": {"public": False, "params": [], "attrs": attr_names(*SEGMENT_ATTRS)},
    },
}


def week_offset_s(start: str) -> int:
    """Seconds from local Monday 00:00 to the scenario ``start`` (ISO 8601 with offset).

    >>> week_offset_s("2016-06-07T06:30:00+02:00")  # a Tuesday
    109800
    """
    t = parse_start(start)
    return t.weekday() * DAY_S + t.hour * 3600 + t.minute * 60 + t.second


def start_day_of_year(start: str) -> float:
    """Days from local 1 January 00:00 to the scenario ``start`` [d].

    >>> start_day_of_year("2016-01-02T12:00:00+01:00")
    1.5
    """
    t = parse_start(start)
    return t.timetuple().tm_yday - 1 + (t.hour * 3600 + t.minute * 60 + t.second) / DAY_S


def _sum_sources(sources: dict[str, Any], n: int, eid: str, attr: str) -> NDArray[np.float64]:
    total: NDArray[np.float64] | None = None
    for src, value in sources.items():
        arr = np.asarray(value, dtype=float).reshape(-1)
        if arr.shape != (n,):
            raise ModelError(
                f"{eid}.{attr} from {src} has {arr.size} values for {n} EVs; connect a "
                "charger bank created with one charger per EV"
            )
        if not np.isfinite(arr).all():  # rare: skip the NaN scan's copy otherwise
            arr = np.nan_to_num(arr, nan=0.0)
        total = arr + 0.0 if total is None else total + arr
    return np.zeros(n) if total is None else total


def _segments_from(specs: list[dict[str, Any]]) -> list[Segment]:
    """Segments from their specs: ``kind``, ``n_ev`` and :class:`FleetParams` overrides."""
    out = []
    for i, spec in enumerate(specs):
        spec = dict(spec)
        if "kind" not in spec or "n_ev" not in spec:
            raise ValueError(
                f"segments[{i}] = {spec} needs 'kind' and 'n_ev', e.g. "
                "{'kind': 'home_commuter', 'n_ev': 10}"
            )
        kind = spec.pop("kind")
        out.append(make_segment(kind, int(spec.pop("n_ev")), **spec))
    return out


class EVFleetSim(mosaik_api_v3.Simulator):
    """mosaik simulator of EV fleets (model ``Fleet``, child ``Segments``).

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
        self._start_doy = 0.0
        self._rng: np.random.Generator = generator(0)
        self._models: dict[str, MixedFleet] = {}
        self._states: dict[str, tuple[FleetState, SegmentState]] = {}
        self._children: dict[str, str] = {}

    def init(  # type: ignore[override]  # explicit keyword-only parameters
        self,
        sid: str,
        time_resolution: float = 1.0,
        *,
        step_s: int = 900,
        step_size: int | None = None,
        start: str = "2016-06-06T00:00:00+02:00",
        seed: list[int] | int = 0,
    ) -> Meta:
        """Set the time base and the seed; ``start`` fixes the weekday and season of t = 0."""
        step_s = check_time_base("ev_fleet", time_resolution, step_s, step_size=step_size)
        self.step_s = int(step_s)
        self._week_offset_s = week_offset_s(start)
        self._start_doy = start_day_of_year(start)
        self._rng = generator(seed)
        return self.meta

    def create(self, num: int, model: str, **params: Any) -> list[CreateResult]:
        """Create ``num`` fleets.

        Parameters (keywords): ``segments`` (list of dicts with ``kind``, ``n_ev`` and any
        :class:`FleetParams` field; ``schedule`` as a dict); ``n_public`` public chargers with
        ``visitors`` (:class:`VisitorParams` fields); ``climate`` (dict of
        :class:`ClimateParams` fields, ``False`` for no seasonal effect); ``ageing`` (dict
        of :class:`AgeingParams` fields, ``False`` for no ageing); ``warm_start_weeks``
        (spin-up of the behaviour model before t = 0, default 3; 0: all EVs decide at
        t = 0 from ``soc_init``); ``charger_bus``: the bus of each EV's charger, for the
        record.
        """
        if model != "Fleet":
            raise ValueError(f"unknown model {model!r}; ev_fleet offers 'Fleet'")
        return [self._create_one(dict(params)) for _ in range(num)]

    def _create_one(self, params: dict[str, Any]) -> CreateResult:
        bus = params.pop("charger_bus", None)
        n_public = int(params.pop("n_public", 0) or 0)
        visitors = VisitorParams(**(params.pop("visitors", None) or {}))
        climate_p = params.pop("climate", None)
        ageing_p = params.pop("ageing", None)
        warm = params.pop("warm_start_weeks", None)
        warm = WARM_START_WEEKS if warm is None else int(warm)
        if warm < 0:
            raise ValueError(f"warm_start_weeks={warm} must be >= 0 (0: no spin-up)")
        segments = _segments_from(params.pop("segments", None) or [])
        if params:
            raise ValueError(f"unknown Fleet parameter(s) {sorted(params)}; valid: {_PARAMS}")
        eid = f"Fleet_{len(self._models)}"
        fleet = MixedFleet(
            segments,
            self._rng.spawn(1)[0],
            n_public=n_public,
            visitors=visitors,
            step_s=self.step_s,
            week_offset_s=self._week_offset_s,
            climate=None if climate_p is False else ClimateParams(**(climate_p or {})),
            start_doy=self._start_doy,
            ageing=None if ageing_p is False else AgeingParams(**(ageing_p or {})),
            warm_start_weeks=warm,
        )
        self._models[eid] = fleet
        child = f"{eid}_segments"
        self._children[child] = eid
        return {
            "eid": eid,
            "type": "Fleet",
            "extra_info": self._info(fleet, bus),
            "children": [
                {
                    "eid": child,
                    "type": "Segments",
                    "rel": [],
                    "extra_info": {
                        "segment_names": fleet.segment_names,
                        "segment_kinds": fleet.segment_kinds,
                    },
                }
            ],
        }

    def _info(self, fleet: MixedFleet, bus: Any) -> dict[str, Any]:
        n, n_p = fleet.n_ev, fleet.n_persistent
        pad = [float("nan")] * (n - n_p)
        info: dict[str, Any] = {
            "ev_ids": [f"ev_{i}" for i in range(n_p)] + [f"visitor_{i}" for i in range(n - n_p)],
            "charger_bus": self._bus(bus, n),
            "segment": [fleet.segment_names[i] for i in fleet.segment_idx],
            "segment_names": fleet.segment_names,
        }
        if fleet.persistent is not None:
            ev = fleet.persistent.ev
            for name in ("capacity_kwh", "p_max_kw", "consumption_kwh_km", "alpha", "soc_target"):
                info[name] = getattr(ev, name).tolist() + pad
            info["soc_min"] = ev.soc_min.tolist() + pad
            # the SoC at t = 0: after the warm start, not the drawn ``soc_init``
            info["soc_init"] = fleet.persistent.soc.tolist() + pad
        return info

    @staticmethod
    def _bus(bus: Any, n_ev: int) -> list[int]:
        if bus is None:
            return [-1] * n_ev
        arr = np.asarray(bus, dtype=np.int64).reshape(-1)
        if arr.size == 1:
            arr = np.repeat(arr, n_ev)
        if arr.size != n_ev:
            raise ValueError(
                f"charger_bus has {arr.size} entries for {n_ev} EVs (persistent EVs, then "
                "public chargers); give one per EV"
            )
        return [int(b) for b in arr]

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
        """Per-EV arrays of ``Fleet``, per-segment arrays of ``Segments`` (lists if json_safe)."""
        data: dict[str, Any] = {}
        for eid, attrs in outputs.items():
            parent = self._children.get(eid, eid)
            states = self._states.get(parent)
            if states is None:
                raise ModelError(f"get_data for {eid} before its first step")
            state: Any = states[0] if parent == eid else states[1]
            valid = OUTPUT_ATTRS if parent == eid else SEGMENT_ATTRS
            out = {}
            for attr in attrs:
                if attr not in valid:
                    raise ValueError(f"{eid} has no output {attr!r}; outputs: {valid}")
                value = getattr(state, attr)
                out[attr] = to_wire(value) if self.json_safe else value
            data[eid] = out
        return data

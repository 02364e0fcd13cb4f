"""mosaik adapter of the EV fleet: one ``Fleet`` entity holds N EVs on array-valued ports.

Each ``Fleet`` has one child ``Segments`` entity whose array ports carry one value per
user segment (plug-ins, plugged EVs, flexibility band); its ``extra_info`` names them.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from mosaik_api_v3.types import CreateResult

from cosim.adapter_base import AdapterBase, ModelPorts, build_meta
from cosim.seeding import generator
from cosim.timebase import DAY_S, parse_start
from simulators.ev_fleet.ageing_params import AgeingParams
from simulators.ev_fleet.choices import MODEL_FLEET, MODEL_SEGMENTS
from simulators.ev_fleet.climate import ClimateParams
from simulators.ev_fleet.mixed import MixedFleet
from simulators.ev_fleet.segments import Segment, make_segment
from simulators.ev_fleet.visitors import VisitorParams

__all__ = [
    "META",
    "MODEL_FLEET",
    "MODEL_SEGMENTS",
    "OUTPUT_ATTRS",
    "PORTS",
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
_PARAMS = (
    "segments",
    "charger_bus",
    "n_public",
    "visitors",
    "climate",
    "ageing",
    "warm_start_weeks",
)
_F64 = np.dtype(np.float64)  # numpy's builtin float64 dtype, that of every float64 array
#: default spin-up before t = 0 (``simulators.ev_fleet.warm_start``) [weeks]
WARM_START_WEEKS = 3

PORTS = {
    # the battery power the chargers delivered (time-shifted), summed over charger banks
    MODEL_FLEET: ModelPorts(
        inputs=("p_batt_kw",),
        outputs=OUTPUT_ATTRS,
        params=_PARAMS,
        senders={"p_batt_kw": "charger bank"},
    ),
    MODEL_SEGMENTS: ModelPorts(outputs=SEGMENT_ATTRS, public=False),
}
META = build_meta(PORTS)


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


class EVFleetSim(AdapterBase):
    """mosaik simulator of EV fleets (model ``Fleet``, child ``Segments``).

    ``init``: ``step_s``, ``start`` (fixes the weekday and season of t = 0) and ``seed``.
    """

    NAME = "ev_fleet"
    PORTS = PORTS
    META = META
    DEFAULT_START = "2016-06-06T00:00:00+02:00"

    def setup(self, **params: Any) -> None:
        """Weekday and day of the year of t = 0; the fleet's random stream."""
        super().setup(**params)
        assert self.start is not None
        start = self.start.isoformat()  # a naive start with its timezone, too
        self._week_offset_s = week_offset_s(start)
        self._start_doy = start_day_of_year(start)
        self._rng = generator(self.seed)
        self._children: dict[str, str] = {}

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
        self.check_model(model)
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
            raise ValueError(f"unknown Fleet parameter(s) {sorted(params)}; valid: {list(_PARAMS)}")
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
        created = self.add_entity(MODEL_FLEET, fleet, extra_info=self._info(fleet, bus))
        eid = created["eid"]
        child = self.add_entity(
            MODEL_SEGMENTS,
            eid=f"{eid}_segments",
            extra_info={
                "segment_names": fleet.segment_names,
                "segment_kinds": fleet.segment_kinds,
            },
        )
        self._children[eid] = child["eid"]
        created["children"] = [{**child, "rel": []}]
        return created

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
        for eid, fleet in self.models.items():
            p = self._battery_power(eid, fleet, inputs.get(eid, {}))
            self.states[eid], self.states[self._children[eid]] = fleet.step(time, p)
        return time + self.step_s

    def _battery_power(self, eid: str, fleet: MixedFleet, attrs: dict[str, Any]) -> Any:
        """The battery power of each EV, summed over the charger banks (0 without any)."""
        src = attrs.get("p_batt_kw")
        if src and len(src) == 1 and fleet.visitors is None:
            value = next(iter(src.values()))
            if (
                type(value) is np.ndarray
                and value.dtype is _F64
                and value.ndim == 1
                and value.size == fleet.n_ev
            ):
                # one bank's array as sent (the fleet only reads it): the sum's copy
                # (NaN -> 0.0, -0.0 -> 0.0) gives the same step. FleetModel's charge kernel
                # takes NaN as 0.0 and either zero as no power, and SoC + (-0.0) differs
                # from SoC + 0.0 only at a SoC of -0.0, which never occurs: SoCs start at
                # +0.0 or above and every update that reaches exactly 0 gives +0.0
                return value
        p = self.fold(eid, attrs, "p_batt_kw", n=fleet.n_ev)
        return np.zeros(fleet.n_ev) if p is None else p

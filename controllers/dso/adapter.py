"""mosaik adapter of the DSO operator: one ``Operator`` entity per grid area and charger bank."""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from typing import Any

import mosaik_api_v3
import numpy as np
from mosaik_api_v3.types import CreateResult, Meta

from cosim.errors import ModelError
from cosim.ports import attr_names
from cosim.timebase import check_time_base, parse_start
from cosim.wire import outputs_from_states

from .market import MarketParams
from .model import OperatorModel, OperatorState
from .policies import DSOParams, Framework
from .topology import build_topology
from .vcc import FLEXPOWER_SCHEDULE

__all__ = ["INPUT_ATTRS", "META", "OUTPUT_ATTRS", "DSOSim"]

log = logging.getLogger(__name__)

#: grid Area (v_pu, bus_id, loadings) and charger bank (p_kw, bus_id), both time-shifted;
#: aggregator p_baseline_kw per zone (time-shifted, summed over sources)
INPUT_ATTRS: tuple[str, ...] = (
    "v_pu",
    "line_loading_pct",
    "trafo_loading_pct",
    "p_kw",
    "bus_id",
    "p_baseline_kw",
)
OUTPUT_ATTRS: tuple[str, ...] = (
    "p_limit_kw",
    "n_congested",
    "n_v_violations",
    "p_curtail_req_kw",
    "flex_requests",
    "congested_mask",
    "headroom_kw",
)
_MARKET_KEYS = tuple(MarketParams.__dataclass_fields__)
_GRID_ATTRS = ("v_pu", "line_loading_pct", "trafo_loading_pct")

META: dict[str, Any] = {
    "api_version": "3.0",
    "type": "time-based",
    "models": {
        "Operator": {
            "public": True,
            "params": [
                "bus_id",
                "line_id",
                "line_from_bus_id",
                "line_to_bus_id",
                "line_max_i_ka",
                "line_vn_kv",
                "trafo_id",
                "trafo_hv_bus_id",
                "trafo_lv_bus_id",
                "trafo_sn_kva",
                "charger_bus_id",
                "charger_p_rated_kw",
                "framework",
                "root_bus_id",
                "line_in_service",
                "zone_names",
                "zone_of_charger",
                "market",
                *sorted(DSOParams.__dataclass_fields__.keys() - {"framework", "schedule"}),
            ],
            "attrs": attr_names(*INPUT_ATTRS, *OUTPUT_ATTRS),
        },
    },
}


class DSOSim(mosaik_api_v3.Simulator):
    """mosaik simulator of the DSO (model ``Operator``).

    Inputs (connect them ``time_shifted=True``): from the grid Area ``v_pu``,
    ``line_loading_pct``, ``trafo_loading_pct`` (and ``bus_id``, checked); from the charger
    bank ``p_kw`` (summed over sources) and ``bus_id`` (checked); from the aggregator
    ``p_baseline_kw`` per zone (optional, summed over sources). Outputs: ``p_limit_kw``
    per charger (NaN = no limit; the EVSE takes the minimum over sources), ``n_congested``,
    ``n_v_violations``, ``p_curtail_req_kw``; for the market: ``flex_requests`` (list of
    request dicts, empty unless issued at this step; ``market`` framework only); for the
    coordinator (every framework): ``congested_mask`` per charger and ``headroom_kw`` per
    zone (1e6 where unconstrained).

    Parameters
    ----------
    json_safe : bool
        Convert numpy outputs to plain lists/numbers (needed when started over ``cmd``).
    """

    def __init__(self, *, json_safe: bool = False) -> None:
        super().__init__(copy.deepcopy(META))
        self.json_safe = json_safe
        self.step_s = 900
        self.start_sod_s = 0
        self._models: dict[str, OperatorModel] = {}
        self._states: dict[str, OperatorState] = {}

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
        """Set the step and the local start time (schedules use local hours; no randomness)."""
        step_s = check_time_base("dso", time_resolution, step_s, step_size=step_size)
        self.step_s = int(step_s)
        if start is not None:
            t0 = parse_start(start)
            self.start_sod_s = t0.hour * 3600 + t0.minute * 60 + t0.second
        return self.meta

    def create(  # type: ignore[override]  # explicit keyword-only parameters
        self,
        num: int,
        model: str,
        *,
        bus_id: Sequence[int],
        line_id: Sequence[int],
        line_from_bus_id: Sequence[int],
        line_to_bus_id: Sequence[int],
        line_max_i_ka: Sequence[float],
        line_vn_kv: Sequence[float],
        trafo_id: Sequence[int],
        trafo_hv_bus_id: Sequence[int],
        trafo_lv_bus_id: Sequence[int],
        trafo_sn_kva: Sequence[float],
        charger_bus_id: Sequence[int],
        charger_p_rated_kw: float | Sequence[float] = 11.0,
        framework: str = "none",
        root_bus_id: Sequence[int] | None = None,
        line_in_service: Sequence[bool] | None = None,
        zone_names: Sequence[str] | None = None,
        zone_of_charger: Sequence[int] | None = None,
        market: dict[str, Any] | None = None,
        **settings: Any,
    ) -> list[CreateResult]:
        """Create ``num`` operators over one grid and one charger bank.

        The topology params are the grid Area's ``extra_info`` lists (see
        :func:`controllers.dso.topology.grid_params`); ``settings`` are the remaining
        :class:`DSOParams` fields (``loading_limit_pct``, ``v_min_pu``, ``vcc_mode`` ...).
        ``zone_names`` and ``zone_of_charger`` (both or neither) fix the zones, else the
        operator computes the feeder zones; ``market`` holds :class:`MarketParams` fields
        (``price_cap_eur_mwh``, ``request_hour``, ``margin_pct``, ``intraday``,
        ``window_steps``, ``intraday_lead_s``, ``min_request_kw``).
        """
        if model != "Operator":
            raise ValueError(f"unknown model {model!r}; dso offers 'Operator'")
        unknown = sorted(set(settings) - set(DSOParams.__dataclass_fields__) - {"schedule"})
        if unknown:
            raise ValueError(
                f"unknown DSO setting(s) {unknown}; valid: "
                f"{sorted(set(DSOParams.__dataclass_fields__) - {'schedule'})}"
            )
        params = DSOParams(framework=framework, **settings)  # type: ignore[arg-type]
        bad = sorted(set(market or {}) - set(_MARKET_KEYS))
        if bad:
            raise ValueError(f"unknown DSO market setting(s) {bad}; valid: {list(_MARKET_KEYS)}")
        market_params = MarketParams(**(market or {}))
        topology = build_topology(
            bus_id=bus_id,
            line_id=line_id,
            line_from_bus_id=line_from_bus_id,
            line_to_bus_id=line_to_bus_id,
            line_max_i_ka=line_max_i_ka,
            line_vn_kv=line_vn_kv,
            trafo_id=trafo_id,
            trafo_hv_bus_id=trafo_hv_bus_id,
            trafo_lv_bus_id=trafo_lv_bus_id,
            trafo_sn_kva=trafo_sn_kva,
            root_bus_id=root_bus_id,
            line_in_service=line_in_service,
        )
        created: list[CreateResult] = []
        for _ in range(num):
            eid = f"Operator_{len(self._models)}"
            op = OperatorModel(
                topology,
                charger_bus_id,
                charger_p_rated_kw,
                params=params,
                step_s=self.step_s,
                start_sod_s=self.start_sod_s,
                zone_names=zone_names,
                zone_of_charger=zone_of_charger,
                market=market_params,
                prefix=eid,
            )
            self._models[eid] = op
            created.append({"eid": eid, "type": "Operator", "extra_info": _info(op)})
        return created

    def step(self, time: int, inputs: dict[str, Any], max_advance: int = 0) -> int:
        """Observe, decide the caps for ``[time, time + step_s)`` and count violations."""
        for eid, op in self._models.items():
            attrs = inputs.get(eid, {})
            grid = _grid_inputs(attrs, eid)
            p_kw = _charger_power(attrs, eid, op)
            self._states[eid] = op.step(
                time,
                loading_pct=grid.get("loading_pct"),
                v_pu=grid.get("v_pu"),
                p_kw=p_kw,
                p_baseline_kw=_baseline(attrs, op),
            )
        return time + self.step_s

    def get_data(self, outputs: dict[str, list[str]]) -> dict[str, Any]:
        """``p_limit_kw`` per charger and the operator's counts of the last step."""
        return outputs_from_states(outputs, self._states, OUTPUT_ATTRS, json_safe=self.json_safe)


def _info(op: OperatorModel) -> dict[str, Any]:
    topo, params = op.topology, op.ctx.params
    return {
        "framework": params.framework.value,
        "q_mode_required": params.framework is Framework.GRID_CODE,
        "charger_bus_id": op.charger_bus_id.tolist(),
        "element_kind": topo.element_kind.tolist(),
        "element_id": topo.element_id.tolist(),
        "element_rating_kva": topo.rating_kva.tolist(),
        "n_downstream_chargers": op.ctx.mask.count().tolist(),
        "vcc_schedule": [list(map(float, r)) for r in params.vcc_schedule],
        "flexpower_default": [list(r) for r in FLEXPOWER_SCHEDULE],
        "zone_names": list(op.zones.names),
        "zone_of_charger": op.zones.zone_of_charger.tolist(),
        "zone_buses": [list(b) for b in op.zones.buses],
    }


def _baseline(attrs: dict[str, dict[str, Any]], op: OperatorModel) -> Any:
    """Declared baseline per zone summed over sources (None when not connected)."""
    sources = attrs.get("p_baseline_kw")
    if not sources:
        return None
    total = np.zeros(op.n_zone)
    for src, value in sources.items():
        arr = np.asarray(value, dtype=float).reshape(-1)
        if arr.size != op.n_zone:
            raise ModelError(
                f"p_baseline_kw from {src} has {arr.size} values, the operator has "
                f"{op.n_zone} zones {list(op.zones.names)}; create both with the same zone_names"
            )
        total += arr
    return total


def _grid_inputs(attrs: dict[str, dict[str, Any]], eid: str) -> dict[str, Any]:
    """Loadings (lines then trafos) and voltages from the one grid source."""
    sources = {src for a in _GRID_ATTRS for src in attrs.get(a, {})}
    if not sources:
        return {}
    if len(sources) > 1:
        raise ModelError(f"{eid} gets grid data from {sorted(sources)}; connect one grid Area")
    src = next(iter(sources))
    line = attrs.get("line_loading_pct", {}).get(src, [])
    trafo = attrs.get("trafo_loading_pct", {}).get(src, [])
    out: dict[str, Any] = {}
    if "line_loading_pct" in attrs or "trafo_loading_pct" in attrs:
        out["loading_pct"] = np.concatenate(
            [np.asarray(line, float).reshape(-1), np.asarray(trafo, float).reshape(-1)]
        )
    if "v_pu" in attrs:
        out["v_pu"] = attrs["v_pu"][src]
    return out


def _charger_power(attrs: dict[str, dict[str, Any]], eid: str, op: OperatorModel) -> Any:
    """Charger power summed over sources; each source's ``bus_id`` must match the operator's."""
    sources = attrs.get("p_kw")
    if not sources:
        return None
    bus_ids = attrs.get("bus_id", {})
    total = np.zeros(op.n_charger)
    for src, value in sources.items():
        ids = bus_ids.get(src)
        if ids is not None and not np.array_equal(np.asarray(ids), op.charger_bus_id):
            raise ModelError(
                f"{eid}: charger bus ids from {src} differ from the operator's charger_bus_id; "
                "create the operator with the charger bank's bus_id (same order)"
            )
        arr = np.asarray(value, dtype=float).reshape(-1)
        if arr.size != op.n_charger:
            raise ModelError(
                f"{eid}: p_kw from {src} has {arr.size} values, the operator has "
                f"{op.n_charger} chargers; create it with that bank's bus_id"
            )
        total += arr
    return total

"""mosaik adapter of the DSO operator: one ``Operator`` entity per grid area and charger bank."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from mosaik_api_v3.types import CreateResult

from cosim.adapter_base import AdapterBase, ModelPorts, build_meta
from cosim.errors import ModelError
from cosim.ports_types import Combine

from .detection import element_loadings
from .market import MarketParams
from .model import OperatorModel
from .policies import DSOParams, Framework
from .topology import GRID_INFO_KEYS, build_topology
from .vcc import FLEXPOWER_SCHEDULE

__all__ = [
    "INPUT_ATTRS",
    "META",
    "MODEL_OPERATOR",
    "OUTPUT_ATTRS",
    "PORTS",
    "DSOSim",
]

#: mosaik model names (``world.start(...).<name>``, the ``type`` of created entities)
MODEL_OPERATOR = "Operator"

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

PORTS = {
    MODEL_OPERATOR: ModelPorts(
        inputs=INPUT_ATTRS,
        outputs=OUTPUT_ATTRS,
        params=(
            *GRID_INFO_KEYS,
            "charger_bus_id",
            "charger_p_rated_kw",
            "framework",
            "root_bus_id",
            "line_in_service",
            "zone_names",
            "zone_of_charger",
            "market",
            *sorted(DSOParams.__dataclass_fields__.keys() - {"framework", "schedule"}),
        ),
        senders={**dict.fromkeys(_GRID_ATTRS, "grid Area"), "p_kw": "charger bank"},
    ),
}
META = build_meta(PORTS)
#: the folds of the charger powers and baselines are new arrays at every step (a sum or a
#: copy, not the sender's own under rule ONE), as is the loadings' concatenation: the
#: operator keeps them without copying them again
_NEW_FOLDS = all(
    PORTS[MODEL_OPERATOR].combine_of(name) in (Combine.SUM, Combine.ADD, Combine.MIN)
    for name in ("p_kw", "p_baseline_kw")
)


class DSOSim(AdapterBase):
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

    ``init``: ``step_s`` and ``start`` (schedules use local hours; no randomness).
    """

    NAME = "dso"
    PORTS = PORTS
    META = META

    def __init__(self, *, json_safe: bool = False) -> None:
        super().__init__(json_safe=json_safe)
        #: per operator and charger source, the bus ids last found equal to its own, when
        #: they came read-only: a sender hands out a read-only array to say it keeps it
        #: unchanged (the charger bank sends its frozen params' array at every step), so
        #: the same array is not compared again
        self._buses_ok: dict[tuple[str, str], Any] = {}

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
        self.check_model(model)
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
            eid = f"Operator_{len(self.models)}"
            op = OperatorModel(
                topology,
                charger_bus_id,
                charger_p_rated_kw,
                params=params,
                step_s=self.step_s,
                start_sod_s=self.start_of_day_s,
                zone_names=zone_names,
                zone_of_charger=zone_of_charger,
                market=market_params,
                prefix=eid,
            )
            created.append(self.add_entity(MODEL_OPERATOR, op, eid=eid, extra_info=_info(op)))
        return created

    def step(self, time: int, inputs: dict[str, Any], max_advance: int = 0) -> int:
        """Observe, decide the caps for ``[time, time + step_s)`` and count violations."""
        for eid, op in self.models.items():
            attrs = inputs.get(eid, {})
            self._check_buses(eid, attrs, op)
            self.states[eid] = op.step(
                time,
                loading_pct=element_loadings(
                    op.topology.n_element,
                    self.fold(eid, attrs, "line_loading_pct"),
                    self.fold(eid, attrs, "trafo_loading_pct"),
                    eid,
                ),
                v_pu=self.fold(eid, attrs, "v_pu"),
                # an operator that caps nothing never reads the charger powers
                p_kw=self.fold(eid, attrs, "p_kw", n=op.n_charger) if op.reads_power else None,
                p_baseline_kw=self.fold(eid, attrs, "p_baseline_kw", n=op.n_zone),
                new_arrays=_NEW_FOLDS,
            )
        return time + self.step_s

    def _check_buses(
        self, eid: str, attrs: Mapping[str, Mapping[str, Any]], op: OperatorModel
    ) -> None:
        """Each charger source's ``bus_id`` must be the operator's charger_bus_id."""
        bus_ids = attrs.get("bus_id", {})
        ok = self._buses_ok
        for src in attrs.get("p_kw", {}):
            ids = bus_ids.get(src)
            if ids is None or ids is ok.get((eid, src)):
                continue
            if not np.array_equal(np.asarray(ids), op.charger_bus_id):
                raise ModelError(
                    f"{eid}: charger bus ids from {src} differ from the operator's "
                    "charger_bus_id; create the operator with the charger bank's bus_id "
                    "(same order)"
                )
            if type(ids) is np.ndarray and not ids.flags.writeable:
                ok[eid, src] = ids


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

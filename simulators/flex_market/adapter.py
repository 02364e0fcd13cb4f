"""mosaik adapter of the DSO flexibility market: one ``Market`` entity per scenario."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from mosaik_api_v3.types import CreateResult

from cosim.adapter_base import AdapterBase, ModelPorts, build_meta
from cosim.errors import ModelError
from simulators.flex_market.gates import GateParams
from simulators.flex_market.model import MarketModel, MarketParams
from simulators.flex_market.orders import ClearingRule, Direction
from simulators.flex_market.settlement import SettlementParams
from simulators.flex_market.tenders import TenderOffer, TenderParams

__all__ = ["INPUT_ATTRS", "META", "OUTPUT_ATTRS", "PORTS", "FlexMarketSim"]

log = logging.getLogger(__name__)

INPUT_ATTRS: tuple[str, ...] = ("flex_requests", "flex_bids", "p_baseline_kw", "p_metered_kw")
OUTPUT_ATTRS: tuple[str, ...] = (
    "flex_awards",
    "flex_activations",
    "flex_settlements",
    "p_requested_kw",
    "p_awarded_kw",
    "p_delivered_kw",
    "cost_eur",
    "penalty_eur",
)
MARKET_PARAMS: tuple[str, ...] = (
    "rule",
    "zones",
    "day_ahead_hour",
    "intraday_lead_s",
    "call_off_notice_s",
    "penalty_factor",
    "penalty_eur_mwh",
    "min_bid_kw",
    "min_bid_duration_s",
    "meter_lag_steps",
    "activation_lead_steps",
    "tender",
)

PORTS = {
    # orders concatenated over sources; meter readings summed per meter key
    "Market": ModelPorts(inputs=INPUT_ATTRS, outputs=OUTPUT_ATTRS, params=MARKET_PARAMS),
}
META = build_meta(PORTS, extra_methods=("events",))


def _readings(
    sources: Mapping[str, Any] | None, zones: Sequence[str], attr: str
) -> dict[str, float]:
    """Power per meter key [kW], summed over sources.

    A source sends a dict ``{key: kW}`` or an array with one value per entry of ``zones``.
    """
    total: dict[str, float] = {}
    for src in sorted(sources or {}):
        value = sources[src]  # type: ignore[index]
        if isinstance(value, dict):
            pairs = [(str(k), float(v)) for k, v in value.items()]
        else:
            arr = np.atleast_1d(np.asarray(value, dtype=float))
            if arr.shape != (len(zones),):
                raise ModelError(
                    f"{attr} from {src} has {arr.size} values but the market has "
                    f"{len(zones)} zones {list(zones)}; send a dict {{zone: kW}} or set the "
                    "'zones' parameter to the order of the array"
                )
            pairs = list(zip(zones, arr.tolist(), strict=True))
        for key, kw in pairs:
            if not math.isnan(kw):
                total[key] = total.get(key, 0.0) + kw
    return total


def _tender(spec: Mapping[str, Any] | None) -> tuple[TenderParams | None, list[TenderOffer]]:
    if not spec:
        return None, []
    spec = dict(spec)
    offers = []
    for o in spec.pop("offers", []):
        try:
            offers.append(TenderOffer(**{**o, "direction": Direction(o.get("direction", "down"))}))
        except TypeError as err:
            raise ValueError(
                f"tender offer {o!r}: {err}; keys: id, bidder, zone, p_kw, t_start_s, t_end_s, "
                "availability_eur_kw, utilisation_eur_mwh, direction"
            ) from err
    try:
        params = TenderParams(**spec)
    except TypeError as err:
        raise ValueError(
            f"tender: {err}; allowed keys: min_bid_kw, min_duration_s, "
            "max_availability_eur_kw, need_kw, offers"
        ) from err
    return params, offers


class FlexMarketSim(AdapterBase):
    """mosaik simulator of the local flexibility market (model ``Market``).

    Inputs (all optional): ``flex_requests`` and ``flex_bids`` (lists of order dicts, see
    :mod:`simulators.flex_market.orders`; concatenated over sources), ``p_baseline_kw`` and
    ``p_metered_kw`` (per meter key: a dict ``{"<zone>" or "<bidder>@<zone>": kW}`` or an
    array ordered as the ``zones`` parameter; summed over sources). Outputs: the lists
    ``flex_awards``, ``flex_activations``, ``flex_settlements`` (new this step) and the
    numbers ``p_requested_kw``, ``p_awarded_kw``, ``p_delivered_kw``, ``cost_eur``,
    ``penalty_eur``. Extra method ``events()`` returns every table of the event log.

    ``init``: ``step_s`` and ``start`` (gives local days; the market draws no random
    numbers).
    """

    NAME = "flex_market"
    PORTS = PORTS
    META = META
    DEFAULT_START = "2024-01-01T00:00:00+01:00"

    def __init__(self, *, json_safe: bool = False) -> None:
        super().__init__(json_safe=json_safe)
        self._eid: str | None = None
        self._model: MarketModel | None = None
        self._zones: tuple[str, ...] = ()

    def create(  # type: ignore[override]  # explicit keywords instead of **model_params
        self,
        num: int,
        model: str,
        *,
        rule: str = "pay_as_bid",
        zones: Sequence[str] = (),
        day_ahead_hour: float = 12.0,
        intraday_lead_s: int = 3600,
        call_off_notice_s: int = 0,
        penalty_factor: float = 1.5,
        penalty_eur_mwh: float | None = None,
        min_bid_kw: float = 0.0,
        min_bid_duration_s: int = 0,
        meter_lag_steps: int = 1,
        activation_lead_steps: int = 1,
        tender: Mapping[str, Any] | None = None,
    ) -> list[CreateResult]:
        """Create the market (one per scenario); see :class:`MarketParams` for the fields.

        ``tender`` (optional) holds the long-term tender: ``min_bid_kw``, ``min_duration_s``,
        ``max_availability_eur_kw``, ``need_kw`` ({zone: kW}) and ``offers`` (list of
        :class:`TenderOffer` dicts), evaluated at creation.
        """
        self.check_model(model)
        if num != 1 or self._model is not None:
            raise ValueError("flex_market holds one Market per scenario; create exactly one")
        if rule not in {r.value for r in ClearingRule}:
            raise ValueError(f"rule={rule!r}; allowed: {[r.value for r in ClearingRule]}")
        params = MarketParams(
            rule=ClearingRule(rule),
            gates=GateParams(
                day_ahead_hour=float(day_ahead_hour),
                intraday_lead_s=int(intraday_lead_s),
                call_off_notice_s=int(call_off_notice_s),
                start_tod_s=self.start_of_day_s,
            ),
            settlement=SettlementParams(
                penalty_factor=float(penalty_factor),
                penalty_eur_mwh=None if penalty_eur_mwh is None else float(penalty_eur_mwh),
            ),
            min_bid_kw=float(min_bid_kw),
            min_bid_duration_s=int(min_bid_duration_s),
            step_s=self.step_s,
            meter_lag_steps=int(meter_lag_steps),
            activation_lead_steps=int(activation_lead_steps),
        )
        tender_params, offers = _tender(tender)
        self._model = MarketModel(params, tender=tender_params, tender_offers=offers)
        self._zones = tuple(str(z) for z in zones)
        info = {
            "zones": list(self._zones),
            "rule": params.rule.value,
            "meter_lag_steps": params.meter_lag_steps,
            "contracts": [c.id for c in self._model.contracts],
            "event_tables": list(self._model.log.tables),
        }
        created = self.add_entity("Market", self._model, extra_info=info)
        self._eid = created["eid"]
        return [created]

    def step(self, time: int, inputs: dict[str, Any], max_advance: int = 0) -> int:
        """Receive orders and readings, clear, activate and settle (see :class:`MarketModel`)."""
        if self._model is None or self._eid is None:
            raise ModelError("flex_market step() before create(): create one 'Market' first")
        attrs = inputs.get(self._eid, {})
        self.states[self._eid] = self._model.step(
            time,
            requests=self.fold(self._eid, attrs, "flex_requests") or [],
            bids=self.fold(self._eid, attrs, "flex_bids") or [],
            baseline_kw=_readings(attrs.get("p_baseline_kw"), self._zones, "p_baseline_kw"),
            metered_kw=_readings(attrs.get("p_metered_kw"), self._zones, "p_metered_kw"),
        )
        return time + self.step_s

    def events(self) -> dict[str, dict[str, list[Any]]]:
        """Every event table (requests, bids, clearings, exclusions, awards, activations,
        settlements, tender_offers) as ``{table: {column: values}}``, for ``add_table``."""
        if self._model is None:
            return {}
        return self._model.event_log()

"""mosaik adapter of the DSO flexibility market: one ``Market`` entity per scenario."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from mosaik_api_v3.types import CreateResult

from cosim.adapter_base import AdapterBase, ModelPorts, build_meta
from cosim.errors import ModelError
from cosim.ports_types import Combine
from simulators.flex_market.choices import MODEL_MARKET
from simulators.flex_market.gates import GateParams
from simulators.flex_market.meters import BaselineLatch, MeterMap, MeterReading
from simulators.flex_market.model import MarketModel
from simulators.flex_market.orders import ClearingRule, Direction
from simulators.flex_market.params import MarketParams
from simulators.flex_market.settlement import SettlementParams
from simulators.flex_market.tenders import TenderOffer, TenderParams

__all__ = [
    "INPUT_ATTRS",
    "META",
    "MODEL_MARKET",
    "OUTPUT_ATTRS",
    "PORTS",
    "FlexMarketSim",
]

log = logging.getLogger(__name__)

#: orders (concatenated over sources); the providers' planned power per charger for this step
#: (same step, summed over sources) and the chargers' metered power (one charger bank)
INPUT_ATTRS: tuple[str, ...] = ("flex_requests", "flex_bids", "p_base_kw", "p_kw")
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
    "zone_of_charger",
    "provider_of_charger",
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
    MODEL_MARKET: ModelPorts(
        inputs=INPUT_ATTRS,
        outputs=OUTPUT_ATTRS,
        params=MARKET_PARAMS,
        # the meter map is per charger of one bank
        combine={"p_kw": Combine.ONE},
        senders={"p_kw": "charger bank", "p_base_kw": "aggregator"},
    ),
}
META = build_meta(PORTS, extra_methods=("events",))


def _meter_map(
    zones: Sequence[str],
    zone_of_charger: Sequence[int] | None,
    provider_of_charger: str | Sequence[str] | None,
) -> MeterMap | None:
    if zone_of_charger is None and provider_of_charger is None:
        return None
    if zone_of_charger is None or provider_of_charger is None:
        given = "zone_of_charger" if provider_of_charger is None else "provider_of_charger"
        raise ValueError(
            f"the Market got {given} alone: the meters need both zone_of_charger (zone index "
            "of each charger) and provider_of_charger (bidder name of every charger or of each)"
        )
    return MeterMap(zones, zone_of_charger, provider_of_charger)


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
    :mod:`simulators.flex_market.orders`; concatenated over sources); the chargers' metered
    ``p_kw`` (one charger bank, one value per charger, for the step ``meter_lag_steps``
    before: time-shifted when 1) and the providers' declared baseline ``p_base_kw`` (their
    planned power per charger for the step that starts now, same step; latched until that
    step is metered). The market sums both per provider and zone itself
    (:mod:`simulators.flex_market.meters`, from ``zone_of_charger`` and
    ``provider_of_charger``); the providers report no delivery of their own. Outputs: the lists
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
        self._meters: MeterMap | None = None
        self._latch = BaselineLatch(step_s=900, meter_lag_steps=1)

    def create(  # type: ignore[override]  # explicit keywords instead of **model_params
        self,
        num: int,
        model: str,
        *,
        rule: str = "pay_as_bid",
        zones: Sequence[str] = (),
        zone_of_charger: Sequence[int] | None = None,
        provider_of_charger: str | Sequence[str] | None = None,
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

        The meters: ``zone_of_charger`` (index into ``zones`` of each charger of the metered
        bank, -1: none) and ``provider_of_charger`` (the bidder name, e.g. the aggregator's
        entity id, of every charger or of each; ``""``: none). Without them the market meters
        nothing and every award counts as not delivered.
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
        self._meters = _meter_map(zones, zone_of_charger, provider_of_charger)
        self._latch = BaselineLatch(step_s=self.step_s, meter_lag_steps=params.meter_lag_steps)
        info = {
            "zones": [str(z) for z in zones],
            "meter_keys": list(self._meters.keys) if self._meters else [],
            "rule": params.rule.value,
            "meter_lag_steps": params.meter_lag_steps,
            "contracts": [c.id for c in self._model.contracts],
            "event_tables": list(self._model.log.tables),
        }
        created = self.add_entity(MODEL_MARKET, self._model, extra_info=info)
        self._eid = created["eid"]
        return [created]

    def step(self, time: int, inputs: dict[str, Any], max_advance: int = 0) -> int:
        """Receive orders, the baseline and the meters; clear, activate and settle (see
        :class:`MarketModel`)."""
        if self._model is None or self._eid is None:
            raise ModelError("flex_market step() before create(): create one 'Market' first")
        eid, attrs = self._eid, inputs.get(self._eid, {})
        base = self._per_key(time, attrs, "p_base_kw", latched=True)
        if base is not None:
            self._latch.declare(time, base)
        self.states[eid] = self._model.step(
            time,
            requests=self._orders(eid, attrs, "flex_requests"),
            bids=self._orders(eid, attrs, "flex_bids"),
            baseline_kw=self._latch.due(time),
            metered_kw=self._per_key(time, attrs, "p_kw"),
        )
        return time + self.step_s

    def _orders(self, eid: str, attrs: Mapping[str, Any], name: str) -> list[Any]:
        """Order dicts of input ``name``, concatenated over its sources."""
        sources = attrs.get(name)
        if sources and len(sources) == 1:
            (value,) = sources.values()
            if value is None or (type(value) is list and not value):
                return []  # the usual step: the one source sent no orders
        return self.fold(eid, attrs, name) or []

    def _per_key(
        self, time: int, attrs: Mapping[str, Any], name: str, *, latched: bool = False
    ) -> MeterReading | None:
        """Per-charger input ``name`` summed per meter key when looked up (None: not
        connected). A ``latched`` reading (held past this step) is a copy of the input:
        its sender may reuse the array it sent."""
        sources = attrs.get(name)
        if not sources:
            return None
        meters = self._meters
        if meters is None:
            raise ModelError(
                f"{self._eid}.{name} is connected at t={time} s but the market has no meter "
                "map: create the Market with zone_of_charger and provider_of_charger"
            )
        n = meters.n_chargers
        # one source (every step): its values as sent, since the meters count NaN as 0
        # as the fold would have filled it (the ports' default), and no copy is needed
        if len(sources) == 1:
            (raw,) = sources.values()
        else:
            raw = self.fold(str(self._eid), attrs, name, n=n)
        value = (np.array if latched else np.asarray)(raw, dtype=float)
        if value.ndim != 1:
            value = value.reshape(-1)
        if value.size != n:
            raise ModelError(
                f"{self._eid}.{name} at t={time} s has {value.size} values for {n} chargers (the "
                "meter map's zone_of_charger): connect the bank the map describes"
            )
        return MeterReading(meters, value)

    def events(self) -> dict[str, dict[str, list[Any]]]:
        """Every event table (requests, bids, clearings, exclusions, awards, activations,
        settlements, tender_offers) as ``{table: {column: values}}``, for ``add_table``."""
        if self._model is None:
            return {}
        return self._model.event_log()

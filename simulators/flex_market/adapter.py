"""mosaik adapter of the DSO flexibility market: one ``Market`` entity per scenario."""

from __future__ import annotations

import copy
import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

import mosaik_api_v3
import numpy as np

from cosim.errors import ModelError
from cosim.ports import attr_names
from cosim.timebase import check_time_base, parse_start
from cosim.wire import to_wire
from simulators.flex_market.gates import GateParams
from simulators.flex_market.model import MarketModel, MarketParams, MarketStep
from simulators.flex_market.orders import ClearingRule, Direction
from simulators.flex_market.settlement import SettlementParams
from simulators.flex_market.tenders import TenderOffer, TenderParams

__all__ = ["INPUT_ATTRS", "META", "OUTPUT_ATTRS", "FlexMarketSim"]

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

META: dict[str, Any] = {
    "api_version": "3.0",
    "type": "time-based",
    "models": {
        "Market": {
            "public": True,
            "params": list(MARKET_PARAMS),
            "attrs": attr_names(*INPUT_ATTRS, *OUTPUT_ATTRS),
        },
    },
    "extra_methods": ["events"],
}


def _orders(sources: Mapping[str, Any] | None) -> list[Any]:
    """All orders from every source, concatenated in source-id order (deterministic)."""
    if not sources:
        return []
    out: list[Any] = []
    for src in sorted(sources):
        value = sources[src]
        if value is None:
            continue
        if isinstance(value, dict):
            out.append(value)
        else:
            out.extend(value)
    return out


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


class FlexMarketSim(mosaik_api_v3.Simulator):
    """mosaik simulator of the local flexibility market (model ``Market``).

    Inputs (all optional): ``flex_requests`` and ``flex_bids`` (lists of order dicts, see
    :mod:`simulators.flex_market.orders`; concatenated over sources), ``p_baseline_kw`` and
    ``p_metered_kw`` (per meter key: a dict ``{"<zone>" or "<bidder>@<zone>": kW}`` or an
    array ordered as the ``zones`` parameter; summed over sources). Outputs: the lists
    ``flex_awards``, ``flex_activations``, ``flex_settlements`` (new this step) and the
    numbers ``p_requested_kw``, ``p_awarded_kw``, ``p_delivered_kw``, ``cost_eur``,
    ``penalty_eur``. Extra method ``events()`` returns every table of the event log.

    Parameters
    ----------
    json_safe : bool
        Convert numpy outputs to plain lists/numbers (needed when started over ``cmd``).
    """

    def __init__(self, *, json_safe: bool = False) -> None:
        super().__init__(copy.deepcopy(META))
        self.json_safe = json_safe
        self.step_s = 900
        self._start_tod_s = 0
        self._eid: str | None = None
        self._model: MarketModel | None = None
        self._zones: tuple[str, ...] = ()
        self._state: MarketStep | None = None

    def init(  # type: ignore[override]  # explicit keywords instead of **sim_params
        self,
        sid: str,
        time_resolution: float = 1.0,
        *,
        step_s: int = 900,
        step_size: int | None = None,
        start: str = "2024-01-01T00:00:00+01:00",
        seed: list[int] | int | None = None,
    ) -> dict[str, Any]:
        """Set the step [s] and the scenario start (ISO 8601 with offset; gives local days).

        ``seed`` is accepted for uniformity: the market draws no random numbers.
        """
        step_s = check_time_base("flex_market", time_resolution, step_s, step_size=step_size)
        self.step_s = step_s
        t0 = parse_start(start)
        self._start_tod_s = t0.hour * 3600 + t0.minute * 60 + t0.second
        return dict(self.meta)

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
    ) -> list[dict[str, Any]]:
        """Create the market (one per scenario); see :class:`MarketParams` for the fields.

        ``tender`` (optional) holds the long-term tender: ``min_bid_kw``, ``min_duration_s``,
        ``max_availability_eur_kw``, ``need_kw`` ({zone: kW}) and ``offers`` (list of
        :class:`TenderOffer` dicts), evaluated at creation.
        """
        if model != "Market":
            raise ValueError(f"unknown model {model!r}; flex_market offers 'Market'")
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
                start_tod_s=self._start_tod_s,
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
        self._eid = "Market_0"
        info = {
            "zones": list(self._zones),
            "rule": params.rule.value,
            "meter_lag_steps": params.meter_lag_steps,
            "contracts": [c.id for c in self._model.contracts],
            "event_tables": list(self._model.log.tables),
        }
        return [{"eid": self._eid, "type": "Market", "extra_info": info}]

    def step(self, time: int, inputs: dict[str, Any], max_advance: int = 0) -> int:
        """Receive orders and readings, clear, activate and settle (see :class:`MarketModel`)."""
        if self._model is None or self._eid is None:
            raise ModelError("flex_market step() before create(): create one 'Market' first")
        attrs = inputs.get(self._eid, {})
        self._state = self._model.step(
            time,
            requests=_orders(attrs.get("flex_requests")),
            bids=_orders(attrs.get("flex_bids")),
            baseline_kw=_readings(attrs.get("p_baseline_kw"), self._zones, "p_baseline_kw"),
            metered_kw=_readings(attrs.get("p_metered_kw"), self._zones, "p_metered_kw"),
        )
        return time + self.step_s

    def get_data(self, outputs: dict[str, list[str]]) -> dict[str, Any]:
        """Orders issued in the last step and the market's running totals."""
        data: dict[str, Any] = {}
        for eid, attrs in outputs.items():
            if eid != self._eid:
                raise ValueError(f"unknown entity {eid!r}; the market entity is {self._eid!r}")
            if self._state is None:
                raise ModelError(f"get_data for {eid} before its first step")
            out = {}
            for attr in attrs:
                if attr not in OUTPUT_ATTRS:
                    raise ValueError(f"{eid} has no output {attr!r}; outputs: {OUTPUT_ATTRS}")
                value = getattr(self._state, attr)
                out[attr] = to_wire(value) if self.json_safe else value
            data[eid] = out
        return data

    def events(self) -> dict[str, dict[str, list[Any]]]:
        """Every event table (requests, bids, clearings, exclusions, awards, activations,
        settlements, tender_offers) as ``{table: {column: values}}``, for ``add_table``."""
        if self._model is None:
            return {}
        return self._model.event_log()

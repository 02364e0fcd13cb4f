"""mosaik adapter of the aggregator: one ``Aggregator`` entity controls one charger bank."""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from typing import Any

import mosaik_api_v3
import numpy as np
from mosaik_api_v3.types import CreateResult, Meta
from numpy.typing import NDArray

from controllers.aggregator.afrr import service_provisions
from controllers.aggregator.availability import BaseShape
from controllers.aggregator.declared import DeclaredValues
from controllers.aggregator.policy import (
    DEFAULT_EFFICIENCY,
    FleetObservation,
    Policy,
    Setpoints,
    to_charger_levels,
)
from controllers.aggregator.registry import make_policy
from controllers.aggregator.services import (
    FleetServices,
    ServiceOutputs,
    collect_orders,
    sum_metered_kw,
    zone_layout,
)
from cosim.errors import ModelError
from cosim.ports import attr_names
from cosim.seeding import generator
from cosim.timebase import check_time_base, parse_start
from cosim.wire import to_wire

__all__ = ["EV_INPUTS", "META", "OUTPUT_ATTRS", "AggregatorSim"]

log = logging.getLogger(__name__)

#: per-EV state from one fleet (same step); the first six are required
EV_INPUTS: tuple[str, ...] = (
    "plugged",
    "soc",
    "e_need_kwh",
    "departure_s",
    "p_max_kw",
    "charger_idx",
    "e_capacity_kwh",
    "soc_min",
    "soc_target",
    "opt_out",
)
_EV_REQUIRED = EV_INPUTS[:6]
#: from a tariff (same step) and the grid Area (time-shifted), all optional
SIGNAL_INPUTS: tuple[str, ...] = (
    "price_eur_mwh",
    "price_forecast_eur_mwh",
    "period",
    "p_load_bg_kw",
    "p_gen_bg_kw",
)
#: flexibility services: the bank's metered p_kw (time-shifted) and the market's orders
SERVICE_INPUTS: tuple[str, ...] = ("p_kw", "flex_activations", "flex_awards")
SERVICE_OUTPUTS: tuple[str, ...] = (
    "p_base_kw",
    "p_up_kw",
    "p_down_kw",
    "fcr_band_kw",
    "fcr_capacity_kw",
    "afrr_band_kw",
    "afrr_capacity_kw",
    "flex_bids",
    "p_baseline_kw",
    "p_metered_kw",
)
OUTPUT_ATTRS: tuple[str, ...] = ("p_set_kw", "p_plan_kw", "e_flex_kwh", *SERVICE_OUTPUTS)
#: baseline shape the FCR forecast assumes for each policy (others: even)
_FORECAST_SHAPE = {"uncontrolled": BaseShape.ASAP}

META: dict[str, Any] = {
    "api_version": "3.0",
    "type": "time-based",
    "models": {
        "Aggregator": {
            "public": True,
            "params": [
                "policy",
                "policy_params",
                "n_chargers",
                "p_rated_kw",
                "efficiency",
                "bidirectional",
                "flat_price_eur_mwh",
                "plan_steps",
                "p_step_kw",
                "p_min_kw",
                "zone_names",
                "zone_of_charger",
                "fcr",
                "afrr",
                "flex",
                "avoid_double_claims",
                "declared",
            ],
            "attrs": attr_names(*EV_INPUTS, *SIGNAL_INPUTS, *SERVICE_INPUTS, *OUTPUT_ATTRS),
        },
    },
}


def _per_charger(value: Any, n: int, name: str) -> NDArray[Any]:
    arr = np.asarray(value)
    if arr.ndim == 0:
        arr = np.full(n, arr.item())
    if arr.shape != (n,):
        raise ValueError(f"aggregator {name} has {arr.size} values for n_chargers={n}")
    return arr


def _one(sources: dict[str, Any], eid: str, attr: str) -> Any:
    if len(sources) != 1:
        raise ModelError(
            f"{eid}.{attr} is connected to {len(sources)} sources ({sorted(sources)}); "
            "connect exactly one fleet and at most one tariff per aggregator"
        )
    return next(iter(sources.values()))


class _Entity:
    """One aggregator: its policy, charger parameters and last decision."""

    def __init__(
        self,
        policy_name: str,
        policy: Policy,
        chargers: dict[str, NDArray[Any]],
        services: FleetServices,
    ):
        self.policy_name = policy_name
        self.policy = policy
        self.chargers = chargers
        self.services = services
        self.last: Setpoints | None = None  # the policy's decision
        self.p_set_kw: NDArray[np.float64] = np.zeros(0)  # its setpoints as sent
        self.out: ServiceOutputs | None = None


class AggregatorSim(mosaik_api_v3.Simulator):
    """mosaik simulator of fleet aggregators (model ``Aggregator``).

    Inputs: the fleet's per-EV state (required: ``plugged, soc, e_need_kwh, departure_s,
    p_max_kw, charger_idx``; optional: ``e_capacity_kwh, soc_min, soc_target, opt_out``),
    optionally a tariff's ``price_eur_mwh``/``price_forecast_eur_mwh``/``period`` (none: a
    flat ``flat_price_eur_mwh``) and the grid Area's ``p_load_bg_kw``/``p_gen_bg_kw``
    (time-shifted; summed over sources; needed by ``valley_filling`` only). Outputs:
    ``p_set_kw`` per charger (NaN = uncontrolled), ``p_plan_kw`` (aggregate plan over
    ``plan_steps`` steps, zero-padded) and ``e_flex_kwh``. The price forecast is read as
    one value per step of this simulator (the tariff's ``forecast_offset_s`` must be
    ``0, step_s, 2 step_s, ...``, as when both share the scenario's ``step_s``).

    Flexibility services: optional inputs ``p_kw`` (the bank's
    metered power per charger, time-shifted), ``flex_awards`` and ``flex_activations``
    (lists of order dicts; this entity's are kept so that offers do not claim the same
    availability twice). Outputs per charger ``p_base_kw`` (the plan: a number everywhere,
    0 at free chargers), ``p_up_kw``, ``p_down_kw``, ``fcr_band_kw`` (share of the held
    band); scalar ``fcr_capacity_kw`` (band offered for the coming 4-h block, see
    :mod:`controllers.aggregator.services` for the timing); ``afrr_band_kw`` and
    ``afrr_capacity_kw`` the same for aFRR (from the room FCR leaves); ``flex_bids``
    (list); per zone ``p_baseline_kw`` and ``p_metered_kw`` of the step just metered.

    Parameters
    ----------
    json_safe : bool
        Convert numpy outputs to plain lists/numbers (needed when started over ``cmd``).
    """

    def __init__(self, *, json_safe: bool = False) -> None:
        super().__init__(copy.deepcopy(META))
        self.json_safe = json_safe
        self.step_s = 900
        self.phase_s = 0
        self._entities: dict[str, _Entity] = {}
        self._rng = generator(0)
        self._declared: dict[str, DeclaredValues] = {}
        self._declared_seed = 0

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
        """Set the step length, the local time of day at the start and the seed.

        Each entity's policy gets its own child generator of ``seed`` (in creation order),
        used by policies that draw random numbers (the ToU random start delay).
        """
        step_s = check_time_base("aggregator", time_resolution, step_s, step_size=step_size)
        self.step_s = step_s
        self._rng = generator(0 if seed is None else seed)
        # drivers' declaration errors: their own stream, the policies' draws stay as they were
        self._declared_seed = int(np.random.SeedSequence(seed or 0).generate_state(1)[0])
        if start is not None:
            t0 = parse_start(start)
            self.phase_s = t0.hour * 3600 + t0.minute * 60 + t0.second
        return self.meta

    def create(  # type: ignore[override]  # explicit keyword-only parameters
        self,
        num: int,
        model: str,
        *,
        n_chargers: int,
        policy: str = "uncontrolled",
        policy_params: Mapping[str, Any] | None = None,
        p_rated_kw: float | list[float] = 11.0,
        efficiency: float | list[float] = DEFAULT_EFFICIENCY,
        bidirectional: bool | list[bool] = False,
        flat_price_eur_mwh: float = 0.0,
        plan_steps: int = 96,
        p_step_kw: float | list[float] = 0.0,
        p_min_kw: float | list[float] = 0.0,
        zone_names: list[str] | None = None,
        zone_of_charger: list[int] | None = None,
        fcr: Mapping[str, Any] | None = None,
        afrr: Mapping[str, Any] | None = None,
        flex: Mapping[str, Any] | None = None,
        avoid_double_claims: bool = True,
        declared: Mapping[str, float] | None = None,
    ) -> list[CreateResult]:
        """Create ``num`` aggregators, each controlling a bank of ``n_chargers`` chargers.

        ``p_step_kw`` and ``p_min_kw`` are the chargers' power granularity and minimum
        (IEC 61851 current step and minimum current × phases × phase voltage); charging
        setpoints are raised to the next level the charger can hold.

        Flexibility services: ``zone_names`` and ``zone_of_charger`` locate the chargers
        (default: one zone ``"fleet"`` holding every charger); ``fcr`` (keys of
        :class:`~controllers.aggregator.fcr.FCRProvision`), ``afrr`` (keys of
        :class:`~controllers.aggregator.afrr.AFRRProvision`) and ``flex`` (keys of
        :class:`~controllers.aggregator.flex_offers.FlexProvision`) enable FCR, aFRR offers and
        DSO bids; ``avoid_double_claims=False`` makes the aggregator naive (it offers
        capacity already awarded).
        """
        if model != "Aggregator":
            raise ValueError(f"unknown model {model!r}; aggregator offers 'Aggregator'")
        if not (isinstance(n_chargers, int) and n_chargers >= 1):
            raise ValueError(f"n_chargers={n_chargers!r} must be an integer >= 1")
        if not (isinstance(plan_steps, int) and plan_steps >= 1):
            raise ValueError(f"plan_steps={plan_steps!r} must be an integer >= 1")
        chargers = {
            "p_rated_kw": _per_charger(p_rated_kw, n_chargers, "p_rated_kw").astype(float),
            "efficiency": _per_charger(efficiency, n_chargers, "efficiency").astype(float),
            "bidirectional": _per_charger(bidirectional, n_chargers, "bidirectional").astype(bool),
            "p_step_kw": _per_charger(p_step_kw, n_chargers, "p_step_kw").astype(float),
            "p_min_kw": _per_charger(p_min_kw, n_chargers, "p_min_kw").astype(float),
            "flat_price_eur_mwh": np.array([float(flat_price_eur_mwh)]),
            "plan_steps": np.array([plan_steps]),
        }
        if not ((chargers["efficiency"] > 0) & (chargers["efficiency"] <= 1)).all():
            raise ValueError("aggregator efficiency must be in (0, 1] for every charger")
        if not (chargers["p_rated_kw"] > 0).all():
            raise ValueError("aggregator p_rated_kw must be > 0 kW for every charger")
        names, zones = zone_layout(zone_names, zone_of_charger, n_chargers)
        fcr_p, afrr_p, flex_p, v2g = service_provisions(fcr, afrr, flex, policy_params)
        created: list[CreateResult] = []
        for _ in range(num):
            eid = f"Aggregator_{len(self._entities)}"
            pol = make_policy(policy, policy_params, rng=self._rng.spawn(1)[0])
            services = FleetServices(
                bidder=eid,
                zone_names=names,
                zone_of_charger=zones,
                fcr=fcr_p,
                afrr=afrr_p,
                flex=flex_p,
                avoid_double_claims=bool(avoid_double_claims),
                v2g=v2g,
                step_s=self.step_s,
                phase_s=self.phase_s,
                forecast_shape=_FORECAST_SHAPE.get(policy, BaseShape.EVEN),
            )
            self._entities[eid] = _Entity(policy, pol, chargers, services)
            # controllers see declared departure and need (keys of DeclaredValues)
            self._declared[eid] = DeclaredValues(**dict(declared or {}), seed=self._declared_seed)
            info = {
                "policy": policy,
                "policy_params": dict(policy_params or {}),
                "charger_ids": [f"evse_{i}" for i in range(n_chargers)],
                "bidirectional": chargers["bidirectional"].tolist(),
                "plan_offset_s": [k * self.step_s for k in range(plan_steps)],
                "zone_names": names,
                "zone_of_charger": zones.tolist(),
                "fcr_enabled": fcr_p.enabled,
                "flex_enabled": flex_p.enabled,
                "v2g": v2g,
                "avoid_double_claims": bool(avoid_double_claims),
            }
            created.append({"eid": eid, "type": "Aggregator", "extra_info": info})
        return created

    def step(self, time: int, inputs: dict[str, Any], max_advance: int = 0) -> int:
        """Observe, let each policy decide, keep the setpoints for ``get_data``."""
        for eid, ent in self._entities.items():
            attrs = inputs.get(eid, {})
            obs = self._declared[eid].apply(self._observe(time, eid, ent, attrs))
            decision = ent.policy.decide(obs)
            chg = ent.chargers
            p_set = to_charger_levels(
                ent.services.shape_setpoints(obs, decision.p_set_kw),
                chg["p_step_kw"],
                chg["p_min_kw"],
                chg["p_rated_kw"],
            )
            ent.last, ent.p_set_kw = decision, p_set
            metered = attrs.get("p_kw")
            ent.out = ent.services.step(
                obs,
                p_set,
                p_metered_kw=sum_metered_kw(metered, obs.n_chargers, eid) if metered else None,
                orders=collect_orders(attrs.get("flex_awards"), attrs.get("flex_activations")),
            )
            for note in ent.out.notes:
                log.info("%s: %s", eid, note)
        return time + self.step_s

    def _observe(
        self, time: int, eid: str, ent: _Entity, attrs: dict[str, dict[str, Any]]
    ) -> FleetObservation:
        ev = {a: np.asarray(_one(attrs[a], eid, a)) for a in EV_INPUTS if attrs.get(a)}
        missing = [a for a in _EV_REQUIRED if a not in ev]
        if "plugged" not in ev:
            ev = {"plugged": np.zeros(0, dtype=bool)}
            missing = []
        if missing:
            raise ModelError(
                f"{eid} at t={time} s has no input {', '.join(missing)}: connect the fleet's "
                f"{', '.join(_EV_REQUIRED)} to the aggregator"
            )
        n_ev = ev["plugged"].size
        zeros = np.zeros(n_ev)
        chg = ent.chargers
        flat = float(chg["flat_price_eur_mwh"][0])
        price = _one(attrs["price_eur_mwh"], eid, "price") if attrs.get("price_eur_mwh") else flat
        fc = attrs.get("price_forecast_eur_mwh")
        forecast = np.asarray(_one(fc, eid, "forecast"), float) if fc else np.array([price])
        period = _one(attrs["period"], eid, "period") if attrs.get("period") else None
        return FleetObservation(
            time_s=int(time),
            step_s=self.step_s,
            plugged=ev["plugged"].astype(bool),
            soc=ev.get("soc", zeros).astype(float),
            e_need_kwh=ev.get("e_need_kwh", zeros).astype(float),
            e_capacity_kwh=ev.get("e_capacity_kwh", zeros).astype(float),
            departure_s=ev.get("departure_s", zeros - 1).astype(np.int64),
            p_max_kw=ev.get("p_max_kw", zeros).astype(float),
            soc_min=ev.get("soc_min", zeros).astype(float),
            soc_target=ev.get("soc_target", zeros + 1).astype(float),
            opt_out=ev.get("opt_out", zeros).astype(bool),
            charger_idx=ev.get("charger_idx", zeros - 1).astype(np.int64),
            p_rated_kw=chg["p_rated_kw"],
            efficiency=chg["efficiency"],
            bidirectional=chg["bidirectional"],
            price_eur_mwh=float(price),
            price_forecast_eur_mwh=forecast.reshape(-1),
            period=None if period is None else int(period),
            p_load_bg_kw=_sum(attrs.get("p_load_bg_kw")),
            p_gen_bg_kw=_sum(attrs.get("p_gen_bg_kw")),
        )

    def get_data(self, outputs: dict[str, list[str]]) -> dict[str, Any]:
        """``p_set_kw`` per charger, ``p_plan_kw`` (``plan_steps`` values), ``e_flex_kwh``."""
        data: dict[str, Any] = {}
        for eid, attrs in outputs.items():
            ent = self._entities.get(eid)
            if ent is None or ent.last is None:
                raise ModelError(f"get_data for {eid} before its first step")
            out = {}
            for attr in attrs:
                if attr == "p_set_kw":
                    value: Any = ent.p_set_kw
                elif attr == "p_plan_kw":
                    value = _fixed(ent.last.p_plan_kw, int(ent.chargers["plan_steps"][0]))
                elif attr == "e_flex_kwh":
                    value = float(ent.last.e_flex_kwh)
                elif attr in SERVICE_OUTPUTS and ent.out is not None:
                    value = getattr(ent.out, attr)
                else:
                    raise ValueError(f"{eid} has no output {attr!r}; outputs: {OUTPUT_ATTRS}")
                out[attr] = to_wire(value) if self.json_safe else value
            data[eid] = out
        return data


def _sum(sources: dict[str, Any] | None) -> float | None:
    if not sources:
        return None
    if len(sources) == 1:
        return float(np.sum(np.asarray(next(iter(sources.values())), dtype=float)))
    return float(sum(np.sum(np.asarray(v, dtype=float)) for v in sources.values()))


def _fixed(values: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    out = np.zeros(n)
    k = min(n, values.size)
    out[:k] = values[:k]
    return out

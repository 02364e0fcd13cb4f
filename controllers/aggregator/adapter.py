"""mosaik adapter of the aggregator: one ``Aggregator`` entity controls one charger bank."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
from mosaik_api_v3.types import CreateResult
from numpy.typing import NDArray

from controllers.aggregator.afrr import service_provisions
from controllers.aggregator.availability import BaseShape
from controllers.aggregator.chargers import BankParams, zone_layout
from controllers.aggregator.declared import DeclaredValues
from controllers.aggregator.observation_columns import BOOL, EV_COLUMNS, column, sent_columns
from controllers.aggregator.outputs import OUTPUT_ATTRS, StepOutputs
from controllers.aggregator.policy import DEFAULT_EFFICIENCY, FleetObservation, Policy
from controllers.aggregator.registry import make_policy
from controllers.aggregator.services import FleetServices
from cosim.adapter_base import AdapterBase, ModelPorts, build_meta
from cosim.adapter_shortcuts import one_sent_array
from cosim.errors import ModelError
from cosim.fold import fold_total
from cosim.ports import port
from cosim.records import frozen_record
from cosim.seeding import generator

__all__ = [
    "EV_INPUTS",
    "META",
    "MODEL_AGGREGATOR",
    "PORTS",
    "AggregatorSim",
]

#: mosaik model names (``world.start(...).<name>``, the ``type`` of created entities)
MODEL_AGGREGATOR = "Aggregator"

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
TARIFF_INPUTS: tuple[str, ...] = ("price_eur_mwh", "price_forecast_eur_mwh", "period")
SIGNAL_INPUTS: tuple[str, ...] = (*TARIFF_INPUTS, "p_load_bg_kw", "p_gen_bg_kw")
#: flexibility services: the bank's metered p_kw (time-shifted) and the market's orders
SERVICE_INPUTS: tuple[str, ...] = ("p_kw", "flex_activations", "flex_awards")
#: baseline shape the FCR forecast assumes for each policy (others: even)
_FORECAST_SHAPE = {"uncontrolled": BaseShape.ASAP}
#: the metered power's value where a source sends NaN (its fold's rule, SUM)
_P_KW_DEFAULT = float(port("p_kw").default)

PORTS = {
    MODEL_AGGREGATOR: ModelPorts(
        inputs=(*EV_INPUTS, *SIGNAL_INPUTS, *SERVICE_INPUTS),
        outputs=OUTPUT_ATTRS,
        params=(
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
        ),
        senders={**dict.fromkeys(EV_INPUTS, "fleet"), **dict.fromkeys(TARIFF_INPUTS, "tariff")},
    ),
}
META = build_meta(PORTS)


class _Entity:
    """One aggregator: its policy, charger parameters and last decision."""

    def __init__(
        self,
        policy: Policy,
        bank: BankParams,
        services: FleetServices,
        declared: DeclaredValues,
        *,
        flat_price_eur_mwh: float,
        plan_steps: int,
    ):
        self.policy = policy
        self.bank = bank
        self.services = services
        self.declared = declared
        #: made once here, its errors never changed: exact declarations leave the
        #: observation as it is (DeclaredValues.apply returns it), so apply is not called
        self.declares = not declared.exact
        #: the bank's size, fixed at creation (the observation's n_chargers)
        self.n_chargers = bank.n
        self.flat_price_eur_mwh = flat_price_eur_mwh
        #: the price forecast without a tariff: the flat price, read-only as it is shared
        self.flat_forecast = np.array([flat_price_eur_mwh])
        self.flat_forecast.setflags(write=False)
        self.plan_steps = plan_steps


class AggregatorSim(AdapterBase):
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

    NAME = "aggregator"
    PORTS = PORTS
    META = META

    def __init__(self, *, json_safe: bool = False) -> None:
        super().__init__(json_safe=json_safe)
        self.setup()

    def setup(self, **params: Any) -> None:
        """Seed the policies and the drivers' declarations from the ``init`` seed.

        Each entity's policy gets its own child generator of ``seed`` (in creation order),
        used by policies that draw random numbers (the ToU random start delay).
        """
        super().setup(**params)
        self._rng = generator(self.seed)
        # drivers' declaration errors: their own stream, the policies' draws stay as they were
        self._declared_seed = int(np.random.SeedSequence(self.seed or 0).generate_state(1)[0])

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
        self.check_model(model)
        if not (isinstance(plan_steps, int) and plan_steps >= 1):
            raise ValueError(f"plan_steps={plan_steps!r} must be an integer >= 1")
        bank = BankParams.per_charger(
            n_chargers,
            p_rated_kw=p_rated_kw,
            efficiency=efficiency,
            bidirectional=bidirectional,
            p_step_kw=p_step_kw,
            p_min_kw=p_min_kw,
        )
        names, zones = zone_layout(zone_names, zone_of_charger, n_chargers)
        fcr_p, afrr_p, flex_p, v2g = service_provisions(fcr, afrr, flex, policy_params)
        info = {
            "policy": policy,
            "policy_params": dict(policy_params or {}),
            "charger_ids": [f"evse_{i}" for i in range(n_chargers)],
            "bidirectional": bank.bidirectional.tolist(),
            "plan_offset_s": [k * self.step_s for k in range(plan_steps)],
            "zone_names": names,
            "zone_of_charger": zones.tolist(),
            "fcr_enabled": fcr_p.enabled,
            "flex_enabled": flex_p.enabled,
            "v2g": v2g,
            "avoid_double_claims": bool(avoid_double_claims),
        }
        created: list[CreateResult] = []
        for _ in range(num):
            eid = f"{MODEL_AGGREGATOR}_{len(self.models)}"
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
                phase_s=self.start_of_day_s,
                forecast_shape=_FORECAST_SHAPE.get(policy, BaseShape.EVEN),
            )
            entity = _Entity(
                make_policy(policy, policy_params, rng=self._rng.spawn(1)[0]),
                bank,
                services,
                # controllers see declared departure and need (keys of DeclaredValues)
                DeclaredValues(**dict(declared or {}), seed=self._declared_seed),
                flat_price_eur_mwh=float(flat_price_eur_mwh),
                plan_steps=plan_steps,
            )
            created.append(self.add_entity(MODEL_AGGREGATOR, entity, eid=eid, extra_info=info))
        return created

    def step(self, time: int, inputs: dict[str, Any], max_advance: int = 0) -> int:
        """Observe, let each policy decide, keep the setpoints for ``get_data``."""
        for eid, ent in self.models.items():
            attrs = inputs.get(eid, {})
            obs = self._observe(time, eid, ent, attrs)
            if ent.declares:
                obs = ent.declared.apply(obs)
            decision = ent.policy.decide(obs)
            n = ent.n_chargers
            p_set, prepared = ent.services.bank_setpoints(
                obs,
                decision.p_set_kw,
                ent.bank,
                one_sent_array(attrs.get("p_kw"), n),  # the kernel applies the fold's rule
                metered_default=_P_KW_DEFAULT,
            )
            # read by the services only when the kernel did not sum it already
            metered = (
                None
                if prepared is not None and prepared.p_metered_kw is not None
                else self.fold(eid, attrs, "p_kw", n=n)
            )
            awards = self.fold(eid, attrs, "flex_awards") or []
            out = ent.services.step(
                obs,
                p_set,
                p_metered_kw=metered,
                orders=awards + (self.fold(eid, attrs, "flex_activations") or []),
                prepared=prepared,
            )
            for note in out.notes:
                log.info("%s: %s", eid, note)
            self.states[eid] = StepOutputs(p_set, decision, ent.plan_steps, out)
        return time + self.step_s

    def _observe(
        self, time: int, eid: str, ent: _Entity, attrs: dict[str, dict[str, Any]]
    ) -> FleetObservation:
        col = sent_columns(attrs)
        if col is None:
            col = self._columns(time, eid, attrs)
        price = self.fold(eid, attrs, "price_eur_mwh")
        forecast = self.fold(eid, attrs, "price_forecast_eur_mwh")
        if forecast is not None:
            forecast = np.asarray(forecast, float).reshape(-1)
        elif price is None:  # no tariff: the flat price's, made once
            forecast = ent.flat_forecast
        else:
            forecast = np.array([price]).reshape(-1)
        price = ent.flat_price_eur_mwh if price is None else price
        period = self.fold(eid, attrs, "period")
        bank = ent.bank
        return frozen_record(
            FleetObservation,
            time_s=int(time),
            step_s=self.step_s,
            **col,
            p_rated_kw=bank.p_rated_kw,
            efficiency=bank.efficiency,
            bidirectional=bank.bidirectional,
            price_eur_mwh=float(price),
            price_forecast_eur_mwh=forecast,
            period=None if period is None else int(period),
            p_load_bg_kw=fold_total(attrs.get("p_load_bg_kw")),
            p_gen_bg_kw=fold_total(attrs.get("p_gen_bg_kw")),
        )

    def _columns(
        self, time: int, eid: str, attrs: dict[str, dict[str, Any]]
    ) -> dict[str, NDArray[Any]]:
        """The observation's per-EV columns, ``plugged`` first (see
        :func:`~controllers.aggregator.observation_columns.column`)."""
        ev = self._ev_inputs(eid, attrs)
        plugged = ev.get("plugged")
        if plugged is None:  # no fleet connected: no EVs
            plugged, ev = np.zeros(0, dtype=bool), {}
        elif missing := [a for a in _EV_REQUIRED if a not in ev]:
            raise ModelError(
                f"{eid} at t={time} s has no input {', '.join(missing)}: connect the fleet's "
                f"{', '.join(_EV_REQUIRED)} to the aggregator"
            )
        n = plugged.size
        col = {"plugged": column(plugged, n, BOOL, False)}
        for name, dtype, fill in EV_COLUMNS:
            col[name] = column(ev.get(name), n, dtype, fill)
        return col

    def _ev_inputs(self, eid: str, attrs: dict[str, dict[str, Any]]) -> dict[str, NDArray[Any]]:
        """The fleet's inputs that are connected, as arrays."""
        ev: dict[str, NDArray[Any]] = {}
        for name in EV_INPUTS:
            value = self.read(eid, attrs, name)  # the inputs' rule is ONE: as sent
            if value is not None:
                ev[name] = value if type(value) is np.ndarray else np.asarray(value)
        return ev

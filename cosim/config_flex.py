"""Config sections for the flexibility frameworks: tariff, aggregator, DSO operator.

Choices are StrEnums whose values equal the names in each controller's own registry table
(a test keeps them in step), so a typo is caught when the file is loaded, before any
simulator starts.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, field_validator, model_validator

__all__ = [
    "LAX",
    "AggregatorConfig",
    "ClearingRule",
    "CoordinationConfig",
    "DSOConfig",
    "EVSEConfig",
    "EfficiencyCurve",
    "Framework",
    "MarketConfig",
    "Policy",
    "QMode",
    "QVCurve",
    "Scheme",
    "StrictSection",
    "TSOConfig",
    "TariffConfig",
    "TariffKind",
    "VCCMode",
]


#: a choice (StrEnum) field accepts its value as a TOML string; every other field is strict
LAX = Strict(False)


class StrictSection(BaseModel):
    """A config table: unknown fields are errors, values are frozen once validated.

    Types are strict, so a TOML value of the wrong type is an error rather than a silent
    conversion: ``true`` is not a number, ``"yes"`` is not a boolean, ``"3"`` is not an
    integer (an integer is still accepted where a float belongs). NaN and infinity are
    refused everywhere. Choice fields are annotated ``Annotated[SomeEnum, LAX]`` to take
    their value from a string.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class QMode(StrEnum):
    NONE = "none"
    COS_PHI = "cos_phi"
    QV = "qv"
    Q_SET = "q_set"
    PV = "pv"


class QVCurve(StrEnum):
    IEEE1547_CAT_A = "ieee1547_cat_a"
    IEEE1547_CAT_B = "ieee1547_cat_b"
    EN50549 = "en50549"
    VDE4110 = "vde4110"


class EfficiencyCurve(StrEnum):
    OBC_TYPICAL = "obc_typical"
    DC_TYPICAL = "dc_typical"


class TariffKind(StrEnum):
    FLAT = "flat"
    TOU = "tou"
    DYNAMIC = "dynamic"
    CAPACITY = "capacity"


class Policy(StrEnum):
    UNCONTROLLED = "uncontrolled"
    TOU_DELAYED = "tou_delayed"
    COST_MIN = "cost_min"
    VALLEY_FILLING = "valley_filling"


class Framework(StrEnum):
    NONE = "none"
    TARIFF = "tariff"
    GRID_CODE = "grid_code"
    INTERRUPTIBLE = "interruptible"
    VCC = "vcc"
    MARKET = "market"


class VCCMode(StrEnum):
    TIME_OF_DAY = "time_of_day"
    FIXED = "fixed"
    DAY_AHEAD = "day_ahead"


#: EVSEConfig fields the scenario turns into per-charger ``phases``/``phase``/``p_rated_kw``
_PHASE_DRAW = {"share_single_phase", "p_rated_single_phase_kw"}


class EVSEConfig(StrictSection):
    """Charge points; the same settings apply to every charger of the run."""

    p_rated_kw: float = Field(11.0, gt=0, le=350)
    s_rated_kva: float | None = Field(
        None, gt=0, le=500, description="default: p_rated_kw; never below it"
    )
    phases: Literal[1, 3] = 3
    bidirectional: bool = False
    efficiency: float | Annotated[EfficiencyCurve, LAX] = Field(
        0.92, description="constant (0.5-1] or a part-load curve: obc_typical, dc_typical"
    )
    ramp_kw_per_s: float | None = Field(None, gt=0, description="default: no ramp limit")
    delay_s: float = Field(0.0, ge=0, le=3600, description="response delay to setpoints")
    current_step_a: float = Field(0.0, ge=0, le=32, description="IEC 61851 current step")
    i_min_a: float = Field(0.0, ge=0, le=32, description="minimum current (IEC 61851: 6 A)")
    q_mode: Annotated[QMode, LAX] = QMode.NONE
    cos_phi: float = Field(1.0, ge=-1, le=1)
    qv_curve: Annotated[QVCurve, LAX] = QVCurve.EN50549
    pq_priority: Literal["p", "q"] = "p"
    qv_loop: Literal["previous_step", "same_step"] = Field(
        "previous_step",
        description="voltage Q(V), P(V) and undervoltage protection act on: the previous "
        "step's, or this step's through a same-time loop with the grid",
    )
    qv_loop_tol: float = Field(
        0.01, gt=0, le=10, description="same_step: converged when no P or Q moves this much"
    )
    qv_loop_max_iter: int = Field(20, ge=1, le=90, description="same_step: re-steps per step")
    uv_protection: bool = Field(True, description="undervoltage trip (EN 50549-1 style)")
    uv_trip_pu: float = Field(0.85, gt=0, lt=1, description="trip below this voltage")
    uv_trip_delay_s: float = Field(0.0, ge=0, le=3600, description="trip delay")
    uv_reconnect_pu: float = Field(0.90, gt=0, le=1.1, description="reconnect at or above")
    uv_reconnect_delay_s: float = Field(60.0, ge=0, le=3600, description="reconnect delay")
    share_single_phase: float | None = Field(
        None,
        ge=0,
        le=1,
        description="share of chargers on one (seeded) grid phase, the others three-phase; "
        "default: every charger has `phases`",
    )
    p_rated_single_phase_kw: float = Field(
        7.4, gt=0, le=7.4, description="rating of the single-phase chargers (32 A x 230 V)"
    )

    @field_validator("efficiency")
    @classmethod
    def _efficiency(cls, value: float | str) -> float | str:
        if isinstance(value, float) and not 0.5 < value <= 1.0:
            raise ValueError("a constant efficiency must be in (0.5, 1]")
        return value

    def create_params(self, **overrides: Any) -> dict[str, Any]:
        """Keyword arguments of the EVSE simulator's ``ChargerBank`` (scalars for all)."""
        params = self.model_dump(mode="json", exclude_none=True, exclude=_PHASE_DRAW)
        if self.ramp_kw_per_s is None:
            params.pop("ramp_kw_per_s", None)
        params.update(overrides)
        return params


class TariffConfig(StrictSection):
    """The price signal EV users pay (``enabled = false``: no tariff simulator)."""

    enabled: bool = False
    kind: Annotated[TariffKind, LAX] = TariffKind.FLAT
    energy_eur_mwh: float = Field(250.0, ge=-1000, le=10_000, description="flat energy price")
    network_eur_mwh: float = Field(0.0, ge=-1000, le=10_000, description="network adder")
    tou: str = Field("fr_hphc", description="ToU preset (fr_hphc, example_3p_seasonal)")
    synthetic: str = Field("de_lu_2023", description="synthetic wholesale preset")
    prices_csv: str = Field("", description="wholesale prices CSV (timestamp, price_eur_mwh)")
    forecast: str = Field("day_ahead", pattern="^(perfect|day_ahead)$")
    capacity: dict[str, Any] = Field(
        default_factory=lambda: {"mode": "peak", "eur_kw_month": 4.0},
        description="capacity charge for kind = 'capacity' (mode subscribed|peak)",
    )

    def create_params(self) -> dict[str, Any]:
        """Keyword arguments of the tariff simulator's ``Tariff`` model."""
        params: dict[str, Any] = {
            "kind": self.kind.value,
            "network_eur_mwh": self.network_eur_mwh,
            "forecast": self.forecast,
        }
        if self.kind in (TariffKind.FLAT, TariffKind.CAPACITY):
            params["energy_eur_mwh"] = self.energy_eur_mwh
        if self.kind is TariffKind.TOU:
            params["tou"] = self.tou
        if self.kind is TariffKind.DYNAMIC:
            if self.prices_csv:
                params["prices_csv"] = self.prices_csv
            else:
                params["synthetic"] = self.synthetic
        if self.kind is TariffKind.CAPACITY:
            params["capacity"] = dict(self.capacity)
        return params


class AggregatorConfig(StrictSection):
    """The fleet's charging controller (``enabled = false``: chargers run uncontrolled)."""

    enabled: bool = False
    policy: Annotated[Policy, LAX] = Policy.UNCONTROLLED
    v2g: bool = Field(False, description="allow discharging on bidirectional chargers")
    horizon_steps: int = Field(96, ge=4, le=2000)
    resolve_every_steps: int = Field(
        16,
        ge=1,
        le=2000,
        description="re-plan an EV at least this often; with a fleet cap or valley filling "
        "the whole fleet is re-solved this often (an event re-plans only the EVs it touches)",
    )
    replan_tol_kwh: float = Field(
        0.5, ge=0, le=100, description="re-plan an EV whose energy drifted this far from plan"
    )
    p_fleet_max_kw: float | None = Field(None, gt=0, description="optional fleet power cap")
    wear_eur_mwh: float = Field(0.0, ge=0, description="battery wear cost of discharging")
    tou_random_delay_s: float = Field(
        600.0,
        ge=0,
        le=86_400,
        description="ToU start delay drawn per session from [0, this] (UK default 600 s)",
    )
    fcr: bool = Field(False, description="offer an FCR band to the TSO")
    fcr_v2g: bool = Field(False, description="FCR band may discharge (V2G)")
    fcr_safety_factor: float = Field(0.8, gt=0, le=1)
    fcr_base_shape: Literal["policy", "even"] = Field(
        "policy", description="'even' spreads each need over the stay, leaving room both ways"
    )
    afrr: bool = Field(False, description="offer an aFRR band from the room FCR leaves")
    afrr_v2g: bool = Field(False, description="aFRR band may discharge (V2G)")
    afrr_share: float = Field(
        0.8, gt=0, le=1, description="share of the symmetric room left after FCR offered as aFRR"
    )
    afrr_min_kw: float = Field(0.0, ge=0, description="aFRR minimum bid size (0: none)")
    afrr_max_kw: float | None = Field(None, gt=0, description="largest aFRR band (default: none)")
    flex: bool = Field(False, description="bid DSO flexibility on the local market")
    flex_price_eur_mwh: float = Field(150.0, ge=0)
    flex_share: float = Field(0.5, gt=0, le=1, description="share of availability offered")
    avoid_double_claims: bool = True
    declared_departure_error_min: float = Field(
        0.0, ge=0, le=1440, description="std of drivers' declared departure error (0: exact)"
    )
    declared_energy_error_pct: float = Field(
        0.0, ge=0, le=100, description="std of drivers' declared energy-need error (0: exact)"
    )

    def services_params(self) -> dict[str, Any]:
        """The FCR and DSO-flexibility settings of the ``Aggregator`` model."""
        return {
            "fcr": {
                "enabled": self.fcr,
                "v2g": self.fcr_v2g,
                "safety_factor": self.fcr_safety_factor,
                "base_shape": self.fcr_base_shape,
            },
            "afrr": {
                "enabled": self.afrr,
                "v2g": self.afrr_v2g,
                "share": self.afrr_share,
                "min_kw": self.afrr_min_kw,
                "max_kw": self.afrr_max_kw,
            },
            "flex": {
                "enabled": self.flex,
                "price_eur_mwh": self.flex_price_eur_mwh,
                "share": self.flex_share,
            },
            "avoid_double_claims": self.avoid_double_claims,
            "declared": {
                "departure_error_s": 60.0 * self.declared_departure_error_min,
                "energy_error_pct": self.declared_energy_error_pct,
            },
        }

    def create_params(self) -> dict[str, Any]:
        policy_params: dict[str, Any] = {}
        if self.policy in (Policy.COST_MIN, Policy.VALLEY_FILLING):
            policy_params = {
                "horizon_steps": self.horizon_steps,
                "resolve_every_steps": self.resolve_every_steps,
                "replan_tol_kwh": self.replan_tol_kwh,
                "v2g": self.v2g,
                "wear_eur_mwh": self.wear_eur_mwh,
                "p_fleet_max_kw": self.p_fleet_max_kw,
            }
        elif self.policy is Policy.TOU_DELAYED:
            policy_params = {"random_delay_s": self.tou_random_delay_s}
        return {"policy": self.policy.value, "policy_params": policy_params}


Schedule = list[Annotated[list[float], Field(min_length=3, max_length=3)]]


class ZoneChoice(StrEnum):
    """How the DSO-TSO study cuts the grid into zones (controllers.dso.zones.ZoneKind)."""

    FEEDER = "feeder"
    AREA = "area"


class DSOConfig(StrictSection):
    """The DSO operator and the value framework it acts through."""

    enabled: bool = False
    framework: Annotated[Framework, LAX] = Framework.NONE
    loading_limit_pct: float = Field(100.0, gt=0, le=300)
    v_min_pu: float = Field(0.9, gt=0.5, lt=1.0)
    v_max_pu: float = Field(1.1, gt=1.0, lt=1.5)
    margin_pct: float = Field(2.0, ge=0, le=50)
    hysteresis_pct: float = Field(10.0, ge=0, le=100)
    release_kw_per_step: float = Field(1.0, gt=0)
    vcc_mode: Annotated[VCCMode, LAX] = VCCMode.TIME_OF_DAY
    vcc_schedule: Schedule = Field(
        default_factory=lambda: [[16.0, 21.0, 0.4], [21.0, 23.0, 0.7]],
        description="[start_h, end_h, fraction of rated power] (FlexPower-like evening cut, "
        "stepped back up so the chargers do not all return to full power at once)",
    )
    vcc_fixed_fraction: float = Field(0.5, ge=0, le=1)
    vcc_threshold_pct: float = Field(80.0, gt=0, le=300)
    vcc_reduced_fraction: float = Field(0.5, ge=0, le=1)
    delay_steps: int = Field(0, ge=0, le=96, description="extra measurement delay (steps)")
    price_cap_eur_mwh: float = Field(400.0, ge=0, description="market requests' price cap")
    request_hour: float = Field(11.0, ge=0, lt=24, description="day-ahead requests issued at")
    request_window_steps: int = Field(4, ge=0, le=96, description="request length (0: merge)")
    intraday_requests: bool = Field(True, description="also request for unforeseen congestion")
    intraday_lead_s: int = Field(
        3600, ge=0, le=86_400, description="a measured congestion's request starts this late"
    )
    request_gate: Literal["market", "call_off"] = Field(
        "market",
        description="market: day-ahead and intraday requests to the short-term market; "
        "call_off: the same requests as call-offs of the tender contracts ([market.tender])",
    )
    zones: Annotated[ZoneChoice, LAX] = Field(
        ZoneChoice.FEEDER, description="zones of the DSO-TSO study: LV feeders or MV/LV areas"
    )

    @model_validator(mode="after")
    def _schedule(self) -> DSOConfig:
        for i, (start_h, end_h, fraction) in enumerate(self.vcc_schedule):
            if not (0 <= start_h <= 24 and 0 <= end_h <= 24 and 0 <= fraction <= 1):
                raise ValueError(
                    f"vcc_schedule[{i}] = {[start_h, end_h, fraction]}: hours must be in "
                    "[0, 24] and the fraction in [0, 1], e.g. [16.5, 19.5, 0.4]"
                )
        if self.request_gate == "call_off" and self.framework is not Framework.MARKET:
            raise ValueError(
                f"request_gate = 'call_off' needs framework = 'market' (got "
                f"{self.framework.value!r}): only the market framework issues requests"
            )
        return self

    def create_params(self) -> dict[str, Any]:
        market = {"price_cap_eur_mwh", "request_hour", "request_window_steps", "intraday_requests"}
        market |= {"intraday_lead_s", "request_gate"}
        params = self.model_dump(mode="json", exclude={"enabled", "zones", *market})
        if self.framework is Framework.MARKET:
            params["market"] = {
                "price_cap_eur_mwh": self.price_cap_eur_mwh,
                "request_hour": self.request_hour,
                "window_steps": self.request_window_steps,
                "intraday": self.intraday_requests,
                "intraday_lead_s": self.intraday_lead_s,
                "call_off": self.request_gate == "call_off",
            }
        return params


class Scheme(StrEnum):
    TSO_FIRST = "tso_first"
    TRAFFIC_LIGHT = "traffic_light"
    COMMON_MARKET = "common_market"


class ClearingRule(StrEnum):
    PAY_AS_BID = "pay_as_bid"
    UNIFORM = "uniform"


class TSOConfig(StrictSection):
    """The TSO's frequency signal and FCR product (``enabled = false``: no TSO)."""

    enabled: bool = False
    frequency: str = Field("ce", description="synthetic preset (ce, ce_no_pattern)")
    frequency_csv: str = Field("", description="measured frequency CSV (timestamp, f_hz)")
    f_step_s: int = Field(10, ge=1, le=900, description="internal frequency resolution")
    fcr_block_prices_eur_mw_h: list[Annotated[float, Field(ge=0)]] = Field(
        default_factory=lambda: [10.0] * 6,
        min_length=6,
        max_length=6,
        description="FCR capacity price of the six 4-h blocks of a day",
    )
    penalty_eur_mwh: float = Field(500.0, ge=0, description="per MWh of FCR shortfall")
    afrr_capacity_price_eur_mw_h: float = Field(5.0, ge=0, description="aFRR capacity price")
    afrr_energy_up_eur_mwh: float = Field(
        100.0, ge=-10_000, le=10_000, description="paid per MWh of upward aFRR (less drawn)"
    )
    afrr_energy_down_eur_mwh: float = Field(
        0.0, ge=-10_000, le=10_000, description="paid per MWh of downward aFRR (<0: pays)"
    )
    afrr_sigma: float = Field(0.35, ge=0, le=2, description="synthetic aFRR setpoint std")
    afrr_tau_s: float = Field(300.0, gt=0, le=86_400, description="its correlation time")
    tolerance: float = Field(0.1, ge=0, le=1, description="shortfall share before a failure")

    def init_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"f_step_s": self.f_step_s}
        if self.frequency_csv:
            params["frequency_csv"] = self.frequency_csv
        else:
            params["frequency"] = self.frequency
        params["afrr_signal"] = {"sigma": self.afrr_sigma, "tau_s": self.afrr_tau_s}
        return params

    def create_params(self) -> dict[str, Any]:
        return {
            "fcr": {"block_prices_eur_mw_h": list(self.fcr_block_prices_eur_mw_h)},
            "afrr": {
                "capacity_price_eur_mw_h": self.afrr_capacity_price_eur_mw_h,
                "energy_up_eur_mwh": self.afrr_energy_up_eur_mwh,
                "energy_down_eur_mwh": self.afrr_energy_down_eur_mwh,
            },
            "settlement": {"penalty_eur_mwh": self.penalty_eur_mwh, "tolerance": self.tolerance},
        }


class MarketConfig(StrictSection):
    """The DSO's local flexibility market (``enabled = false``: no market)."""

    enabled: bool = False
    rule: Annotated[ClearingRule, LAX] = ClearingRule.PAY_AS_BID
    day_ahead_hour: float = Field(12.0, ge=0, lt=24, description="gate closure, day before")
    intraday_lead_s: int = Field(3600, ge=0, le=86_400)
    penalty_factor: float = Field(1.5, ge=0, le=100, description="× price per kWh short")
    min_bid_kw: float = Field(0.0, ge=0, description="entry barrier: smallest bid")
    min_bid_duration_s: int = Field(0, ge=0, description="entry barrier: shortest bid")
    call_off_notice_s: int = Field(
        0, ge=0, le=86_400, description="a tender call-off must arrive this long before"
    )
    tender: dict[str, Any] | None = Field(
        None,
        description="long-term tender: {min_bid_kw, min_duration_s, max_availability_eur_kw,"
        " need_kw, offers: [...]} (see simulators/flex_market/tenders.py)",
    )

    def create_params(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"enabled"}, exclude_none=True)


class CoordinationConfig(StrictSection):
    """Who gets the fleet's flexibility when TSO and DSO both ask (``enabled``: dispatch via
    the coordinator instead of the aggregator's own setpoints)."""

    enabled: bool = False
    scheme: Annotated[Scheme, LAX] = Scheme.TSO_FIRST
    fcr_value_eur_mwh: float = Field(200.0, ge=0, description="value of delivering FCR")
    dso_value_eur_mwh: float = Field(300.0, ge=0, description="value of delivering DSO flex")
    activation_cost_eur_mwh: float = Field(5.0, ge=0)
    overload_penalty_eur_mwh: float = Field(1000.0, ge=0)
    headroom: Literal["measured", "forecast", "perfect"] = Field(
        "measured",
        description="headroom the schemes act on: the DSO's last measurement, its ex-ante "
        "forecast for the coming step, or perfect foresight of the loads (upper bound)",
    )
    headroom_error_pct: float = Field(
        10.0, ge=0, le=100, description="std of the background-load forecast error (forecast)"
    )
    headroom_split: Literal["zone", "element"] = Field(
        "zone",
        description="zone: the DSO's headroom per zone (each element's margin shared by the "
        "zones' baselines); element: each line's and trafo's own margin, shared by the zones' "
        "up-capacity behind it (needs the grid's loadings; series of T x elements)",
    )

    def create_params(self) -> dict[str, Any]:
        params = self.model_dump(mode="json", exclude={"enabled", "headroom", "headroom_split"})
        params["headroom_mode"] = self.headroom
        return params

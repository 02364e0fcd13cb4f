"""Config sections for the flexibility frameworks: tariff, aggregator, DSO operator.

Choices are StrEnums whose values equal the names in each controller's own registry table
(a test keeps them in step), so a typo is caught when the file is loaded, before any
simulator starts.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "AggregatorConfig",
    "DSOConfig",
    "EfficiencyCurve",
    "Framework",
    "Policy",
    "QMode",
    "QVCurve",
    "TariffConfig",
    "TariffKind",
    "VCCMode",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


class VCCMode(StrEnum):
    TIME_OF_DAY = "time_of_day"
    FIXED = "fixed"
    DAY_AHEAD = "day_ahead"


class TariffConfig(_Strict):
    """The price signal EV users pay (``enabled = false``: no tariff simulator)."""

    enabled: bool = False
    kind: TariffKind = TariffKind.FLAT
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


class AggregatorConfig(_Strict):
    """The fleet's charging controller (``enabled = false``: chargers run uncontrolled)."""

    enabled: bool = False
    policy: Policy = Policy.UNCONTROLLED
    v2g: bool = Field(False, description="allow discharging on bidirectional chargers")
    horizon_steps: int = Field(96, ge=4, le=2000)
    resolve_every_steps: int = Field(1, ge=1, le=2000)
    p_fleet_max_kw: float | None = Field(None, gt=0, description="optional fleet power cap")
    wear_eur_mwh: float = Field(0.0, ge=0, description="battery wear cost of discharging")

    def create_params(self) -> dict[str, Any]:
        policy_params: dict[str, Any] = {}
        if self.policy in (Policy.COST_MIN, Policy.VALLEY_FILLING):
            policy_params = {
                "horizon_steps": self.horizon_steps,
                "resolve_every_steps": self.resolve_every_steps,
                "v2g": self.v2g,
                "wear_eur_mwh": self.wear_eur_mwh,
                "p_fleet_max_kw": self.p_fleet_max_kw,
            }
        return {"policy": self.policy.value, "policy_params": policy_params}


Schedule = list[Annotated[list[float], Field(min_length=3, max_length=3)]]


class DSOConfig(_Strict):
    """The DSO operator and the value framework it acts through."""

    enabled: bool = False
    framework: Framework = Framework.NONE
    loading_limit_pct: float = Field(100.0, gt=0, le=300)
    v_min_pu: float = Field(0.9, gt=0.5, lt=1.0)
    v_max_pu: float = Field(1.1, gt=1.0, lt=1.5)
    margin_pct: float = Field(2.0, ge=0, le=50)
    hysteresis_pct: float = Field(10.0, ge=0, le=100)
    release_kw_per_step: float = Field(1.0, gt=0)
    vcc_mode: VCCMode = VCCMode.TIME_OF_DAY
    vcc_schedule: Schedule = Field(
        default_factory=lambda: [[16.5, 19.5, 0.4]],
        description="[start_h, end_h, fraction of rated power] (FlexPower-like evening cut)",
    )
    vcc_fixed_fraction: float = Field(0.5, ge=0, le=1)
    vcc_threshold_pct: float = Field(80.0, gt=0, le=300)
    vcc_reduced_fraction: float = Field(0.5, ge=0, le=1)
    delay_steps: int = Field(0, ge=0, le=96, description="extra measurement delay (steps)")

    @model_validator(mode="after")
    def _schedule(self) -> DSOConfig:
        for i, (start_h, end_h, fraction) in enumerate(self.vcc_schedule):
            if not (0 <= start_h <= 24 and 0 <= end_h <= 24 and 0 <= fraction <= 1):
                raise ValueError(
                    f"vcc_schedule[{i}] = {[start_h, end_h, fraction]}: hours must be in "
                    "[0, 24] and the fraction in [0, 1], e.g. [16.5, 19.5, 0.4]"
                )
        return self

    def create_params(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"enabled"})

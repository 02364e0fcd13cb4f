"""The ``[dso]`` section of a scenario TOML: the DSO operator and the framework it acts through.

``Framework``, ``VCCMode`` and ``ZoneKind`` are the controller's own enums
(:mod:`controllers.dso.choices`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from controllers.dso.choices import Framework, VCCMode, ZoneKind
from cosim.config_section import LAX, StrictSection

__all__ = ["DSOConfig", "Framework", "Schedule", "VCCMode", "ZoneKind"]


Schedule = list[Annotated[list[float], Field(min_length=3, max_length=3)]]


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
    zones: Annotated[ZoneKind, LAX] = Field(
        ZoneKind.FEEDER, description="zones of the DSO-TSO study: LV feeders or MV/LV areas"
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

"""The ``[aggregator]`` section of a scenario TOML: the fleet's charging controller.

``policy`` is a :class:`~controllers.aggregator.choices.PolicyName`, the keys of
:data:`~controllers.aggregator.registry.POLICIES`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from controllers.aggregator.arrivals import RoomForecast
from controllers.aggregator.choices import PolicyName as Policy
from cosim.config_section import LAX, StrictSection

__all__ = ["AggregatorConfig", "Policy"]


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
    fcr_forecast: Annotated[RoomForecast, LAX] = Field(
        RoomForecast.PLUGGED,
        description=(
            "room the FCR and aFRR offers count on: the plugged EVs, or day_ahead: also the "
            "EVs still to arrive, forecast as the room measured one day earlier"
        ),
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
                "forecast": self.fcr_forecast.value,
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

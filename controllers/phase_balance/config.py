"""The ``[phase_balance]`` section of a scenario TOML: the unbalance rule and the control."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from cosim.config_section import StrictSection

__all__ = ["PhaseBalanceConfig"]


class PhaseBalanceConfig(StrictSection):
    """Phase balancing of the chargers: the unbalance rule per connection and the control.

    The defaults of the control fields equal ``PhaseBalanceParams`` (a test keeps them in
    step); ``create_params`` gives the balancer's create() settings.
    """

    enabled: bool = False
    rule: bool = Field(True, description="cap single-phase charging per connection")
    max_unbalance_kva: float = Field(
        4.6, gt=0, le=50, description="unbalance allowed per connection (VDE-AR-N 4100: 4.6)"
    )
    control: bool = Field(True, description="curtail the lowest-voltage phase first")
    v_min_pu: float = Field(0.95, gt=0.5, lt=1.1, description="curtail a phase below this")
    v_release_pu: float = Field(0.96, gt=0.5, lt=1.1, description="release a phase from this")
    gain_kw_per_pu: float = Field(500.0, gt=0, le=1e6, description="shed per p.u. below v_min")
    release_share: float = Field(
        0.1, gt=0, le=1, description="share of the phase's rating given back per step"
    )

    @model_validator(mode="after")
    def _band(self) -> PhaseBalanceConfig:
        if self.v_release_pu < self.v_min_pu:
            raise ValueError(
                f"v_release_pu ({self.v_release_pu:g}) is below v_min_pu ({self.v_min_pu:g}); "
                "set it at or above, e.g. v_min_pu + 0.01"
            )
        return self

    def create_params(self) -> dict[str, Any]:
        """The balancer's settings (``PhaseBalanceParams`` fields)."""
        return self.model_dump(mode="json", exclude={"enabled"})

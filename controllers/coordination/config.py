"""The ``[coordination]`` section of a scenario TOML: who gets the fleet's flexibility.

``headroom`` and ``scheme`` are the controller's own enums:
:class:`~controllers.coordination.choices.HeadroomMode` and
:class:`~controllers.coordination.choices.Scheme`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from controllers.coordination.choices import HeadroomMode, Scheme
from cosim.config_section import LAX, StrictSection

__all__ = ["CoordinationConfig", "HeadroomMode", "Scheme"]


class CoordinationConfig(StrictSection):
    """Who gets the fleet's flexibility when TSO and DSO both ask (``enabled``: dispatch via
    the coordinator instead of the aggregator's own setpoints)."""

    enabled: bool = False
    scheme: Annotated[Scheme, LAX] = Scheme.TSO_FIRST
    fcr_value_eur_mwh: float = Field(200.0, ge=0, description="value of delivering FCR")
    dso_value_eur_mwh: float = Field(300.0, ge=0, description="value of delivering DSO flex")
    activation_cost_eur_mwh: float = Field(5.0, ge=0)
    overload_penalty_eur_mwh: float = Field(1000.0, ge=0)
    headroom: Annotated[HeadroomMode, LAX] = Field(
        HeadroomMode.MEASURED,
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
        params["headroom_mode"] = self.headroom.value
        return params

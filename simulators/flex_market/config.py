"""The ``[market]`` section of a scenario TOML: the DSO's local flexibility market.

``rule`` is the model's own :class:`~simulators.flex_market.orders.ClearingRule`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from cosim.config_section import LAX, StrictSection
from simulators.flex_market.orders import ClearingRule

__all__ = ["ClearingRule", "MarketConfig"]


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

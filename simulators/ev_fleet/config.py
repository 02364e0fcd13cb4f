"""The ``[fleet]`` section of a scenario TOML: home-based EVs and the other segments.

``plugin`` is the model's own :class:`~simulators.ev_fleet.plugin.PluginMode`; the segment
tables are named by :class:`~simulators.ev_fleet.segments.SegmentKind`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from cosim.config_section import LAX, StrictSection
from simulators.ev_fleet.plugin import PluginMode
from simulators.ev_fleet.segments import SegmentKind

__all__ = ["SEGMENT_FIELDS", "SEGMENT_KINDS", "FleetConfig", "PluginMode"]

#: the fields of [fleet] that :meth:`FleetConfig.segment_params` reads
SEGMENT_FIELDS = tuple(
    f"fleet.{name}"
    for name in (
        "alpha",
        "alpha_sigma",
        "rho",
        "battery_kwh",
        "battery_share",
        "p_max_kw",
        "soc_target",
        "soc_min",
        "p_opt_out",
        "plugin",
        "segment",
    )
)

#: the persistent fleet segments (public visitors arrive as sessions)
SEGMENT_KINDS = tuple(str(kind) for kind in SegmentKind if kind is not SegmentKind.PUBLIC_VISITOR)


class FleetConfig(StrictSection):
    """The EV fleet: home-based EVs per household plus EVs and chargers at other buses.

    Home-based EVs (``evs_per_household``) split into home commuters and non-commuters
    (``non_commuter_share``); workplace and company-depot EVs and public chargers with
    visitor sessions sit at non-household LV buses. ``plugin``, ``alpha``,
    ``alpha_sigma``, ``rho``, the vehicle mix, SoC preferences and ``p_opt_out`` apply to
    every segment except ``company_fleet``, which plugs in daily; ``segment.<kind>`` tables
    override any ``FleetParams`` field of one segment (e.g. ``segment.workplace.p_opt_out``).
    """

    evs_per_household: float = Field(0.5, ge=0.0, le=5.0)
    plugin: Annotated[PluginMode, LAX] = PluginMode.NON_SYSTEMATIC
    alpha: float = Field(1.7, gt=0.0, le=20.0, description="plug-in decision exponent")
    alpha_sigma: float = Field(2.5, ge=0.0, le=5.0, description="spread of ln(alpha_i)")
    rho: float = Field(0.5, ge=0.0, le=10.0, description="safety factor on next-trip energy")
    battery_kwh: list[Annotated[float, Field(gt=0, le=300)]] = Field(
        default_factory=lambda: [40.0, 60.0, 77.0]
    )
    battery_share: list[Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=lambda: [0.3, 0.4, 0.3]
    )
    p_max_kw: float = Field(11.0, gt=0, le=350, description="on-board AC charger limit")
    soc_target: float = Field(0.9, gt=0, le=1)
    soc_min: float = Field(0.2, ge=0, lt=1, description="V2G floor")
    p_opt_out: float = Field(0.0, ge=0.0, le=1.0, description="opt-out probability per session")
    non_commuter_share: float = Field(0.0, ge=0.0, le=1.0, description="of home-based EVs")
    workplace_evs: int = Field(0, ge=0, le=100_000, description="EVs charging at work")
    company_evs: int = Field(0, ge=0, le=100_000, description="depot-charged company EVs")
    public_chargers: int = Field(0, ge=0, le=100_000, description="chargers with visitors")
    visitor_sessions_per_day: float = Field(0.8, ge=0.0, le=2.0)
    climate: bool = Field(True, description="seasonal consumption (German climate normals)")
    ageing: bool = Field(True, description="calendar + cycle capacity fade")
    warm_start_weeks: int = Field(
        3, ge=0, le=52, description="weeks of behaviour simulated before t = 0 (steady start)"
    )
    segment: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="per-segment FleetParams overrides"
    )

    @model_validator(mode="after")
    def _mix(self) -> FleetConfig:
        if len(self.battery_kwh) != len(self.battery_share):
            raise ValueError(
                f"battery_kwh has {len(self.battery_kwh)} entries but battery_share has "
                f"{len(self.battery_share)}; give one share per battery size"
            )
        if abs(sum(self.battery_share) - 1.0) > 1e-6:
            raise ValueError(f"battery_share must sum to 1, sums to {sum(self.battery_share):g}")
        if self.soc_min >= self.soc_target:
            raise ValueError(
                f"soc_min ({self.soc_min}) must be below soc_target ({self.soc_target})"
            )
        return self

    @field_validator("segment")
    @classmethod
    def _segment_kinds(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        unknown = sorted(set(value) - set(SEGMENT_KINDS))
        if unknown:
            raise ValueError(f"unknown segment(s) {unknown}; valid: {', '.join(SEGMENT_KINDS)}")
        return value

    def segment_params(self, kind: str) -> dict[str, Any]:  # reads SEGMENT_FIELDS
        """``FleetParams`` overrides of segment ``kind``: the shared fields, then its table.

        Company fleets keep their own plug-in mode and vehicle mix (depots plug in daily).
        """
        params: dict[str, Any] = {
            "alpha": self.alpha,
            "alpha_sigma": self.alpha_sigma,
            "rho": self.rho,
            "battery_kwh": list(self.battery_kwh),
            "battery_share": list(self.battery_share),
            "p_max_kw": self.p_max_kw,
            "soc_target": self.soc_target,
            "soc_min": self.soc_min,
            "p_opt_out": self.p_opt_out,
            "plugin": self.plugin.value,
        }
        if kind == "company_fleet":
            for key in ("plugin", "battery_kwh", "battery_share"):
                params.pop(key)
        params.update(self.segment.get(kind, {}))
        return params

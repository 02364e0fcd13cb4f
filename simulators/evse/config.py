"""The ``[evse]`` section of a scenario TOML: the settings every charger of the run shares.

The efficiency curve names are those of the model's table
(:data:`~simulators.evse.efficiency.EFFICIENCY_CURVES`); ``QMode``, ``PQPriority`` and
``QVCurve`` are the model's own enums (:mod:`simulators.evse.choices`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from cosim.config_section import LAX, StrictSection
from simulators.evse.choices import PQPriority, QMode, QVCurve
from simulators.evse.efficiency import EFFICIENCY_CURVES

__all__ = ["EVSEConfig", "EfficiencyCurve", "PQPriority", "QMode", "QVCurve"]

#: the names of :data:`~simulators.evse.efficiency.EFFICIENCY_CURVES`
EfficiencyCurve = StrEnum(  # type: ignore[misc]  # members from the model table
    "EfficiencyCurve", {name.upper(): name for name in EFFICIENCY_CURVES}
)


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
    pq_priority: Annotated[PQPriority, LAX] = PQPriority.P
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

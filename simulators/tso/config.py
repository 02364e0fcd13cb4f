"""The ``[tso]`` section of a scenario TOML: the TSO's frequency signal, FCR and aFRR."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from cosim.config_section import StrictSection

__all__ = ["TSOConfig"]


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

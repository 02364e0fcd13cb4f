"""The ``[tariff]`` section of a scenario TOML: the price signal EV users pay.

``kind`` is the model's own :class:`~simulators.tariff.params.TariffKind`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from cosim.config_section import LAX, StrictSection
from simulators.tariff.params import TariffKind

__all__ = ["TariffConfig", "TariffKind"]


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

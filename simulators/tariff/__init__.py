"""Tariff simulator: flat, time-of-use, dynamic and capacity-based price signals and bills."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cosim.lazy import attach_stub

if TYPE_CHECKING:  # loaded on first use (cosim.lazy); listed here for type checkers
    from simulators.tariff.adapter import TariffSim
    from simulators.tariff.capacity import CapacityBill, CapacityMode, CapacityParams
    from simulators.tariff.clock import Calendar, LocalClock
    from simulators.tariff.csv_prices import PriceTable, read_price_csv, to_series, write_price_csv
    from simulators.tariff.model import TariffModel
    from simulators.tariff.params import ForecastMode, TariffKind, TariffParams, TariffState
    from simulators.tariff.series import PriceSeries
    from simulators.tariff.synthetic import SyntheticPriceParams, SyntheticPrices, synthetic_params
    from simulators.tariff.tou import TouParams, tou_params

__all__ = [
    "Calendar",
    "CapacityBill",
    "CapacityMode",
    "CapacityParams",
    "ForecastMode",
    "LocalClock",
    "PriceSeries",
    "PriceTable",
    "SyntheticPriceParams",
    "SyntheticPrices",
    "TariffKind",
    "TariffModel",
    "TariffParams",
    "TariffSim",
    "TariffState",
    "TouParams",
    "read_price_csv",
    "synthetic_params",
    "to_series",
    "tou_params",
    "write_price_csv",
]

__getattr__, __dir__ = attach_stub(__name__, __file__)

"""TSO simulator: CE frequency, FCR droop, aFRR setpoints, capacity and delivery settlement."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cosim.lazy import attach_stub

if TYPE_CHECKING:  # loaded on first use (cosim.lazy); listed here for type checkers
    from simulators.tso.adapter import TSOSim
    from simulators.tso.afrr import AFRRParams, AFRRSignalParams, SyntheticAFRR
    from simulators.tso.fcr import BLOCK_S, FCRParams, block_index, fcr_activation
    from simulators.tso.frequency import (
        CE_DFD_HZ,
        FrequencyParams,
        SyntheticFrequency,
        frequency_params,
    )
    from simulators.tso.model import TSOModel, TSOParams, TSOState
    from simulators.tso.noise import AR1
    from simulators.tso.series import StepSeries, read_series_csv, write_series_csv
    from simulators.tso.settlement import (
        Delivery,
        SettlementParams,
        capacity_revenue_eur,
        verify_delivery,
    )
    from simulators.tso.signals import SignalSource, StepSignals

__all__ = [
    "AR1",
    "BLOCK_S",
    "CE_DFD_HZ",
    "AFRRParams",
    "AFRRSignalParams",
    "Delivery",
    "FCRParams",
    "FrequencyParams",
    "SettlementParams",
    "SignalSource",
    "StepSeries",
    "StepSignals",
    "SyntheticAFRR",
    "SyntheticFrequency",
    "TSOModel",
    "TSOParams",
    "TSOSim",
    "TSOState",
    "block_index",
    "capacity_revenue_eur",
    "fcr_activation",
    "frequency_params",
    "read_series_csv",
    "verify_delivery",
    "write_series_csv",
]

__getattr__, __dir__ = attach_stub(__name__, __file__)

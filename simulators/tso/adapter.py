"""mosaik adapter of the TSO: system frequency, FCR/aFRR requests and their settlement."""

from __future__ import annotations

import logging
from dataclasses import fields
from datetime import datetime
from typing import Any

import numpy as np
from mosaik_api_v3.types import CreateResult

from cosim.adapter_base import AdapterBase, ModelPorts, build_meta
from cosim.errors import ModelError
from cosim.fold import fold_total
from cosim.seeding import generator
from simulators.tso.afrr import AFRRParams, AFRRSignalParams, SyntheticAFRR
from simulators.tso.choices import MODEL_TSO
from simulators.tso.fcr import BLOCK_S, FCRParams
from simulators.tso.frequency import SyntheticFrequency, frequency_params
from simulators.tso.model import TSOModel, TSOParams, TSOState
from simulators.tso.series import read_series_csv
from simulators.tso.settlement import SettlementParams
from simulators.tso.signals import SignalSource

__all__ = [
    "INPUT_ATTRS",
    "META",
    "MODEL_TSO",
    "OUTPUT_ATTRS",
    "PORTS",
    "TSOSim",
]

log = logging.getLogger(__name__)

INPUT_ATTRS: tuple[str, ...] = (
    "fcr_capacity_kw",
    "afrr_capacity_kw",
    "p_fcr_delivered_kw",
    "p_afrr_delivered_kw",
)
OUTPUT_ATTRS: tuple[str, ...] = tuple(f.name for f in fields(TSOState))

PORTS = {
    # fcr_capacity_kw / afrr_capacity_kw are inputs (offers) and outputs (latched)
    MODEL_TSO: ModelPorts(
        inputs=INPUT_ATTRS,
        outputs=OUTPUT_ATTRS,
        params=(
            "fcr",
            "afrr",
            "settlement",
            "fcr_capacity_kw",
            "afrr_capacity_kw",
            "delivered_lag_steps",
            "fcr_prices_csv",
        ),
    ),
}
META = build_meta(PORTS)


def _sum_series(sources: dict[str, Any] | None) -> Any:
    """Element-wise sum over sources of scalars or sub-step series [kW], shape and NaN kept
    (a scalar is a step mean, NaN is "not reported": :func:`simulators.tso.settlement`)."""
    if not sources:
        return None
    if len(sources) == 1:
        (value,) = sources.values()
        if type(value) is float:  # the usual step mean: no array to make of it
            return value
    arrays = [np.asarray(v, dtype=float) for v in sources.values()]
    try:
        return arrays[0] if len(arrays) == 1 else np.sum(np.broadcast_arrays(*arrays), axis=0)
    except ValueError as err:
        shapes = [a.shape for a in arrays]
        raise ModelError(f"delivered power sources have mismatching shapes {shapes}") from err


def _dataclass_from(cls: type, spec: dict[str, Any] | None, what: str) -> Any:
    spec = dict(spec or {})
    known = {f.name for f in fields(cls)}
    unknown = set(spec) - known
    if unknown:
        raise ValueError(f"unknown {what} field(s) {sorted(unknown)}; known: {sorted(known)}")
    for key, value in spec.items():
        if isinstance(value, list):
            spec[key] = tuple(value)
    return cls(**spec)


class TSOSim(AdapterBase):
    """mosaik simulator of the TSO side of FCR and aFRR (model ``TSO``, one per provider).

    ``init`` chooses the system signals (shared by every entity): synthetic CE frequency
    (``frequency`` preset/overrides) or ``frequency_csv`` (``timestamp,f_hz``), and a synthetic
    aFRR setpoint (``afrr_signal``) or ``afrr_csv`` (``timestamp,activation``), sampled every
    ``f_step_s`` seconds within each ``step_s`` grid step.

    Parameters
    ----------
    json_safe : bool
        Convert numpy outputs to plain lists/numbers (needed when started over ``cmd``).
    """

    NAME = "tso"
    PORTS = PORTS
    META = META
    DEFAULT_START = "2024-01-01T00:00:00+01:00"

    def __init__(self, *, json_safe: bool = False) -> None:
        super().__init__(json_safe=json_safe)
        self.f_step_s = 10
        self._signals: SignalSource | None = None
        self._sources: dict[str, str] = {}

    @property
    def t0(self) -> datetime:
        """Scenario time 0: ``init``'s ``start`` (default :attr:`DEFAULT_START`)."""
        if self.start is None:
            raise ModelError("the TSO has no start time yet: call init first")
        return self.start

    def setup(  # type: ignore[override]  # explicit keywords instead of **params
        self,
        *,
        f_step_s: int = 10,
        frequency: str | dict[str, Any] | None = None,
        frequency_csv: str | None = None,
        afrr_signal: dict[str, Any] | None = None,
        afrr_csv: str | None = None,
    ) -> None:
        """Set the sub-step [s] and the signal sources (``init`` keywords)."""
        step_s = self.step_s
        if not (isinstance(f_step_s, int) and f_step_s > 0):
            raise ValueError(f"f_step_s={f_step_s!r} must be a positive integer number of seconds")
        if step_s % f_step_s or 900 % f_step_s:
            raise ValueError(
                f"f_step_s={f_step_s} s must divide step_s={step_s} s and 900 s (e.g. 2, 4, 10)"
            )
        if frequency is not None and frequency_csv is not None:
            raise ValueError("give either frequency (synthetic) or frequency_csv, not both")
        if afrr_signal is not None and afrr_csv is not None:
            raise ValueError("give either afrr_signal (synthetic) or afrr_csv, not both")
        self.f_step_s = f_step_s
        f_rng, a_rng = generator(self.seed).spawn(2)
        if frequency_csv is not None:
            f_src: Any = read_series_csv(frequency_csv, column="f_hz", start=self.t0)
            f_nominal, self._sources["frequency"] = 50.0, frequency_csv
        else:
            fparams = frequency_params(frequency)
            f_src = SyntheticFrequency(fparams, f_rng, dt_s=f_step_s, phase_s=self.start_of_day_s)
            f_nominal, self._sources["frequency"] = fparams.f_nominal_hz, "synthetic"
        if afrr_csv is not None:
            a_src: Any = read_series_csv(afrr_csv, column="activation", start=self.t0)
            self._sources["afrr"] = afrr_csv
        else:
            aparams = _dataclass_from(AFRRSignalParams, afrr_signal, "afrr_signal")
            a_src = SyntheticAFRR(aparams, a_rng, dt_s=f_step_s)
            self._sources["afrr"] = "synthetic"
        self._signals = SignalSource(
            frequency=f_src, afrr=a_src, f_step_s=f_step_s, f_nominal_hz=f_nominal
        )

    def create(  # type: ignore[override]  # explicit keywords instead of **model_params
        self,
        num: int,
        model: str,
        *,
        fcr: dict[str, Any] | None = None,
        afrr: dict[str, Any] | None = None,
        settlement: dict[str, Any] | None = None,
        fcr_capacity_kw: float = 0.0,
        afrr_capacity_kw: float = 0.0,
        delivered_lag_steps: int = 1,
        fcr_prices_csv: str | None = None,
    ) -> list[CreateResult]:
        """Create ``num`` provider accounts (see :class:`TSOParams` for the fields).

        ``fcr_prices_csv`` (``timestamp,price_eur_mw_h``) replaces the six block prices.
        """
        self.check_model(model)
        if self._signals is None:
            raise ModelError("create() before init(): call init with start and step_s first")
        params = TSOParams(
            fcr=_dataclass_from(FCRParams, fcr, "fcr"),
            afrr=_dataclass_from(AFRRParams, afrr, "afrr"),
            settlement=_dataclass_from(SettlementParams, settlement, "settlement"),
            fcr_capacity_kw=float(fcr_capacity_kw),
            afrr_capacity_kw=float(afrr_capacity_kw),
            delivered_lag_steps=delivered_lag_steps,
        )
        prices = None
        if fcr_prices_csv is not None:
            prices = read_series_csv(fcr_prices_csv, column="price_eur_mw_h", start=self.t0)
        n_sub = self.step_s // self.f_step_s
        created: list[CreateResult] = []
        for _ in range(num):
            account = TSOModel(
                params,
                step_s=self.step_s,
                f_step_s=self.f_step_s,
                phase_s=self.start_of_day_s,
                fcr_prices=prices,
            )
            info = {
                "f_step_s": self.f_step_s,
                "n_sub": n_sub,
                "sub_offset_s": [k * self.f_step_s for k in range(n_sub)],
                "block_s": BLOCK_S,
                "frequency_source": self._sources["frequency"],
                "afrr_source": self._sources["afrr"],
                "fcr_price_source": fcr_prices_csv or "block_prices",
                "fcr_deadband_hz": params.fcr.deadband_hz,
                "fcr_full_activation_hz": params.fcr.full_activation_hz,
                "fcr_shift_deadband": params.fcr.shift_deadband,
                "delivered_lag_steps": delivered_lag_steps,
            }
            created.append(self.add_entity(MODEL_TSO, account, extra_info=info))
        return created

    def step(self, time: int, inputs: dict[str, Any], max_advance: int = 0) -> int:
        """Draw the step's signals once, then update every provider account."""
        if self._signals is None:
            raise ModelError("step() before init()")
        signals = self._signals.step(time, self.step_s // self.f_step_s)
        for eid, account in self.models.items():
            ins = inputs.get(eid, {})
            # an input not connected (aFRR in an FCR-only run) is None without a call
            fcr_kw, afrr_kw = ins.get("fcr_capacity_kw"), ins.get("afrr_capacity_kw")
            fcr_d, afrr_d = ins.get("p_fcr_delivered_kw"), ins.get("p_afrr_delivered_kw")
            self.states[eid] = account.step(
                signals,
                fcr_capacity_kw=fold_total(fcr_kw) if fcr_kw else None,
                afrr_capacity_kw=fold_total(afrr_kw) if afrr_kw else None,
                p_fcr_delivered_kw=_sum_series(fcr_d) if fcr_d else None,
                p_afrr_delivered_kw=_sum_series(afrr_d) if afrr_d else None,
            )
        return time + self.step_s

"""mosaik adapter of the TSO: system frequency, FCR/aFRR requests and their settlement."""

from __future__ import annotations

import copy
import logging
from dataclasses import fields
from typing import Any

import mosaik_api_v3
import numpy as np

from cosim.errors import ModelError
from cosim.ports import attr_names
from cosim.seeding import generator
from cosim.timebase import check_time_base, parse_start
from cosim.wire import outputs_from_states
from simulators.tso.afrr import AFRRParams, AFRRSignalParams, SyntheticAFRR
from simulators.tso.fcr import BLOCK_S, FCRParams
from simulators.tso.frequency import SyntheticFrequency, frequency_params
from simulators.tso.model import SignalSource, TSOModel, TSOParams, TSOState
from simulators.tso.series import read_series_csv
from simulators.tso.settlement import SettlementParams

__all__ = ["INPUT_ATTRS", "META", "OUTPUT_ATTRS", "TSOSim"]

log = logging.getLogger(__name__)

INPUT_ATTRS: tuple[str, ...] = (
    "fcr_capacity_kw",
    "afrr_capacity_kw",
    "p_fcr_delivered_kw",
    "p_afrr_delivered_kw",
)
OUTPUT_ATTRS: tuple[str, ...] = tuple(f.name for f in fields(TSOState))

META: dict[str, Any] = {
    "api_version": "3.0",
    "type": "time-based",
    "models": {
        "TSO": {
            "public": True,
            "params": [
                "fcr",
                "afrr",
                "settlement",
                "fcr_capacity_kw",
                "afrr_capacity_kw",
                "delivered_lag_steps",
                "fcr_prices_csv",
            ],
            # fcr_capacity_kw / afrr_capacity_kw are inputs (offers) and outputs (latched)
            "attrs": attr_names(*dict.fromkeys((*INPUT_ATTRS, *OUTPUT_ATTRS))),
        },
    },
}


def _sum_scalar(sources: dict[str, Any] | None) -> float | None:
    """Sum over every source and every array element (capacity offers) [kW]."""
    if not sources:
        return None
    return float(sum(np.sum(np.asarray(v, dtype=float)) for v in sources.values()))


def _sum_series(sources: dict[str, Any] | None) -> Any:
    """Element-wise sum over sources of scalars or sub-step series [kW]."""
    if not sources:
        return None
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


class TSOSim(mosaik_api_v3.Simulator):
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

    def __init__(self, *, json_safe: bool = False) -> None:
        super().__init__(copy.deepcopy(META))
        self.json_safe = json_safe
        self.step_s = 900
        self.f_step_s = 10
        self._start: Any = None
        self._phase_s = 0
        self._signals: SignalSource | None = None
        self._sources: dict[str, str] = {}
        self._models: dict[str, TSOModel] = {}
        self._states: dict[str, TSOState] = {}

    def init(  # type: ignore[override]  # explicit keywords instead of **sim_params
        self,
        sid: str,
        time_resolution: float = 1.0,
        *,
        step_s: int = 900,
        step_size: int | None = None,
        start: str = "2024-01-01T00:00:00+01:00",
        seed: list[int] | int | None = None,
        f_step_s: int = 10,
        frequency: str | dict[str, Any] | None = None,
        frequency_csv: str | None = None,
        afrr_signal: dict[str, Any] | None = None,
        afrr_csv: str | None = None,
    ) -> dict[str, Any]:
        """Set the step [s], sub-step [s], scenario start, seed and the signal sources."""
        step_s = check_time_base("tso", time_resolution, step_s, step_size=step_size)
        for name, value in (("step_s", step_s), ("f_step_s", f_step_s)):
            if not (isinstance(value, int) and value > 0):
                raise ValueError(f"{name}={value!r} must be a positive integer number of seconds")
        if step_s % f_step_s or 900 % f_step_s:
            raise ValueError(
                f"f_step_s={f_step_s} s must divide step_s={step_s} s and 900 s (e.g. 2, 4, 10)"
            )
        if frequency is not None and frequency_csv is not None:
            raise ValueError("give either frequency (synthetic) or frequency_csv, not both")
        if afrr_signal is not None and afrr_csv is not None:
            raise ValueError("give either afrr_signal (synthetic) or afrr_csv, not both")
        self.step_s, self.f_step_s = step_s, f_step_s
        self._start = parse_start(start)
        self._phase_s = self._start.hour * 3600 + self._start.minute * 60 + self._start.second
        f_rng, a_rng = generator(0 if seed is None else seed).spawn(2)
        if frequency_csv is not None:
            f_src: Any = read_series_csv(frequency_csv, column="f_hz", start=self._start)
            f_nominal, self._sources["frequency"] = 50.0, frequency_csv
        else:
            fparams = frequency_params(frequency)
            f_src = SyntheticFrequency(fparams, f_rng, dt_s=f_step_s, phase_s=self._phase_s)
            f_nominal, self._sources["frequency"] = fparams.f_nominal_hz, "synthetic"
        if afrr_csv is not None:
            a_src: Any = read_series_csv(afrr_csv, column="activation", start=self._start)
            self._sources["afrr"] = afrr_csv
        else:
            aparams = _dataclass_from(AFRRSignalParams, afrr_signal, "afrr_signal")
            a_src = SyntheticAFRR(aparams, a_rng, dt_s=f_step_s)
            self._sources["afrr"] = "synthetic"
        self._signals = SignalSource(
            frequency=f_src, afrr=a_src, f_step_s=f_step_s, f_nominal_hz=f_nominal
        )
        return dict(self.meta)

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
    ) -> list[dict[str, Any]]:
        """Create ``num`` provider accounts (see :class:`TSOParams` for the fields).

        ``fcr_prices_csv`` (``timestamp,price_eur_mw_h``) replaces the six block prices.
        """
        if model != "TSO":
            raise ValueError(f"unknown model {model!r}; tso offers 'TSO'")
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
            prices = read_series_csv(fcr_prices_csv, column="price_eur_mw_h", start=self._start)
        n_sub = self.step_s // self.f_step_s
        created = []
        for _ in range(num):
            eid = f"TSO_{len(self._models)}"
            self._models[eid] = TSOModel(
                params,
                step_s=self.step_s,
                f_step_s=self.f_step_s,
                phase_s=self._phase_s,
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
            created.append({"eid": eid, "type": "TSO", "extra_info": info})
        return created

    def step(self, time: int, inputs: dict[str, Any], max_advance: int = 0) -> int:
        """Draw the step's signals once, then update every provider account."""
        if self._signals is None:
            raise ModelError("step() before init()")
        signals = self._signals.step(time, self.step_s // self.f_step_s)
        for eid, account in self._models.items():
            ins = inputs.get(eid, {})
            self._states[eid] = account.step(
                signals,
                fcr_capacity_kw=_sum_scalar(ins.get("fcr_capacity_kw")),
                afrr_capacity_kw=_sum_scalar(ins.get("afrr_capacity_kw")),
                p_fcr_delivered_kw=_sum_series(ins.get("p_fcr_delivered_kw")),
                p_afrr_delivered_kw=_sum_series(ins.get("p_afrr_delivered_kw")),
            )
        return time + self.step_s

    def get_data(self, outputs: dict[str, list[str]]) -> dict[str, Any]:
        """Signals, requests and settlement of each requested provider."""
        return outputs_from_states(outputs, self._states, OUTPUT_ATTRS, json_safe=self.json_safe)

"""mosaik adapter of the tariffs: each ``Tariff`` entity quotes prices and bills its site."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from mosaik_api_v3.types import CreateResult

from cosim.adapter_base import AdapterBase, ModelPorts, build_meta
from cosim.errors import ModelError
from cosim.fold import fold_total
from cosim.seeding import generator
from simulators.tariff.capacity import capacity_params
from simulators.tariff.choices import MODEL_TARIFF
from simulators.tariff.clock import LocalClock
from simulators.tariff.csv_prices import read_price_csv, to_series
from simulators.tariff.model import TariffModel
from simulators.tariff.params import TariffKind, TariffParams
from simulators.tariff.series import PriceSeries
from simulators.tariff.synthetic import SyntheticPrices, synthetic_params
from simulators.tariff.tou import TouParams, tou_params

__all__ = [
    "INPUT_ATTRS",
    "META",
    "MODEL_TARIFF",
    "OUTPUT_ATTRS",
    "PORTS",
    "TariffSim",
]

log = logging.getLogger(__name__)

INPUT_ATTRS: tuple[str, ...] = ("p_kw",)
OUTPUT_ATTRS: tuple[str, ...] = (
    "price_eur_mwh",
    "price_forecast_eur_mwh",
    "period",
    "cost_eur",
    "cost_step_eur",
    "cost_capacity_eur",
    "p_peak_kw",
)

PORTS = {
    # p_kw: the site's power, summed over sources and over the elements of array sources
    MODEL_TARIFF: ModelPorts(
        inputs=INPUT_ATTRS,
        outputs=OUTPUT_ATTRS,
        params=(
            "kind",
            "energy_eur_mwh",
            "network_eur_mwh",
            "tou",
            "network_tou",
            "capacity",
            "prices_csv",
            "synthetic",
            "forecast_steps",
            "forecast",
            "publish_hour",
            "p_kw_lag_steps",
        ),
    ),
}
META = build_meta(PORTS)


def _tou_info(tou: TouParams | None) -> dict[str, list[str]] | None:
    return None if tou is None else tou.names


class TariffSim(AdapterBase):
    """mosaik simulator of retail / network tariffs (model ``Tariff``).

    Input ``p_kw`` (optional, summed over sources and array elements, consumer sign) is the
    site's power to bill. Outputs per entity: ``price_eur_mwh``, ``price_forecast_eur_mwh``
    (H values), ``period``, ``cost_eur``, ``cost_step_eur``, ``cost_capacity_eur``,
    ``p_peak_kw``.

    ``init``: ``step_s``, ``start`` (ISO 8601 with offset, or naive with ``timezone``),
    ``seed`` and ``timezone`` (IANA name, e.g. ``"Europe/Paris"``: ToU hours follow daylight
    saving time; ``None`` keeps the fixed UTC offset of ``start``).
    """

    NAME = "tariff"
    PORTS = PORTS
    META = META
    DEFAULT_START = "2024-01-01T00:00:00+01:00"

    def __init__(self, *, json_safe: bool = False) -> None:
        super().__init__(json_safe=json_safe)
        self._clock: LocalClock | None = None
        self._rng: np.random.Generator | None = None
        self._lags: dict[str, int] = {}

    def setup(self, **params: Any) -> None:
        """The local clock and the random stream of the synthetic prices."""
        super().setup(**params)
        assert self.start_text is not None
        self._clock = LocalClock(self.start_text, timezone=self.timezone)
        self._rng = generator(self.seed)

    def _wholesale(
        self, kind: TariffKind, prices_csv: str | None, synthetic: str | dict[str, Any] | None
    ) -> tuple[PriceSeries | SyntheticPrices | None, str]:
        assert self._clock is not None and self._rng is not None
        if kind != TariffKind.DYNAMIC:
            if prices_csv is not None or synthetic is not None:
                raise ValueError(
                    f"prices_csv / synthetic are only used by kind='dynamic' (got {kind.value!r})"
                )
            return None, "none"
        if prices_csv is not None and synthetic is not None:
            raise ValueError("give either prices_csv or synthetic for a dynamic tariff, not both")
        if prices_csv is not None:
            table = read_price_csv(prices_csv)
            return to_series(table, self._clock.start, source=f"price CSV {prices_csv}"), prices_csv
        params = synthetic_params(synthetic)
        rng = self._rng.spawn(1)[0]
        first_hour_s = -(int(self._clock.start.timestamp()) % 3600)
        gen = SyntheticPrices(params, rng, clock=self._clock, first_hour_s=first_hour_s)
        return gen, "synthetic"

    def create(  # type: ignore[override]  # explicit keywords instead of **model_params
        self,
        num: int,
        model: str,
        *,
        kind: str = "flat",
        energy_eur_mwh: float = 0.0,
        network_eur_mwh: float = 0.0,
        tou: str | dict[str, Any] | None = None,
        network_tou: str | dict[str, Any] | None = None,
        capacity: dict[str, Any] | None = None,
        prices_csv: str | None = None,
        synthetic: str | dict[str, Any] | None = None,
        forecast_steps: int = 96,
        forecast: str = "perfect",
        publish_hour: float = 13.0,
        p_kw_lag_steps: int = 1,
    ) -> list[CreateResult]:
        """Create ``num`` tariffs of one kind (see :class:`TariffParams` for the fields).

        ``p_kw_lag_steps`` is 1 when ``p_kw`` arrives over a time-shifted connection (the
        default wiring: the tariff feeds the controllers, so the power comes back delayed),
        0 when it arrives in the same step.
        """
        self.check_model(model)
        if self._clock is None:
            raise ModelError("create() before init(): call init with start and step_s first")
        if p_kw_lag_steps not in (0, 1):
            raise ValueError(
                f"p_kw_lag_steps={p_kw_lag_steps!r} must be 0 (same step) or 1 (time-shifted)"
            )
        params = TariffParams(
            kind=kind,  # type: ignore[arg-type]  # validated into a TariffKind
            energy_eur_mwh=float(energy_eur_mwh),
            network_eur_mwh=float(network_eur_mwh),
            tou=None if tou is None else tou_params(tou),
            network_tou=None if network_tou is None else tou_params(network_tou),
            capacity=capacity_params(capacity),
            forecast_steps=int(forecast_steps),
            forecast=forecast,  # type: ignore[arg-type]
            publish_hour=float(publish_hour),
        )
        created: list[CreateResult] = []
        for _ in range(num):
            wholesale, source = self._wholesale(params.kind, prices_csv, synthetic)
            tariff = TariffModel(params, step_s=self.step_s, clock=self._clock, wholesale=wholesale)
            info = {
                "kind": params.kind.value,
                "price_source": source,
                "forecast_steps": params.forecast_steps,
                "forecast_offset_s": [k * self.step_s for k in range(params.forecast_steps)],
                "forecast_mode": params.forecast.value,
                "tou_periods": _tou_info(params.tou),
                "network_tou_periods": _tou_info(params.network_tou),
                "timezone": self._clock.timezone,
                "p_kw_lag_steps": p_kw_lag_steps,
            }
            created.append(self.add_entity(MODEL_TARIFF, tariff, extra_info=info))
            self._lags[created[-1]["eid"]] = p_kw_lag_steps
        return created

    def step(self, time: int, inputs: dict[str, Any], max_advance: int = 0) -> int:
        """Quote the step ``[time, time + step_s)`` and bill the power received."""
        for eid, tariff in self.models.items():
            p_kw = fold_total(inputs.get(eid, {}).get("p_kw"))
            self.states[eid] = tariff.step(time, p_kw=p_kw, p_kw_lag_steps=self._lags[eid])
        return time + self.step_s

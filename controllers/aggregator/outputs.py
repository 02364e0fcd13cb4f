"""The aggregator's outputs: their names, and one entity's outputs of its last step as
``get_data`` reads them (:class:`StepOutputs`)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from controllers.aggregator.policy import Setpoints
from controllers.aggregator.service_outputs import ServiceOutputs

__all__ = ["OUTPUT_ATTRS", "SERVICE_OUTPUTS", "StepOutputs"]

SERVICE_OUTPUTS: tuple[str, ...] = (
    "p_base_kw",
    "p_up_kw",
    "p_down_kw",
    "fcr_band_kw",
    "fcr_capacity_kw",
    "afrr_band_kw",
    "afrr_capacity_kw",
    "flex_bids",
    "p_baseline_kw",
    "p_metered_kw",
)
OUTPUT_ATTRS: tuple[str, ...] = ("p_set_kw", "p_plan_kw", "e_flex_kwh", *SERVICE_OUTPUTS)


class StepOutputs:
    """One entity's outputs of its last step, as attributes: ``get_data`` reads them all
    with one ``attrgetter``.

    ``p_set_kw`` and the service outputs known when the step ended are plain attributes;
    the others (the plan, the postponable energy, service outputs computed on demand) are
    computed when read, through ``__getattr__``.
    """

    def __init__(
        self,
        p_set_kw: NDArray[np.float64],
        decision: Setpoints,
        plan_steps: int,
        services: ServiceOutputs,
    ) -> None:
        vars(self).update(services.known())
        self.p_set_kw = p_set_kw
        self._decision, self._plan_steps, self._services = decision, plan_steps, services

    def __getattr__(self, attr: str) -> Any:
        """``p_plan_kw`` (``plan_steps`` values), ``e_flex_kwh`` and service outputs not
        computed yet (only called for attributes ``__init__`` did not set)."""
        if attr == "p_plan_kw":
            return _fixed(self._decision.p_plan_kw, self._plan_steps)
        if attr == "e_flex_kwh":
            return float(self._decision.e_flex_kwh)
        if attr in SERVICE_OUTPUTS:
            return getattr(self._services, attr)
        raise AttributeError(f"{type(self).__name__} has no attribute {attr!r}")


def _fixed(values: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    out = np.zeros(n)
    k = min(n, values.size)
    out[:k] = values[:k]
    return out

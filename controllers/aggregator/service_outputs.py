"""One step's service outputs of an aggregator (:class:`ServiceOutputs`), the availability
and baseline among them computed when first read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from controllers.aggregator.availability_records import Availability

__all__ = ["ServiceOutputs"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ServiceOutputs:
    """One step's service outputs (see the cosim.ports catalogue for units and signs).

    The availability and the baseline are computed when first read (``availability``,
    ``baseline``: cached callables): a policy run without FCR and DSO bids whose outputs
    nobody reads does not pay for them. Their outputs are cached properties, filled in
    already when the services computed them in their step.
    """

    availability: Callable[[], Availability]
    fcr_band_kw: FloatArray
    fcr_capacity_kw: float
    flex_bids: list[dict[str, Any]]
    baseline: Callable[[], FloatArray]
    #: per zone, of the step just metered: a diagnostic, the market meters the chargers
    p_metered_kw: FloatArray
    notes: list[str] = field(default_factory=list)
    afrr_band_kw: FloatArray = field(default_factory=lambda: np.zeros(0))
    afrr_capacity_kw: float = 0.0

    @cached_property
    def p_base_kw(self) -> FloatArray:
        """Planned power per charger [kW] (0 at free chargers)."""
        return self.availability().p_base_kw

    @cached_property
    def p_up_kw(self) -> FloatArray:
        """Room to draw more per charger [kW]."""
        return self.availability().p_up_kw

    @cached_property
    def p_down_kw(self) -> FloatArray:
        """Room to draw less per charger [kW]."""
        return self.availability().p_down_kw

    @cached_property
    def p_baseline_kw(self) -> FloatArray:
        """Declared baseline per zone of the step just metered [kW]."""
        return self.baseline()

    def known(self) -> dict[str, Any]:
        """Its fields and the outputs computed so far, by name (a view: not to be changed)."""
        return self.__dict__

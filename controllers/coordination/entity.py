"""One coordinator entity's set-up, last dispatch and conflict log (the adapter's state)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .activations import ActivationBook
from .conflicts import Conflict, count_by_kind
from .dispatch import Dispatch
from .elements import ElementHeadroom
from .headroom import ExAnteHeadroom, HeadroomMode
from .observation import CoordinationObservation
from .schemes import Scheme

__all__ = ["CoordinatorEntity"]


class CoordinatorEntity:
    """One coordinator's setup, last dispatch and conflict log."""

    def __init__(
        self,
        zone_of_charger: NDArray[np.int64],
        n_zone: int,
        scheme: Scheme,
        prices: dict[str, float],
        *,
        zone_names: list[str],
        charger_ids: list[Any],
        mode: HeadroomMode,
        exante: ExAnteHeadroom | None,
        elements: ElementHeadroom | None = None,
    ) -> None:
        self.mode = mode
        # the zone headroom's ex-ante correction; None with elements or without a background
        # (the measured headroom is the one acted on)
        self.exante = exante if exante is not None and exante.background is not None else None
        self.elements = elements
        self.zone_of_charger = zone_of_charger
        self.zone_names = zone_names
        self.charger_ids = charger_ids
        self.n_zone = n_zone
        self.scheme = scheme
        self.dispatch: Dispatch | None = None
        self.p_set_kw = np.zeros(zone_of_charger.size)  # of the last step
        self.log: list[Conflict] = []
        self.counts = count_by_kind([])
        self.activations = ActivationBook(zone_names)
        n = zone_of_charger.size
        # zones and prices checked once here; each step checks only its values
        self.layout = CoordinationObservation(
            time_s=0,
            p_base_kw=np.zeros(n),
            p_up_kw=np.zeros(n),
            p_down_kw=np.zeros(n),
            fcr_req_kw=0.0,
            dso_req_kw=np.zeros(n_zone),
            zone_of_charger=zone_of_charger,
            congested_mask=np.zeros(n, dtype=bool),
            headroom_kw=np.full(n_zone, np.inf),
            fcr_band_kw=np.zeros(n),
            **prices,  # type: ignore[arg-type]  # the four prices, checked here
        )

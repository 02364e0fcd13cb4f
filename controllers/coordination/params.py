"""The coordinator's create parameters, checked: zone layout, prices and headroom mode."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .headroom import HeadroomMode

__all__ = ["PRICE_PARAMS", "ZoneLayout", "check_prices", "headroom_mode"]

#: the common market's prices [EUR/MWh] (:mod:`controllers.coordination.market`)
PRICE_PARAMS: tuple[str, ...] = (
    "fcr_value_eur_mwh",
    "dso_value_eur_mwh",
    "activation_cost_eur_mwh",
    "overload_penalty_eur_mwh",
)


@dataclass(frozen=True)
class ZoneLayout:
    """Which zone each charger of the bank lies in, and the names of zones and chargers.

    >>> z = ZoneLayout.of([0, -1, 1], zone_names=None, charger_ids=None)
    >>> z.n_zone, z.zone_names, z.charger_ids
    (2, ['0', '1'], [0, 1, 2])
    >>> ZoneLayout.of([0, 2], zone_names=["a", "b"], charger_ids=None)
    Traceback (most recent call last):
    ...
    ValueError: zone_of_charger must lie in [-1, 1]
    """

    zone_of_charger: NDArray[np.int64]
    zone_names: list[str]
    charger_ids: list[Any]

    @property
    def n_zone(self) -> int:
        """Number of zones Z."""
        return len(self.zone_names)

    @classmethod
    def of(
        cls,
        zone_of_charger: Sequence[int],
        *,
        zone_names: Sequence[str] | None,
        charger_ids: Sequence[Any] | None,
    ) -> ZoneLayout:
        """Check the layout: zones in ``[-1, Z)`` (-1: none), one id per charger.

        ``Z`` is ``len(zone_names)``, else ``max(zone_of_charger) + 1``.
        """
        zc = np.asarray(zone_of_charger, dtype=np.int64).reshape(-1)
        n_zone = len(zone_names) if zone_names is not None else int(zc.max(initial=-1)) + 1
        if zc.size and (zc.min() < -1 or zc.max() >= n_zone):
            raise ValueError(f"zone_of_charger must lie in [-1, {n_zone - 1}]")
        names = list(zone_names) if zone_names is not None else [str(z) for z in range(n_zone)]
        ids = list(charger_ids) if charger_ids is not None else list(range(zc.size))
        if len(ids) != zc.size:
            raise ValueError(f"charger_ids has {len(ids)} labels, zone_of_charger {zc.size}")
        return cls(zc, names, ids)


def check_prices(prices: Mapping[str, float]) -> dict[str, float]:
    """The common-market prices as floats; an unknown name is an error listing the valid."""
    unknown = sorted(set(prices) - set(PRICE_PARAMS))
    if unknown:
        raise ValueError(f"unknown coordinator param(s) {unknown}; prices: {PRICE_PARAMS}")
    return {k: float(v) for k, v in prices.items()}


def headroom_mode(name: str) -> HeadroomMode:
    """The headroom mode called ``name``; an unknown one is an error listing the valid."""
    try:
        return HeadroomMode(name)
    except ValueError as err:
        valid = [m.value for m in HeadroomMode]
        raise ValueError(f"unknown headroom_mode {name!r}; valid: {valid}") from err

"""The charger bank as the aggregator sees it: each charger's rating, efficiency, step and zone."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from controllers.aggregator.policy import DEFAULT_EFFICIENCY, to_charger_levels

__all__ = ["BankParams", "zone_layout"]


@dataclass(frozen=True)
class BankParams:
    """Per-charger parameters of the bank an aggregator controls (arrays of ``n`` values).

    Parameters
    ----------
    p_rated_kw : array (n,)
        Rated AC power of each charger [kW], > 0.
    efficiency : array (n,)
        AC-to-battery efficiency the plans assume, in (0, 1].
    bidirectional : array of bool (n,)
        Whether the charger can discharge (V2G).
    p_step_kw, p_min_kw : array (n,)
        Power granularity and minimum of each charger [kW] (IEC 61851 current step and
        minimum current × phases × phase voltage; 0: continuous).
    """

    p_rated_kw: NDArray[np.float64]
    efficiency: NDArray[np.float64]
    bidirectional: NDArray[np.bool_]
    p_step_kw: NDArray[np.float64]
    p_min_kw: NDArray[np.float64]

    def __post_init__(self) -> None:
        if not ((self.efficiency > 0) & (self.efficiency <= 1)).all():
            raise ValueError("aggregator efficiency must be in (0, 1] for every charger")
        if not (self.p_rated_kw > 0).all():
            raise ValueError("aggregator p_rated_kw must be > 0 kW for every charger")

    @classmethod
    def per_charger(
        cls,
        n_chargers: int,
        *,
        p_rated_kw: float | list[float] = 11.0,
        efficiency: float | list[float] = DEFAULT_EFFICIENCY,
        bidirectional: bool | list[bool] = False,
        p_step_kw: float | list[float] = 0.0,
        p_min_kw: float | list[float] = 0.0,
    ) -> BankParams:
        """One value per charger from a scalar (the same for all) or a list of ``n_chargers``.

        >>> BankParams.per_charger(2, p_rated_kw=[11.0, 7.4]).efficiency.tolist()
        [0.92, 0.92]
        """
        if not (isinstance(n_chargers, int) and n_chargers >= 1):
            raise ValueError(f"n_chargers={n_chargers!r} must be an integer >= 1")
        return cls(
            p_rated_kw=_spread(p_rated_kw, n_chargers, "p_rated_kw").astype(float),
            efficiency=_spread(efficiency, n_chargers, "efficiency").astype(float),
            bidirectional=_spread(bidirectional, n_chargers, "bidirectional").astype(bool),
            p_step_kw=_spread(p_step_kw, n_chargers, "p_step_kw").astype(float),
            p_min_kw=_spread(p_min_kw, n_chargers, "p_min_kw").astype(float),
        )

    @property
    def n(self) -> int:
        """Number of chargers."""
        return int(self.p_rated_kw.size)

    def levels(self, p_set_kw: NDArray[np.float64]) -> NDArray[np.float64]:
        """:func:`~controllers.aggregator.policy.to_charger_levels` on this bank [kW]."""
        p_step_kw, p_min_kw = self.level_params
        return to_charger_levels(p_set_kw, p_step_kw, p_min_kw, self.p_rated_kw)

    @cached_property
    def level_params(self) -> tuple[NDArray[np.float64] | None, NDArray[np.float64] | None]:
        """Steps and minimums, None when all zero (most banks are continuous)."""
        return (
            self.p_step_kw if np.any(self.p_step_kw > 0) else None,
            self.p_min_kw if np.any(self.p_min_kw > 0) else None,
        )


def _spread(value: Any, n: int, name: str) -> NDArray[Any]:
    arr = np.asarray(value)
    if arr.ndim == 0:
        arr = np.full(n, arr.item())
    if arr.shape != (n,):
        raise ValueError(f"aggregator {name} has {arr.size} values for n_chargers={n}")
    return arr


def zone_layout(
    zone_names: list[str] | None, zone_of_charger: list[int] | None, n: int
) -> tuple[list[str], NDArray[np.int64]]:
    """Zone names and each charger's zone index (default: one zone ``"fleet"`` of every charger).

    >>> zone_layout(None, None, 2)[0]
    ['fleet']
    """
    names = [str(z) for z in zone_names] if zone_names is not None else ["fleet"]
    if zone_of_charger is None:
        zones = np.zeros(n, dtype=np.int64) if zone_names is None or len(names) == 1 else None
        if zones is None:
            raise ValueError(
                f"aggregator has {len(names)} zones but no zone_of_charger: pass one zone "
                "index per charger (the DSO's feeder_zones(...).zone_of_charger)"
            )
        return names, zones
    zones = np.asarray(zone_of_charger, dtype=np.int64).reshape(-1)
    if zones.size != n or (zones.size and (zones.min() < -1 or zones.max() >= len(names))):
        raise ValueError(
            f"zone_of_charger must have n_chargers={n} values in [-1, {len(names) - 1}] "
            f"(indices into zone_names {names}), got {zones.size} values"
        )
    return names, zones

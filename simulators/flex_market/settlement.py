"""Settlement of awards against the declared baseline: payment and non-delivery penalty.

Per step ``k`` of the delivery window, with the consumer sign convention (kW > 0 drawn):

- delivered power: ``d_k = baseline_k - metered_k`` for ``down``, ``metered_k - baseline_k``
  for ``up`` [kW]; a step without meter or baseline data (NaN) counts as no delivery;
- delivered energy ``e_k = d_k * dt_k / 3600`` [kWh], where ``dt_k`` is the part of the step
  inside the window [s]; awarded energy ``a_k = p_award * dt_k / 3600``;
- paid energy ``min(max(e_k, 0), a_k)``: over-delivery is not paid, and a surplus in one step
  does not make up for a shortfall in another (congestion is per step);
- shortfall ``a_k - paid_k``.

Over the window: payment = paid [MWh] × award price, penalty = shortfall [MWh] × penalty price,
where the penalty price is ``penalty_eur_mwh`` if given, else ``penalty_factor`` × award price.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from simulators.flex_market.orders import Award, Direction, Settlement

__all__ = ["SettlementParams", "delivered_kw", "settle"]


@dataclass(frozen=True)
class SettlementParams:
    """Penalty rules.

    Parameters
    ----------
    penalty_factor : float
        Penalty price as a multiple of the award price [-], >= 0. Default 1.5.
    penalty_eur_mwh : float or None
        Fixed penalty price [EUR/MWh], >= 0; overrides ``penalty_factor`` when set.
    """

    penalty_factor: float = 1.5
    penalty_eur_mwh: float | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.penalty_factor) and self.penalty_factor >= 0.0):
            raise ValueError(f"penalty_factor={self.penalty_factor} must be a finite number >= 0")
        if self.penalty_eur_mwh is not None and not (
            math.isfinite(self.penalty_eur_mwh) and self.penalty_eur_mwh >= 0.0
        ):
            raise ValueError(f"penalty_eur_mwh={self.penalty_eur_mwh} must be None or >= 0")

    def penalty_price(self, award_price_eur_mwh: float) -> float:
        """Penalty price [EUR/MWh] for an award paid ``award_price_eur_mwh``."""
        if self.penalty_eur_mwh is not None:
            return self.penalty_eur_mwh
        return self.penalty_factor * award_price_eur_mwh


def delivered_kw(direction: Direction, baseline_kw: ArrayLike, metered_kw: ArrayLike) -> np.ndarray:
    """Flexibility delivered per step [kW] (NaN data gives 0).

    >>> delivered_kw(Direction.DOWN, [10.0, 10.0], [4.0, float("nan")]).tolist()
    [6.0, 0.0]
    """
    base = np.asarray(baseline_kw, dtype=float)
    meter = np.asarray(metered_kw, dtype=float)
    diff = base - meter if direction == Direction.DOWN else meter - base
    # a NaN or an infinity leaves the sum non-finite: with a finite sum nan_to_num (~10 us a
    # call) has nothing to change (a sum that overflows only takes the long way)
    if math.isfinite(np.add.reduce(diff, axis=None)):
        return diff
    return np.nan_to_num(diff, nan=0.0)


def settle(
    award: Award,
    *,
    baseline_kw: ArrayLike,
    metered_kw: ArrayLike,
    overlap_s: ArrayLike,
    params: SettlementParams,
    settled_s: int = 0,
) -> Settlement:
    """Settle one award from its per-step baseline and meter readings.

    Parameters
    ----------
    award : Award
        The award (power [kW], price [EUR/MWh], direction).
    baseline_kw, metered_kw : array_like, shape (K,)
        Declared baseline and metered power of the provider in the zone per step [kW],
        consumer sign.
    overlap_s : array_like, shape (K,)
        Seconds of each step inside the award window [s].
    params : SettlementParams
        Penalty rules.
    settled_s : int
        Settlement time [s].

    Returns
    -------
    Settlement

    Examples
    --------
    Awarded 10 kW down for 1 h (4 steps) at 100 EUR/MWh, delivered 10, 10, 5 and 0 kW:

    >>> from simulators.flex_market.orders import Gate
    >>> a = Award("a", "r", "b", "agg", "z", 0, 3600, 10.0, 100.0, 100.0,
    ...           Direction.DOWN, Gate.INTRADAY, "pay_as_bid", 0)
    >>> s = settle(a, baseline_kw=[20] * 4, metered_kw=[10, 10, 15, 20],
    ...            overlap_s=[900] * 4, params=SettlementParams())
    >>> s.paid_kwh, s.shortfall_kwh, s.payment_eur, s.penalty_eur
    (6.25, 3.75, 0.625, 0.5625)
    """
    dt_h = np.asarray(overlap_s, dtype=float) / 3600.0
    e_kwh = delivered_kw(award.direction, baseline_kw, metered_kw) * dt_h
    a_kwh = award.p_kw * dt_h
    paid = np.minimum(np.maximum(e_kwh, 0.0), a_kwh)
    awarded_kwh = float(a_kwh.sum())
    paid_kwh = float(paid.sum())
    shortfall_kwh = max(awarded_kwh - paid_kwh, 0.0)
    penalty_price = params.penalty_price(award.price_eur_mwh)
    return Settlement(
        award_id=award.id,
        bidder=award.bidder,
        zone=award.zone,
        t_start_s=award.t_start_s,
        t_end_s=award.t_end_s,
        awarded_kwh=awarded_kwh,
        delivered_kwh=float(e_kwh.sum()),
        paid_kwh=paid_kwh,
        shortfall_kwh=shortfall_kwh,
        price_eur_mwh=award.price_eur_mwh,
        penalty_price_eur_mwh=penalty_price,
        payment_eur=paid_kwh / 1000.0 * award.price_eur_mwh,
        penalty_eur=shortfall_kwh / 1000.0 * penalty_price,
        settled_s=settled_s,
    )

"""Delivery verification and remuneration of balancing products (FCR, aFRR).

Per verification interval ``i`` of length ``dt_s`` the TSO compares the requested change of
consumer-sign power ``r_i`` [kW] with the delivered change ``d_i`` [kW]:

- shortfall ``s_i = max(0, |r_i| - d_i sign(r_i)) dt / 3600`` [kWh]: missing energy in the
  requested direction (a response in the wrong direction adds to it; over-delivery is
  neither penalised nor paid);
- the interval *fails* when ``s_i > tolerance * |r_i| dt / 3600``; the shortfall of failed
  intervals is penalised at ``penalty_eur_mwh`` and each failure at
  ``penalty_eur_per_failure``;
- delivered energy paid (aFRR) is ``min(|r_i|, max(0, d_i sign(r_i))) dt / 3600``, split
  into upward (``r_i < 0``: the consumer reduced its draw) and downward (``r_i > 0``).

Intervals are the sub-steps when the provider reports a sub-step series, else the grid
step (the step means are compared: opposite requests within a step net out). When the
delivered power is unknown (NaN: not connected) nothing is verified: shortfall is NaN, no
penalty, and the requested energy is paid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cosim.records import frozen_record

__all__ = [
    "Delivery",
    "SettlementParams",
    "capacity_revenue_eur",
    "verify_delivery",
    "verify_series",
    "verify_total",
]


@dataclass(frozen=True)
class SettlementParams:
    """Penalty rules.

    Parameters
    ----------
    penalty_eur_mwh : float
        Penalty per MWh of shortfall in failed intervals [EUR/MWh], >= 0.
    penalty_eur_per_failure : float
        Penalty per failed interval [EUR], >= 0.
    tolerance : float
        Shortfall forgiven as a fraction of the requested energy of an interval, in [0, 1).
    """

    penalty_eur_mwh: float = 500.0
    penalty_eur_per_failure: float = 0.0
    tolerance: float = 0.05

    def __post_init__(self) -> None:
        problems = []
        if not self.penalty_eur_mwh >= 0:
            problems.append(f"penalty_eur_mwh={self.penalty_eur_mwh!r} must be >= 0")
        if not self.penalty_eur_per_failure >= 0:
            problems.append(
                f"penalty_eur_per_failure={self.penalty_eur_per_failure!r} must be >= 0"
            )
        if not 0 <= self.tolerance < 1:
            problems.append(f"tolerance={self.tolerance!r} must be in [0, 1)")
        if problems:
            raise ValueError("invalid SettlementParams: " + "; ".join(problems))


@dataclass(frozen=True)
class Delivery:
    """Verification result of one step (energies [kWh], consumer sign where signed).

    Attributes
    ----------
    e_req_kwh : float
        Net requested energy change over the step (signed) [kWh].
    e_delivered_kwh : float
        Net delivered energy change (signed) [kWh]; NaN when unknown.
    e_shortfall_kwh : float
        Shortfall energy (>= 0) [kWh]; NaN when unknown.
    n_failed : int
        Failed intervals in the step.
    e_up_kwh, e_down_kwh : float
        Energy paid upward / downward (>= 0) [kWh].
    penalty_eur : float
        Penalty of the step [EUR].
    """

    e_req_kwh: float
    e_delivered_kwh: float
    e_shortfall_kwh: float
    n_failed: int
    e_up_kwh: float
    e_down_kwh: float
    penalty_eur: float


def capacity_revenue_eur(capacity_kw: float, price_eur_mw_h: float, dt_s: float) -> float:
    """Capacity payment [EUR] for holding ``capacity_kw`` during ``dt_s`` seconds.

    >>> capacity_revenue_eur(1000.0, 12.0, 4 * 3600)
    48.0
    """
    return capacity_kw / 1000.0 * price_eur_mw_h * dt_s / 3600.0


def verify_delivery(
    requested_kw: ArrayLike,
    delivered_kw: ArrayLike,
    *,
    dt_s: float,
    params: SettlementParams,
) -> Delivery:
    """Compare requested and delivered power change over the intervals of one step.

    Parameters
    ----------
    requested_kw : array_like, shape (n,)
        Requested change of consumer-sign power per interval [kW].
    delivered_kw : array_like, shape (n,) or ()
        Delivered change per interval [kW]; a scalar is compared with the step mean of the
        request. NaN means unknown (no verification).
    dt_s : float
        Interval length [s] of ``requested_kw``.
    params : SettlementParams
        Penalty rules.

    Examples
    --------
    >>> d = verify_delivery([-100.0, -100.0], [-100.0, -50.0], dt_s=1800.0,
    ...                     params=SettlementParams(penalty_eur_mwh=1000.0, tolerance=0.0))
    >>> d.e_shortfall_kwh, d.n_failed, d.penalty_eur, d.e_up_kwh
    (25.0, 1, 25.0, 75.0)
    """
    r = np.atleast_1d(np.asarray(requested_kw, dtype=np.float64))
    d = np.asarray(delivered_kw, dtype=np.float64)
    return verify_series(r, float(d) if d.ndim == 0 else d, dt_s=dt_s, params=params)


def verify_series(
    requested_kw: NDArray[np.float64],
    delivered_kw: NDArray[np.float64] | float,
    *,
    dt_s: float,
    params: SettlementParams,
) -> Delivery:
    """:func:`verify_delivery` of a request series (n,) and a delivered step mean (float)
    or series (n,), float64 both: the per-step call without the conversions."""
    r, d = requested_kw, delivered_kw
    h = dt_s / 3600.0
    total = float(np.add.reduce(r))  # r.sum() without its Python wrapper
    e_req = total * h
    if isinstance(d, float):
        if math.isnan(d):
            return _unverified(r, total, h)
        return _verify_mean(total / r.size, d, h * r.size, e_req, params)  # on the means
    if bool(np.isnan(d).any()):
        return _unverified(r, total, h)
    sign = np.sign(r)
    toward = d * sign  # delivered in the requested direction [kW]
    short_kwh = np.maximum(0.0, np.abs(r) - toward) * h
    failed = (short_kwh > params.tolerance * np.abs(r) * h) & (r != 0)
    paid_kwh = np.minimum(np.abs(r), np.maximum(0.0, toward)) * h
    e_short = float(short_kwh.sum())
    penalty = (
        float(short_kwh[failed].sum()) / 1000.0 * params.penalty_eur_mwh
        + int(failed.sum()) * params.penalty_eur_per_failure
    )
    return Delivery(
        e_req_kwh=e_req,
        e_delivered_kwh=float(d.sum() * h),
        e_shortfall_kwh=e_short,
        n_failed=int(failed.sum()),
        e_up_kwh=float(paid_kwh[r < 0].sum()),
        e_down_kwh=float(paid_kwh[r > 0].sum()),
        penalty_eur=penalty,
    )


def verify_total(
    total_kw: float, n: int, delivered_kw: float, dt_s: float, params: SettlementParams
) -> Delivery:
    """:func:`verify_series` of a request series of ``n`` intervals summing to ``total_kw``
    (``np.add.reduce``) and a delivered step mean (not NaN): the step means are compared,
    so the series itself is not needed."""
    h = dt_s / 3600.0
    return _verify_mean(total_kw / n, delivered_kw, h * n, total_kw * h, params)


def _unverified(r: NDArray[np.float64], total: float, h: float) -> Delivery:
    """Delivered power unknown: the gross request is paid, nothing is verified."""
    gross = float(np.add.reduce(np.abs(r)))
    e_up, e_down = max(0.0, gross - total) / 2 * h, max(0.0, gross + total) / 2 * h
    return _delivery(total * h, math.nan, math.nan, 0, e_up, e_down, 0.0)


def _delivery(
    e_req: float, e_del: float, e_short: float, n_failed: int, up: float, down: float, pen: float
) -> Delivery:
    """A :class:`Delivery` (:func:`~cosim.records.frozen_record`: twice a step)."""
    return frozen_record(
        Delivery,
        e_req_kwh=e_req,
        e_delivered_kwh=e_del,
        e_shortfall_kwh=e_short,
        n_failed=n_failed,
        e_up_kwh=up,
        e_down_kwh=down,
        penalty_eur=pen,
    )


def _verify_mean(r: float, d: float, h: float, e_req: float, params: SettlementParams) -> Delivery:
    """Scalar form of :func:`verify_delivery` for one interval of ``h`` hours."""
    toward = d * math.copysign(1.0, r) if r else 0.0
    short = max(0.0, abs(r) - toward) * h
    failed = r != 0 and short > params.tolerance * abs(r) * h
    paid = min(abs(r), max(0.0, toward)) * h
    penalty = (short / 1000.0 * params.penalty_eur_mwh + params.penalty_eur_per_failure) * failed
    return _delivery(
        e_req, d * h, short, int(failed), paid if r < 0 else 0.0, paid if r > 0 else 0.0, penalty
    )

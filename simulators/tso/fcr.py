"""Frequency containment reserve (FCR): droop activation and 4-hour capacity blocks.

Droop rule (Continental Europe): full activation at a deviation of ±200 mHz, linear in
between, with a frequency insensitivity of ±10 mHz [1]_ [2]_. The activation fraction is

.. math::

    a(\\Delta f) = \\mathrm{clip}\\left(-\\frac{\\Delta f}{0.2\\,\\mathrm{Hz}}, -1, 1\\right)
    \\quad\\text{for } |\\Delta f| > 10\\,\\mathrm{mHz}, \\qquad a = 0 \\text{ inside}.

``a > 0`` asks for *upward* regulation (under-frequency): a consumer reduces its draw or
injects, so the requested change of consumer-sign power is ``-a * capacity`` (negative for
``Delta f < 0``).

Dead-band rule: by default the dead-band only *zeroes* the response inside ±10 mHz and the
droop line is not shifted (a(-100 mHz) = 0.5), which is how the CE insensitivity is meant:
a measurement/controller tolerance, not an offset of the characteristic. With
``shift_deadband=True`` the line starts at the dead-band edge instead,
``a = -sign(Δf) (|Δf| - db) / (0.2 - db)``, still full at ±200 mHz (a(-100 mHz) = 0.474).

Capacity is symmetric (the same kW up and down) and procured per 4-hour block (00-04,
04-08, ... local time) [2]_; it is remunerated per MW and hour of the block (pay-as-cleared
capacity price, no energy payment).

References
----------
.. [1] Commission Regulation (EU) 2017/1485 (SO GL), Annex V: FCR technical minimum
   requirements (full activation at 200 mHz, insensitivity 10 mHz, full activation within
   30 s for CE).
.. [2] ENTSO-E, "FCR cooperation": daily auctions of symmetric FCR in 4-hour products.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["BLOCK_S", "FCRParams", "block_index", "fcr_activation"]

#: FCR product length [s]
BLOCK_S = 4 * 3600


@dataclass(frozen=True)
class FCRParams:
    """Droop and remuneration of the FCR product.

    Parameters
    ----------
    deadband_hz : float
        Half-width of the insensitivity band [Hz], in [0, full_activation_hz).
    full_activation_hz : float
        Deviation of full activation [Hz], > 0 (CE: 0.2).
    shift_deadband : bool
        Start the droop line at the dead-band edge (see the module docstring).
    block_prices_eur_mw_h : tuple of 6 floats
        Capacity price of the six daily 4-h blocks [EUR/(MW·h)], each >= 0; used when no
        price CSV is given.
    """

    deadband_hz: float = 0.010
    full_activation_hz: float = 0.200
    shift_deadband: bool = False
    block_prices_eur_mw_h: tuple[float, ...] = (10.0,) * 6

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "block_prices_eur_mw_h", tuple(float(v) for v in self.block_prices_eur_mw_h)
        )
        problems = []
        if not self.full_activation_hz > 0:
            problems.append(f"full_activation_hz={self.full_activation_hz!r} must be > 0 Hz")
        elif not 0 <= self.deadband_hz < self.full_activation_hz:
            problems.append(
                f"deadband_hz={self.deadband_hz!r} must be in [0, full_activation_hz="
                f"{self.full_activation_hz}) Hz"
            )
        prices = self.block_prices_eur_mw_h
        if len(prices) != 6 or any(not p >= 0 for p in prices):
            problems.append(
                f"block_prices_eur_mw_h={prices!r} must be 6 prices >= 0 EUR/(MW·h), "
                "one per 4-h block of the day"
            )
        if problems:
            raise ValueError("invalid FCRParams: " + "; ".join(problems))


def fcr_activation(
    df_hz: ArrayLike,
    *,
    deadband_hz: float = 0.010,
    full_activation_hz: float = 0.200,
    shift_deadband: bool = False,
) -> NDArray[np.float64]:
    """FCR activation fraction in [-1, 1] for frequency deviations ``df_hz`` [Hz].

    Positive = upward regulation (under-frequency). Requested consumer-sign power change
    [kW] is ``-activation * capacity_kw``.

    Examples
    --------
    >>> fcr_activation([-0.2, -0.1, -0.005, 0.05, 0.3]).tolist()
    [1.0, 0.5, 0.0, -0.25, -1.0]
    """
    df = np.asarray(df_hz, dtype=np.float64)
    inside = np.abs(df) <= deadband_hz
    if shift_deadband:
        mag = (np.abs(df) - deadband_hz) / (full_activation_hz - deadband_hz)
        a = -np.sign(df) * mag
    else:
        a = -df / full_activation_hz
    return np.where(inside, 0.0, np.minimum(np.maximum(a, -1.0), 1.0))  # clip, cheaper


def block_index(t_local_s: ArrayLike) -> NDArray[np.int64]:
    """Running index of the 4-h FCR block containing local time ``t_local_s`` [s].

    ``t_local_s`` counts from a local midnight; ``block_index(...) % 6`` is the block of the
    day (0 = 00:00-04:00).

    >>> block_index([0, 14399, 14400, 86400]).tolist()
    [0, 0, 1, 6]
    """
    return np.floor_divide(np.asarray(t_local_s, dtype=np.int64), BLOCK_S)

"""Automatic frequency restoration reserve (aFRR): activation signal and remuneration.

The TSO sends each provider a setpoint every few seconds (4 s typical; full activation time
5 min) [1]_. Here the setpoint is a fraction ``s`` in [-1, 1] of the provider's reserved
capacity, ``s > 0`` asking for *upward* regulation (a consumer reduces its draw or injects):
the requested change of consumer-sign power is ``-s * capacity_kw``.

Synthetic signal: an Ornstein-Uhlenbeck process ``z`` with std ``sigma`` and correlation
time ``tau_s`` (minutes: aFRR follows the slow area control error, not second-scale
noise), ``s = clip(z + bias, -1, 1)``. With the defaults (sigma 0.35, tau 300 s) the mean
|s| is about 0.28 and the signal saturates about 0.4 % of the time. These are modelling
choices to exercise providers, not statistics of a real control area; use a CSV of
measured activations (``timestamp,activation``) for quantitative studies.

Remuneration: capacity at ``capacity_price_eur_mw_h`` per MW and hour (both directions
together, symmetric reservation), activated energy at ``energy_up_eur_mwh`` (upward) and
``energy_down_eur_mwh`` (downward; the provider receives this price per MWh of extra
consumption, negative when it pays).

References
----------
.. [1] Commission Regulation (EU) 2017/2195 (EB GL) and the aFRR standard product
   (PICASSO): full activation time 5 min; LITERATURE.md: 4 s signal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from simulators.tso.noise import AR1

__all__ = ["AFRRParams", "AFRRSignalParams", "SyntheticAFRR"]


@dataclass(frozen=True)
class AFRRSignalParams:
    """Synthetic aFRR activation signal (system-wide, one per simulator).

    Parameters
    ----------
    sigma : float
        Std of the latent OU process [1], in [0, 2].
    tau_s : float
        Correlation time [s], > 0.
    bias : float
        Constant added before clipping [1], in [-1, 1] (> 0: mostly upward).
    """

    sigma: float = 0.35
    tau_s: float = 300.0
    bias: float = 0.0

    def __post_init__(self) -> None:
        problems = []
        if not 0 <= self.sigma <= 2:
            problems.append(f"sigma={self.sigma!r} must be in [0, 2]")
        if not self.tau_s > 0:
            problems.append(f"tau_s={self.tau_s!r} must be > 0 s")
        if not -1 <= self.bias <= 1:
            problems.append(f"bias={self.bias!r} must be in [-1, 1]")
        if problems:
            raise ValueError("invalid AFRRSignalParams: " + "; ".join(problems))


@dataclass(frozen=True)
class AFRRParams:
    """aFRR prices of one provider.

    Parameters
    ----------
    capacity_price_eur_mw_h : float
        Capacity price [EUR/(MW·h)], >= 0.
    energy_up_eur_mwh : float
        Price paid per MWh of upward energy delivered [EUR/MWh].
    energy_down_eur_mwh : float
        Price paid per MWh of downward energy delivered [EUR/MWh] (may be negative).
    """

    capacity_price_eur_mw_h: float = 5.0
    energy_up_eur_mwh: float = 100.0
    energy_down_eur_mwh: float = 0.0

    def __post_init__(self) -> None:
        problems = []
        if not self.capacity_price_eur_mw_h >= 0:
            problems.append(
                f"capacity_price_eur_mw_h={self.capacity_price_eur_mw_h!r} must be >= 0"
            )
        for name in ("energy_up_eur_mwh", "energy_down_eur_mwh"):
            if not np.isfinite(getattr(self, name)):
                problems.append(f"{name}={getattr(self, name)!r} must be finite")
        if problems:
            raise ValueError("invalid AFRRParams: " + "; ".join(problems))


class SyntheticAFRR:
    """Draws the aFRR activation signal in consecutive chunks of ``dt_s`` samples.

    Examples
    --------
    >>> sig = SyntheticAFRR(AFRRSignalParams(), np.random.default_rng(0), dt_s=10).draw(0, 90)
    >>> bool(np.all(np.abs(sig) <= 1))
    True
    """

    def __init__(self, params: AFRRSignalParams, rng: np.random.Generator, *, dt_s: int) -> None:
        self.params = params
        self.dt_s = dt_s
        self._ar = AR1(params.sigma, params.tau_s, dt_s, rng)
        self._next_t_s = 0

    def draw(self, t0_s: int, n: int) -> NDArray[np.float64]:
        """Activation fraction in [-1, 1] of the ``n`` samples starting at ``t0_s`` [s]."""
        if t0_s != self._next_t_s:
            raise ValueError(
                f"synthetic aFRR is drawn in consecutive chunks: expected t0_s="
                f"{self._next_t_s}, got {t0_s}"
            )
        self._next_t_s = t0_s + n * self.dt_s
        return np.clip(self._ar.draw(n) + self.params.bias, -1.0, 1.0)

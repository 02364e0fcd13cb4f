"""Stateful AR(1) noise: the exact discretisation of an Ornstein-Uhlenbeck process."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from simulators.tso.noise_kernels import ar1_path

__all__ = ["AR1"]


class AR1:
    """Ornstein-Uhlenbeck process sampled every ``dt_s``, drawn in chunks of any length.

    ``x[k+1] = phi x[k] + sigma sqrt(1 - phi^2) e[k]`` with ``phi = exp(-dt_s / tau_s)`` and
    ``e ~ N(0, 1)``: stationary standard deviation ``sigma``, autocorrelation
    ``exp(-lag / tau_s)``. The first sample is drawn from the stationary distribution, and
    the path does not depend on how it is split into chunks (numpy normal draws are
    chunk-invariant).

    Parameters
    ----------
    sigma : float
        Stationary standard deviation [unit of the signal], >= 0.
    tau_s : float
        Correlation time [s], > 0.
    dt_s : float
        Sample spacing [s], > 0.
    rng : numpy.random.Generator
        Dedicated generator (not shared with other draws).

    Examples
    --------
    >>> path = AR1(1.0, 60.0, 10.0, np.random.default_rng(0)).draw(5)
    >>> path.shape
    (5,)
    """

    def __init__(self, sigma: float, tau_s: float, dt_s: float, rng: np.random.Generator) -> None:
        if not (sigma >= 0 and tau_s > 0 and dt_s > 0):
            raise ValueError(f"AR1 needs sigma >= 0, tau_s > 0, dt_s > 0; got {sigma, tau_s, dt_s}")
        self.phi = float(np.exp(-dt_s / tau_s))
        self.sigma = float(sigma)
        self._scale = self.sigma * float(np.sqrt(1.0 - self.phi**2))
        self._rng = rng
        self._last: float | None = None

    def draw(self, n: int) -> NDArray[np.float64]:
        """The next ``n`` samples of the path.

        The recursion is compiled (:func:`~simulators.tso.noise_kernels.ar1_path`), in the
        order of operations of ``scipy.signal.lfilter([scale], [1, -phi], e, zi)`` (the
        same bits, ``tests/unit/test_tso_noise.py``); importing ``scipy.signal`` would cost
        ~1.5 s.
        """
        if n <= 0:
            return np.empty(0)
        eps = self._rng.standard_normal(n)
        fresh = self._last is None  # then the path starts from the stationary distribution
        y_last = 0.0 if self._last is None else self._last
        out = ar1_path(eps, self.phi, self._scale, self.sigma, y_last, fresh)
        self._last = float(out[-1])
        return out

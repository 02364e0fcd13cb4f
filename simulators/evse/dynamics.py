"""Setpoint response of a charge point: dead time, ramp limit and IEC 61851 current steps.

All values are means over a simulation step ``[t, t + dt)``, which is what the grid sees.

- **Response delay** (dead time ``d``): the charger follows its target ``d`` seconds late.
  For a target that is piecewise constant over steps, the *exact* mean over step ``k`` of
  the delayed signal is ``(r/dt) * target[k - m - 1] + (1 - r/dt) * target[k - m]`` with
  ``d = m dt + r`` (``0 <= r < dt``). ``DeadTime`` keeps a short ring buffer of past
  targets for that. A delay of a whole step shifts the response by exactly one step.
- **Ramp limit** [kW/s]: the step mean may change by at most ``ramp * dt`` from the previous
  step's mean (a simplification of a continuous ramp within the step).
- **Current steps** (IEC 61851-1, control pilot): the EVSE tells the EV the maximum current
  by the PWM duty cycle; the EV's on-board charger draws at most that. Pilot currents are
  quantised to ``current_step_a`` (the duty-cycle resolution; many vehicles honour 1 A
  steps) and cannot be below 6 A per phase: a command below ``i_min_a`` either switches the
  charger off (``BelowMin.OFF``, what a 0 % / "not available" duty cycle does) or is raised
  to ``i_min_a`` (``BelowMin.MIN``) when no hard limit forbids that. Power per ampere is
  ``v_phase_v * phases`` (230 V per phase by default).

References
----------
.. [1] IEC 61851-1:2017, "Electric vehicle conductive charging system - Part 1: General
   requirements", Annex A (control pilot, PWM duty cycle to current, 6 A minimum).
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

__all__ = ["BelowMin", "DeadTime", "quantise_pilot", "ramp_limit"]

FloatArray = NDArray[np.float64]


class BelowMin(StrEnum):
    """What a pilot command below the minimum current does."""

    OFF = "off"
    MIN = "min"


class DeadTime:
    """Per-charger dead time applied to a step-wise constant target.

    Parameters
    ----------
    delay_s : ndarray (n,)
        Dead time per charger [s], >= 0.
    dt_s : int
        Step length [s].

    Examples
    --------
    >>> dt = DeadTime(np.array([0.0, 450.0, 900.0]), 900)
    >>> dt.step(np.full(3, 4.0)).tolist()
    [4.0, 2.0, 0.0]
    >>> dt.step(np.full(3, 4.0)).tolist()
    [4.0, 4.0, 4.0]
    """

    def __init__(self, delay_s: FloatArray, dt_s: int) -> None:
        delay = np.asarray(delay_s, dtype=float)
        self.whole = np.floor(delay / dt_s).astype(np.int64)
        self.frac = delay / dt_s - self.whole
        self.depth = int(self.whole.max(initial=0)) + 2
        self.n = delay.size
        self._buf = np.zeros((self.depth, self.n))
        self._pos = 0
        self._rows = np.arange(self.n)
        self.active = bool((delay > 0).any())

    def step(self, target: FloatArray) -> FloatArray:
        """Push this step's target and return the mean of the delayed response."""
        if not self.active:
            return target
        self._pos = (self._pos + 1) % self.depth
        self._buf[self._pos] = target
        now = (self._pos - self.whole) % self.depth
        before = (now - 1) % self.depth
        return (1.0 - self.frac) * self._buf[now, self._rows] + self.frac * self._buf[
            before, self._rows
        ]


def ramp_limit(
    p_kw: FloatArray, p_prev_kw: FloatArray, ramp_kw_per_s: FloatArray, dt_s: float
) -> FloatArray:
    """Clip ``p_kw`` to ``p_prev_kw ± ramp * dt`` (``inf`` ramp: no limit).

    >>> ramp_limit(np.array([10.0, -10.0]), np.zeros(2), np.array([0.01, np.inf]), 60).tolist()
    [0.6, -10.0]
    """
    step = ramp_kw_per_s * dt_s
    return np.clip(p_kw, p_prev_kw - step, p_prev_kw + step)


def quantise_pilot(
    p_kw: FloatArray,
    cap_kw: FloatArray,
    *,
    kw_per_a: FloatArray,
    step_a: FloatArray,
    i_min_a: FloatArray,
    raise_to_min: NDArray[np.bool_],
) -> FloatArray:
    """Round a pilot power command toward zero to the current grid of IEC 61851.

    Parameters
    ----------
    p_kw : ndarray (n,)
        Commanded power [kW] (sign kept; magnitudes are quantised).
    cap_kw : ndarray (n,)
        Largest magnitude allowed by hard limits [kW] (rating, contract, P(V)); a command
        at the cap is kept as is (the rated current need not lie on the grid).
    kw_per_a : ndarray (n,)
        Power per ampere of pilot current [kW/A]: ``v_phase * phases / 1000``.
    step_a : ndarray (n,)
        Current resolution [A]; 0 for continuous.
    i_min_a : ndarray (n,)
        Minimum current [A] (6 A per IEC 61851-1); 0 for none.
    raise_to_min : ndarray of bool (n,)
        Where a non-zero command below ``i_min_a`` is raised to it (if ``cap_kw`` allows)
        rather than switched off.

    Returns
    -------
    ndarray (n,)
        Quantised power [kW], ``|result| <= max(|p_kw|, i_min power within cap)``.

    Examples
    --------
    >>> k = np.full(3, 0.69)  # 3 phases x 230 V
    >>> quantise_pilot(np.array([3.0, 5.0, 11.0]), np.full(3, 11.0), kw_per_a=k,
    ...                step_a=np.ones(3), i_min_a=np.full(3, 6.0),
    ...                raise_to_min=np.zeros(3, dtype=bool)).round(2).tolist()
    [0.0, 4.83, 11.0]
    """
    mag = np.abs(p_kw)
    i = mag / kw_per_a
    with np.errstate(divide="ignore", invalid="ignore"):
        i_q = np.where(step_a > 0, np.floor(i / step_a + 1e-9) * step_a, i)
    i_q = np.where(mag >= cap_kw * (1.0 - 1e-12), i, i_q)
    p_min = i_min_a * kw_per_a
    below = (i_q < i_min_a) & (mag > 0)
    raised = below & raise_to_min & (p_min <= cap_kw * (1.0 + 1e-12))
    i_q = np.where(below, np.where(raised, i_min_a, 0.0), i_q)
    return np.sign(p_kw) * np.minimum(i_q * kw_per_a, np.where(raised, p_min, mag))

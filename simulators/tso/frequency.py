"""Synthetic Continental Europe (CE) system frequency at a few-second resolution.

Model
-----
The deviation from nominal is the sum of three parts, sampled every ``dt_s`` seconds (each
sample holds over ``[t, t + dt_s)``):

.. math::

    \\Delta f(t) = \\mu + x(t) + a_b \\, g(t - t_b), \\qquad
    g(s) = \\frac{s}{\\tau_e} \\exp\\left(1 - \\frac{s}{\\tau_e}\\right)

- ``x``: stochastic imbalance, an Ornstein-Uhlenbeck process (std ``sigma_noise_hz``,
  correlation time ``tau_noise_s``), see :class:`~simulators.tso.noise.AR1`;
- ``a_b g(s)``: the excursion after the last market-time-unit boundary ``t_b`` (full hour or
  quarter hour), peaking at ``a_b`` after ``tau_excursion_s`` and decaying after. At a full
  hour ``a_b = dfd_hz[hour] + sigma_hour_hz * xi`` (``xi ~ N(0, 1)``): the *daily pattern*
  of deterministic frequency deviations (DFD) plus a random part; at a quarter hour
  ``a_b = quarter_factor * sigma_hour_hz * xi``;
- ``mu``: constant offset (e.g. a grid-time correction of ±10 mHz).

Only the deviation after a boundary is modelled; the opposite drift before the boundary
(frequency rising before the hour on evening ramps) is left to the stochastic part.

Calibration (defaults, preset ``"ce"``)
---------------------------------------
- Stochastic corridor about ±20 mHz around 50 Hz in normal operation [1]_ [2]_; the CE
  *standard frequency range* is ±50 mHz and the quality target allows at most 15,000 min a
  year (2.9 %) outside it (SO GL Annex III) [3]_.
- Measured on this model (defaults, 10-s samples, one week, seeds 0-3): mean within
  ±1 mHz, std 18.4-19.0 mHz (``sigma_noise_hz`` 16 mHz plus ~10 mHz from the boundary
  excursions), 1.2-1.4 % of the time outside ±50 mHz (~6,000-7,300 min a year), inside the
  SO GL target.
- Deterministic deviations at the hour change, largest during the morning (load rising:
  generation steps up at the hour, over-frequency after it) and evening ramps (load falling:
  under-frequency after the hour) [4]_; smaller jumps at the 15-min trading intervals [2]_
  [5]_. The ``dfd_hz`` table (±10...30 mHz) and ``sigma_hour_hz`` (30 mHz) give
  excursions of a few tens of mHz after the hour, the order of magnitude reported; they are
  modelling choices, not fitted values.
- ``tau_noise_s`` (120 s) is an assumption between FCR's 30-s activation and aFRR's 5-min
  activation time; calibrate it against measured data (CSV) for quantitative studies.
- Measured CE frequency has heavier tails than a Gaussian [5]_; this model does not
  reproduce them (no outages or large imbalances).

The local hour is the scenario start's fixed UTC offset (CE market hours are CET/CEST, the
boundaries themselves are the same in UTC for whole-hour offsets).

References
----------
.. [1] gridradar.net, "Mains frequency" (the ±20 mHz stochastic corridor in CE).
.. [2] L. Rydin Gorjão et al., "Open database analysis of scaling and spatio-temporal
   properties of power grid frequencies", Nat. Commun. 11, 6362 (2020).
.. [3] Commission Regulation (EU) 2017/1485 (SO GL), Annex III, frequency quality defining
   parameters for CE.
.. [4] ENTSO-E / Eurelectric, "Deterministic frequency deviations - root causes and proposals
   for potential solutions" (2012) and "2nd stage impact analysis" (2013).
.. [5] B. Schäfer et al., "Non-Gaussian power grid frequency fluctuations characterized by
   Lévy-stable laws and superstatistics", Nat. Energy 3, 119-126 (2018).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from simulators.tso.noise import AR1

__all__ = ["CE_DFD_HZ", "FrequencyParams", "SyntheticFrequency", "frequency_params"]

#: mean excursion after each local full hour [Hz], index = hour starting at the boundary:
#: positive on the morning load ramp, negative on the evening one (modelling choice, see [4])
CE_DFD_HZ: tuple[float, ...] = (
    *(-0.010, 0.0, 0.0, 0.0, 0.0, 0.010, 0.025, 0.020, 0.010, 0.0, 0.0, 0.0),
    *(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.010, -0.015, -0.025, -0.030, -0.020),
)
_QUARTER_S = 900


@dataclass(frozen=True)
class FrequencyParams:
    """Parameters of :class:`SyntheticFrequency` (defaults: Continental Europe).

    Parameters
    ----------
    f_nominal_hz : float
        Nominal frequency [Hz], > 0.
    sigma_noise_hz : float
        Stationary std of the stochastic imbalance part [Hz], in [0, 0.5].
    tau_noise_s : float
        Correlation time of the stochastic part [s], > 0.
    sigma_hour_hz : float
        Std of the random excursion amplitude after each full hour [Hz], in [0, 0.5].
    quarter_factor : float
        Random excursion at a quarter hour relative to a full hour, in [0, 1].
    tau_excursion_s : float
        Time from the boundary to the excursion peak [s], in (0, 900).
    dfd_hz : tuple of 24 floats
        Mean excursion after each local full hour [Hz] (the daily pattern), each in
        [-0.5, 0.5].
    mean_offset_hz : float
        Constant deviation [Hz] (time correction), in [-0.05, 0.05].
    """

    f_nominal_hz: float = 50.0
    sigma_noise_hz: float = 0.016
    tau_noise_s: float = 120.0
    sigma_hour_hz: float = 0.030
    quarter_factor: float = 0.5
    tau_excursion_s: float = 120.0
    dfd_hz: tuple[float, ...] = CE_DFD_HZ
    mean_offset_hz: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "dfd_hz", tuple(float(v) for v in self.dfd_hz))
        problems = []
        checks = {
            "f_nominal_hz": (self.f_nominal_hz > 0, "> 0"),
            "sigma_noise_hz": (0 <= self.sigma_noise_hz <= 0.5, "in [0, 0.5] Hz"),
            "tau_noise_s": (self.tau_noise_s > 0, "> 0 s"),
            "sigma_hour_hz": (0 <= self.sigma_hour_hz <= 0.5, "in [0, 0.5] Hz"),
            "quarter_factor": (0 <= self.quarter_factor <= 1, "in [0, 1]"),
            "tau_excursion_s": (0 < self.tau_excursion_s < _QUARTER_S, "in (0, 900) s"),
            "mean_offset_hz": (abs(self.mean_offset_hz) <= 0.05, "in [-0.05, 0.05] Hz"),
            "dfd_hz": (
                len(self.dfd_hz) == 24 and all(abs(v) <= 0.5 for v in self.dfd_hz),
                "24 values in [-0.5, 0.5] Hz",
            ),
        }
        for name, (ok, allowed) in checks.items():
            if not ok:
                problems.append(f"{name}={getattr(self, name)!r} must be {allowed}")
        if problems:
            raise ValueError("invalid FrequencyParams: " + "; ".join(problems))


PRESETS: dict[str, FrequencyParams] = {
    "ce": FrequencyParams(),
    "ce_no_pattern": FrequencyParams(
        sigma_noise_hz=0.019, sigma_hour_hz=0.0, dfd_hz=(0.0,) * 24, quarter_factor=0.0
    ),
    # the counterfactual "FCR band held but never activated": 50 Hz throughout
    "nominal": FrequencyParams(
        sigma_noise_hz=0.0, sigma_hour_hz=0.0, dfd_hz=(0.0,) * 24, quarter_factor=0.0
    ),
}


def frequency_params(spec: str | dict[str, Any] | FrequencyParams | None) -> FrequencyParams:
    """Build params from a preset name, a dict (``preset`` key plus overrides) or None (CE).

    >>> frequency_params({"preset": "ce", "sigma_noise_hz": 0.02}).sigma_noise_hz
    0.02
    """
    if spec is None:
        return PRESETS["ce"]
    if isinstance(spec, FrequencyParams):
        return spec
    if isinstance(spec, str):
        spec = {"preset": spec}
    spec = dict(spec)
    preset = spec.pop("preset", "ce")
    if preset not in PRESETS:
        raise ValueError(f"unknown frequency preset {preset!r}; choose from {sorted(PRESETS)}")
    known = {f.name for f in fields(FrequencyParams)}
    unknown = set(spec) - known
    if unknown:
        raise ValueError(f"unknown frequency field(s) {sorted(unknown)}; known: {sorted(known)}")
    if "dfd_hz" in spec:
        spec["dfd_hz"] = tuple(spec["dfd_hz"])
    return replace(PRESETS[preset], **spec)


class SyntheticFrequency:
    """Draws the CE frequency in consecutive chunks of ``dt_s`` samples.

    Parameters
    ----------
    params : FrequencyParams
        Model parameters.
    rng : numpy.random.Generator
        Generator of this signal; two independent children are spawned from it (noise,
        excursions), so the path does not depend on the chunk sizes.
    dt_s : int
        Sample spacing [s], dividing 900 s.
    phase_s : int
        Local time of day at scenario time 0 [s since local midnight].

    Examples
    --------
    >>> gen = SyntheticFrequency(FrequencyParams(), np.random.default_rng(1), dt_s=10)
    >>> f = gen.draw(0, 360)
    >>> bool(49.8 < f.mean() < 50.2)
    True
    """

    def __init__(
        self, params: FrequencyParams, rng: np.random.Generator, *, dt_s: int, phase_s: int = 0
    ) -> None:
        if not (isinstance(dt_s, int) and dt_s > 0 and _QUARTER_S % dt_s == 0):
            raise ValueError(f"dt_s={dt_s!r} must be a positive integer dividing 900 s")
        self.params = params
        self.dt_s = dt_s
        self.phase_s = int(phase_s)
        noise_rng, self._jump_rng = rng.spawn(2)
        self._noise = AR1(params.sigma_noise_hz, params.tau_noise_s, dt_s, noise_rng)
        self._dfd = np.asarray(params.dfd_hz)
        self._next_t_s = 0
        self._last_b = (self.phase_s // _QUARTER_S) - 1  # last boundary with an amplitude
        self._last_amp = 0.0

    def draw(self, t0_s: int, n: int) -> NDArray[np.float64]:
        """Frequency [Hz] of the ``n`` samples starting at scenario time ``t0_s``.

        Chunks must be consecutive: ``t0_s`` is where the previous chunk ended.
        """
        if t0_s != self._next_t_s:
            raise ValueError(
                f"synthetic frequency is drawn in consecutive chunks: expected t0_s="
                f"{self._next_t_s}, got {t0_s}"
            )
        self._next_t_s = t0_s + n * self.dt_s
        t_local = self.phase_s + t0_s + self.dt_s * np.arange(n, dtype=np.int64)
        dev = self._noise.draw(n) + self._excursions(t_local) + self.params.mean_offset_hz
        return self.params.f_nominal_hz + dev

    def _excursions(self, t_local: NDArray[np.int64]) -> NDArray[np.float64]:
        """Boundary excursion part [Hz] at local times ``t_local`` [s]."""
        if t_local.size == 0:
            return np.empty(0)
        b = t_local // _QUARTER_S
        new_b = np.arange(self._last_b + 1, int(b[-1]) + 1)
        xi = self._jump_rng.standard_normal(new_b.size)
        is_hour = new_b % 4 == 0
        hour = (new_b // 4) % 24
        p = self.params
        new_amp = np.where(
            is_hour, self._dfd[hour] + p.sigma_hour_hz * xi, p.quarter_factor * p.sigma_hour_hz * xi
        )
        amps = np.concatenate(([self._last_amp], new_amp))  # boundaries old, old + 1, ...
        amp = amps[b - self._last_b]
        self._last_b, self._last_amp = int(b[-1]), float(amps[-1])
        u = (t_local - b * _QUARTER_S) / p.tau_excursion_s
        return amp * u * np.exp(1.0 - u)

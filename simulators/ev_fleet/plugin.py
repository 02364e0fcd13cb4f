"""Plug-in decision of EV drivers on arrival home (systematic or non-systematic)."""

from __future__ import annotations

from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "PLUG_DRAW_BLOCK",
    "SOC_MAX",
    "PlugDraws",
    "PluginMode",
    "decide_plugin",
    "plugin_probability",
    "plugin_soc_min",
]

SOC_MAX = 1.0
"""SoC above which a driver never plugs in (``SoC_max`` of the plug-in model)."""
#: draws per generator call of :class:`PlugDraws` in a fleet (two per decision)
PLUG_DRAW_BLOCK = 1024


class PluginMode(StrEnum):
    """How drivers decide to plug in when they arrive home.

    ``NON_SYSTEMATIC``: probabilistic decision that depends on the SoC (see
    :func:`plugin_probability`). ``DAILY``: systematic, the EV plugs in at every arrival.
    """

    NON_SYSTEMATIC = "non_systematic"
    DAILY = "daily"


def plugin_soc_min(
    e_next_trip_kwh: NDArray[np.float64],
    capacity_kwh: NDArray[np.float64],
    *,
    rho: float = 1.5,
) -> NDArray[np.float64]:
    """SoC below which a driver always plugs in: next trip energy times a safety factor.

    Parameters
    ----------
    e_next_trip_kwh : ndarray (n,)
        Energy of the next day's trip [kWh].
    capacity_kwh : ndarray (n,)
        Usable battery capacity [kWh].
    rho : float
        Safety factor on the trip energy [-] (1.5 in Gonzalez Venegas et al. 2019).

    Returns
    -------
    ndarray (n,)
        ``SoC_min`` per EV as a fraction of capacity [-], not clipped (may exceed 1).

    Examples
    --------
    >>> plugin_soc_min(np.array([6.0]), np.array([60.0])).tolist()
    [0.15]
    """
    return rho * np.asarray(e_next_trip_kwh, dtype=float) / np.asarray(capacity_kwh, dtype=float)


def plugin_probability(
    soc: NDArray[np.float64],
    soc_min: NDArray[np.float64],
    alpha: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Probability that a driver plugs in on arrival (non-systematic plug-in model).

    .. math::

        P = 1 - \\left(\\frac{SoC - SoC_{min}}{SoC_{max} - SoC_{min}}\\right)^{\\alpha}

    with ``P = 1`` when ``SoC < SoC_min`` and ``P = 0`` when ``SoC >= SoC_max = 1``.
    A small ``alpha`` makes drivers plug in rarely (only when nearly empty), a large one
    makes them plug in almost every day.

    Parameters
    ----------
    soc : ndarray (n,)
        SoC on arrival [-].
    soc_min : ndarray (n,)
        SoC below which the driver always plugs in [-] (:func:`plugin_soc_min`).
    alpha : ndarray (n,)
        Per-driver plug-in propensity exponent [-].

    Returns
    -------
    ndarray (n,)
        Plug-in probability in [0, 1].

    References
    ----------
    .. [1] F. Gonzalez Venegas, M. Petit, Y. Perez, "Impact of non-systematic electric
       vehicle charging behaviour on a distribution substation", Proc. IEEE PES ISGT-Europe
       2019, Bucharest. doi:10.1109/ISGTEurope.2019.8905710
    .. [2] F. Gonzalez Venegas, M. Petit, Y. Perez, "Plug-in behavior of electric vehicles
       users: insights from a large-scale trial and impacts on grid integration studies",
       eTransportation 10 (2021) 100131 (alpha ~ 1.3 calibrated on the Electric Nation
       trial; also presented at CIRED 2020).

    Examples
    --------
    >>> plugin_probability(np.array([0.1, 1.0, 0.6]), np.array([0.2, 0.2, 0.2]),
    ...                    np.array([1.3, 1.3, 1.0])).round(3).tolist()
    [1.0, 0.0, 0.5]
    """
    soc = np.asarray(soc, dtype=float)
    soc_min = np.asarray(soc_min, dtype=float)
    span = np.maximum(SOC_MAX - soc_min, 1e-12)
    ratio = _clip_unit((soc - soc_min) / span)
    prob = 1.0 - ratio ** np.asarray(alpha, dtype=float)
    prob = np.where(soc < soc_min, 1.0, prob)
    return np.where(soc >= SOC_MAX, 0.0, prob)


def decide_plugin(
    soc: NDArray[np.float64],
    soc_min: NDArray[np.float64],
    alpha: NDArray[np.float64],
    *,
    mode: PluginMode,
    rng: np.random.Generator,
) -> NDArray[np.bool_]:
    """Draw the plug-in decision of each arriving driver.

    Parameters
    ----------
    soc, soc_min, alpha : ndarray (n,)
        As in :func:`plugin_probability`.
    mode : PluginMode
        ``DAILY`` plugs in every EV; ``NON_SYSTEMATIC`` draws from the probability.
    rng : numpy.random.Generator
        Source of the uniform draws (one per EV, drawn in both modes so that switching
        the mode leaves every other random stream unchanged).

    Returns
    -------
    ndarray of bool (n,)
        True where the driver plugs in.
    """
    draw = rng.random(np.shape(soc))
    if mode is PluginMode.DAILY:
        return np.ones(np.shape(soc), dtype=bool)
    return draw < plugin_probability(soc, soc_min, alpha)


class PlugDraws:
    """The uniform draws of the plug-in decisions: ``rng.random``'s stream, drawn in blocks.

    ``rng.random(a)`` then ``rng.random(b)`` gives the same doubles as ``rng.random(a + b)``
    (one double per 64-bit draw, nothing buffered), so :meth:`take` hands out exactly the
    values that one ``rng.random(k)`` per decision would, while the generator is called once
    per ``block`` draws instead of at every decision (a call costs several µs in a run).
    Only the generator's own state runs ahead: nothing else may draw from ``rng`` once a
    buffered instance exists (``block=0``: no buffering, e.g. while the fleet initialises).

    >>> a, b = PlugDraws(np.random.default_rng(1), block=8), np.random.default_rng(1)
    >>> all((a.take(k) == b.random(k)).all() for k in (3, 0, 7, 12))
    True
    """

    def __init__(self, rng: np.random.Generator, *, block: int) -> None:
        self.rng = rng
        self.block = int(block)
        self._buf: NDArray[np.float64] = np.empty(0)
        self._buf.setflags(write=False)
        self._pos = 0

    def take(self, k: int) -> NDArray[np.float64]:
        """The next ``k`` draws of the stream (a read-only view)."""
        pos, buf = self._pos, self._buf
        if pos + k > buf.size:
            rest = buf[pos:]
            new = self.rng.random(max(self.block, k - rest.size))
            buf = self._buf = np.concatenate((rest, new)) if rest.size else new
            buf.setflags(write=False)
            pos = 0
        self._pos = pos + k
        return buf[pos : pos + k]


def _clip_unit(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """``np.clip(x, 0.0, 1.0)`` in place, bit for bit (-0.0 and NaN kept), without its wrapper.

    The bound goes first: ``np.maximum(0.0, -0.0)`` is -0.0 as in ``np.clip``, while
    ``np.maximum(-0.0, 0.0)`` may give 0.0.
    """
    np.maximum(0.0, x, out=x)
    return np.minimum(1.0, x, out=x)

"""Interruptible-contract curtailment: fair (water-filling) limits with gradual release."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["interruptible_limits", "release_limits", "water_fill_level"]


def water_fill_level(p_kw: ArrayLike, shed_kw: float) -> float:
    """Common power cap that sheds ``shed_kw`` from the chargers drawing the most.

    Finds the level λ ≥ 0 with Σ max(p_i − λ, 0) = ``shed_kw``: every charger is capped at
    the same λ, and chargers drawing less than λ keep their power. When ``shed_kw`` is at
    least the total power, λ = 0.

    Parameters
    ----------
    p_kw : array_like (n,)
        Power each charger draws [kW] (negative values count as 0).
    shed_kw : float
        Power to shed [kW].

    Returns
    -------
    float
        The cap λ [kW]; ``inf`` when nothing is to be shed.

    Examples
    --------
    >>> water_fill_level([10.0, 6.0, 2.0], 6.0)
    5.0
    >>> water_fill_level([10.0, 6.0, 2.0], 100.0)
    0.0
    """
    if shed_kw <= 0.0:
        return float("inf")
    p = np.sort(np.clip(np.nan_to_num(np.asarray(p_kw, dtype=float)), 0.0, None))[::-1]
    if p.size == 0 or shed_kw >= p.sum():
        return 0.0
    k = np.arange(1, p.size + 1)
    level = (np.cumsum(p) - shed_kw) / k
    nxt = np.append(p[1:], 0.0)
    first = int(np.argmax(level >= nxt))  # exists: the last candidate is > 0 here
    return float(level[first])


def interruptible_limits(
    shed_kw: NDArray[np.float64],
    mask: NDArray[np.bool_],
    p_kw: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Per-charger caps that shed each congested element's excess from its downstream chargers.

    Parameters
    ----------
    shed_kw : ndarray (E,)
        Power to shed per element [kW] (0 where not congested).
    mask : ndarray of bool (E, C)
        Charger ``c`` is downstream of element ``e``.
    p_kw : ndarray (C,)
        Measured power per charger [kW].

    Returns
    -------
    ndarray (C,)
        Cap per charger [kW], ``inf`` for chargers no congested element asks to cap; with
        several congested elements the tightest cap holds.
    """
    limit = np.full(p_kw.shape, np.inf)
    for e in np.flatnonzero(shed_kw > 0.0):  # loops over congested elements, not chargers
        down = mask[e]
        level = water_fill_level(p_kw[down], float(shed_kw[e]))
        limit[down] = np.minimum(limit[down], level)
    return limit


def release_limits(
    previous_kw: NDArray[np.float64],
    *,
    hold: NDArray[np.bool_],
    release_kw: float,
    p_rated_kw: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Keep held caps, raise the others by ``release_kw``; caps reaching the rating vanish.

    Parameters
    ----------
    previous_kw : ndarray (C,)
        Caps issued last step [kW] (NaN: none).
    hold : ndarray of bool (C,)
        Chargers behind an element still near its limit (within the hysteresis).
    release_kw : float
        Increase per step of a released cap [kW].
    p_rated_kw : ndarray (C,)
        Charger ratings [kW]; a cap at or above it is dropped (NaN).

    >>> release_limits(np.array([2.0, 10.5, np.nan]), hold=np.array([False, False, False]),
    ...                release_kw=1.0, p_rated_kw=np.full(3, 11.0)).tolist()
    [3.0, nan, nan]
    """
    raised = np.where(hold, previous_kw, previous_kw + release_kw)
    return np.where(raised >= p_rated_kw, np.nan, raised)

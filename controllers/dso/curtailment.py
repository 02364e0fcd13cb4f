"""Interruptible-contract curtailment: fair (water-filling) limits with gradual release."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .cover import ChargerCover, as_cover

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
    mask: ChargerCover | NDArray[np.bool_],
    p_kw: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Per-charger caps that shed each congested element's excess from its downstream chargers.

    Parameters
    ----------
    shed_kw : ndarray (E,)
        Power to shed per element [kW] (0 where not congested).
    mask : ChargerCover or ndarray of bool (E, C)
        Charger ``c`` is downstream of element ``e``.
    p_kw : ndarray (C,)
        Measured power per charger [kW].

    Returns
    -------
    ndarray (C,)
        Cap per charger [kW], ``inf`` for chargers no congested element asks to cap; with
        several congested elements the tightest cap holds.
    """
    cover = as_cover(mask)
    limit = np.full(p_kw.shape, np.inf)
    for e in np.flatnonzero(shed_kw > 0.0):  # loops over congested elements, not chargers
        down = cover.chargers(int(e))
        if down.size == 0:
            continue
        level = water_fill_level(p_kw[down], float(shed_kw[e]))
        limit[down] = np.minimum(limit[down], level)
    return limit


def release_limits(
    previous_kw: NDArray[np.float64],
    *,
    headroom_kw: NDArray[np.float64],
    mask: ChargerCover | NDArray[np.bool_],
    release_kw: float,
    p_rated_kw: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Raise last step's caps gradually, never by more than the grid has room for.

    Each element's headroom (power it can take before reaching ``limit − hysteresis``) is
    shared equally by the capped chargers downstream of it; a cap rises by the smallest such
    share over the elements feeding it, and by at most ``release_kw``. Caps behind an
    element at or above ``limit − hysteresis`` (no headroom) are held. A cap that reaches
    the charger rating is dropped (NaN).

    Parameters
    ----------
    previous_kw : ndarray (C,)
        Caps issued last step [kW] (NaN: none).
    headroom_kw : ndarray (E,)
        Room left on each element below ``limit − hysteresis`` [kW] (0 when above).
    mask : ChargerCover or ndarray of bool (E, C)
        Charger ``c`` is downstream of element ``e``.
    release_kw : float
        Largest increase of a cap per step [kW].
    p_rated_kw : ndarray (C,)
        Charger ratings [kW].

    >>> release_limits(np.array([2.0, 10.5, np.nan]), headroom_kw=np.array([100.0]),
    ...                mask=np.ones((1, 3), bool), release_kw=1.0,
    ...                p_rated_kw=np.full(3, 11.0)).tolist()
    [3.0, nan, nan]
    """
    capped = ~np.isnan(previous_kw)
    if not capped.any():
        return previous_kw.copy()
    cover = as_cover(mask)
    n_capped = cover.count_where(capped)
    share = np.where(n_capped > 0, headroom_kw / np.maximum(n_capped, 1), np.inf)
    room = cover.min_upstream(share, initial=np.inf)
    raised = previous_kw + np.minimum(release_kw, room)
    return np.where(raised >= p_rated_kw, np.nan, raised)

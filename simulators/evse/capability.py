"""P-Q capability of a charge point: keep the operating point inside |S| <= S_rated."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["limit_to_circle"]

FloatArray = NDArray[np.float64]


def limit_to_circle(
    p_kw: FloatArray,
    q_kvar: FloatArray,
    s_rated_kva: FloatArray,
    *,
    q_priority: NDArray[np.bool_],
) -> tuple[FloatArray, FloatArray]:
    """Project ``(p, q)`` into the capability circle ``p² + q² <= s_rated²``.

    With **P priority** active power is kept (clipped to ``±s_rated``) and reactive power
    takes what is left, ``|q| <= sqrt(s² - p²)``; with **Q priority** the reverse. Signs are
    kept; a point already inside the circle is returned unchanged.

    Parameters
    ----------
    p_kw, q_kvar : ndarray (n,)
        Requested active [kW] and reactive [kvar] power (consumer sign).
    s_rated_kva : ndarray (n,)
        Rated apparent power [kVA], > 0.
    q_priority : ndarray of bool (n,)
        True where reactive power has priority.

    Returns
    -------
    (ndarray, ndarray)
        Active [kW] and reactive [kvar] power with ``hypot(p, q) <= s_rated``.

    Examples
    --------
    >>> p, q = limit_to_circle(np.array([10.0, 10.0]), np.array([6.0, 6.0]),
    ...                        np.array([10.0, 10.0]), q_priority=np.array([False, True]))
    >>> p.tolist(), q.tolist()
    ([10.0, 8.0], [0.0, 6.0])
    """
    s = s_rated_kva
    first = np.where(q_priority, q_kvar, p_kw)
    second = np.where(q_priority, p_kw, q_kvar)
    first = np.clip(first, -s, s)
    room = np.sqrt(np.maximum(s * s - first * first, 0.0))
    second = np.clip(second, -room, room)
    p = np.where(q_priority, second, first)
    q = np.where(q_priority, first, second)
    # guard against rounding just outside the circle
    scale = np.minimum(1.0, s / np.maximum(np.hypot(p, q), 1e-300))
    return p * scale, q * scale

"""Violation detection: congested lines/trafos and buses outside the EN 50160 voltage band."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cosim.errors import ModelError
from cosim.records import frozen_record

__all__ = ["Violations", "detect", "element_loadings", "nan_to_num", "shed_needed_kw"]

_F64 = np.dtype(np.float64)


def element_loadings(n_element: int, line: Any, trafo: Any, eid: str) -> NDArray[np.float64]:
    """Lines then trafos [%] from the grid's inputs (NaN, i.e. unknown, while none came).

    >>> element_loadings(3, [10.0, 20.0], 30.0, "Operator_0").tolist()
    [10.0, 20.0, 30.0]
    """
    if (
        type(line) is np.ndarray
        and type(trafo) is np.ndarray
        and line.dtype == _F64
        and trafo.dtype == _F64
        and line.ndim == trafo.ndim == 1
    ):  # the grid's two 1-D float arrays (every step): as they are, nothing to convert
        parts = [line, trafo]
    else:
        parts = [
            np.asarray(value, dtype=float).reshape(-1)
            for value in (line, trafo)
            if value is not None
        ]
    loading = np.concatenate(parts) if parts else np.full(n_element, np.nan)
    if loading.size != n_element:
        raise ModelError(
            f"{eid} got {loading.size} line and trafo loadings, expected {n_element} (lines then "
            "trafos); connect the grid Area it was created for"
        )
    return loading


def nan_to_num(values: ArrayLike) -> NDArray[np.float64]:
    """``numpy.nan_to_num`` of a float array, without its cost when every value is finite.

    Measurements are finite but in a non-converged step; numpy's own version costs several
    array passes even then.

    >>> nan_to_num(np.array([1.0, np.nan])).tolist()
    [1.0, 0.0]
    """
    arr = np.asarray(values, dtype=float)
    return arr.copy() if np.isfinite(arr).all() else np.nan_to_num(arr)


@dataclass(frozen=True)
class Violations:
    """What the operator sees as wrong in one observation.

    Attributes
    ----------
    congested : ndarray of bool (E,)
        Element loading above the limit.
    v_low, v_high : ndarray of bool (B,)
        Bus voltage below / above the band.
    """

    congested: NDArray[np.bool_]
    v_low: NDArray[np.bool_]
    v_high: NDArray[np.bool_]

    @property
    def n_congested(self) -> int:
        """Number of lines and trafos above the loading limit."""
        return int(np.count_nonzero(self.congested))

    @property
    def n_v_violations(self) -> int:
        """Number of buses outside the voltage band."""
        return int(np.count_nonzero(self.v_low | self.v_high))


def detect(
    loading_pct: ArrayLike,
    v_pu: ArrayLike,
    *,
    loading_limit_pct: float = 100.0,
    v_min_pu: float = 0.9,
    v_max_pu: float = 1.1,
) -> Violations:
    """Flag congested elements and voltage-band violations.

    A loading strictly above ``loading_limit_pct`` is congestion; a voltage strictly outside
    ``[v_min_pu, v_max_pu]`` is a violation. NaN values (a non-converged power flow, a
    missing measurement) are never flagged.

    Parameters
    ----------
    loading_pct : array_like (E,)
        Loading of each line and trafo [%].
    v_pu : array_like (B,)
        Bus voltage magnitudes [p.u.].
    loading_limit_pct : float
        Loading limit [%].
    v_min_pu, v_max_pu : float
        Voltage band [p.u.]; EN 50160 holds LV supply voltage within ±10 % of nominal.

    References
    ----------
    EN 50160, *Voltage characteristics of electricity supplied by public electricity
    networks* (±10 % of nominal for 95 % of 10-min means over a week).

    Examples
    --------
    >>> v = detect([80.0, 120.0], [1.0, 0.88, 1.12])
    >>> v.n_congested, v.n_v_violations
    (1, 2)
    """
    loading = np.asarray(loading_pct, dtype=float)
    v = np.asarray(v_pu, dtype=float)
    return frozen_record(  # comparisons with NaN are False and never warn
        Violations,
        congested=loading > loading_limit_pct,
        v_low=v < v_min_pu,
        v_high=v > v_max_pu,
    )


def shed_needed_kw(
    loading_pct: ArrayLike,
    rating_kva: ArrayLike,
    *,
    loading_limit_pct: float = 100.0,
    margin_pct: float = 2.0,
) -> NDArray[np.float64]:
    """Active power to shed per element to bring it back under its limit [kW].

    ``(L − limit + margin)/100 × rating`` where ``L > limit``, else 0. Loading is an
    apparent-power (current) ratio; taking its excess as active power is exact for unity
    power factor and conservative otherwise.

    >>> shed_needed_kw([110.0, 90.0], [250.0, 250.0]).tolist()
    [30.0, 0.0]
    """
    loading = np.asarray(loading_pct, dtype=float)
    rating = np.asarray(rating_kva, dtype=float)
    excess = np.where(loading > loading_limit_pct, loading - loading_limit_pct + margin_pct, 0.0)
    return nan_to_num(excess) / 100.0 * rating

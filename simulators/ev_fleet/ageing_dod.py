"""Depth of discharge of a SoC history (half-cycle counting), the ``dod`` input of ageing."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["dod_from_soc_history"]

FloatArray = NDArray[np.float64]


def dod_from_soc_history(soc: ArrayLike) -> FloatArray:
    """Throughput-weighted depth of discharge of the half-cycles in a SoC history.

    The history is cut into half-cycles at every reversal of the SoC direction (flat
    steps do not cut); a half-cycle's depth is its SoC swing ``d``. The result weights each
    half-cycle by its throughput, ``sum(d^2) / sum(d)``, so it is the DoD to pass with the
    window's throughput. Simpler than rainflow counting: a small reversal inside a large
    swing splits it. Vectorised over EVs.

    Parameters
    ----------
    soc : array_like, shape (n_steps, n_ev)
        SoC samples in time order [-].

    Returns
    -------
    ndarray, shape (n_ev,)
        Depth of discharge [-]; 0 for an EV whose SoC never changed.

    >>> dod_from_soc_history([[0.8], [0.5], [0.5], [0.2], [0.8]])  # pause does not cut
    array([0.6])
    """
    arr = np.asarray(soc, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] < 2:
        raise ValueError(f"soc must have shape (n_steps >= 2, n_ev), got {arr.shape}")
    diff = np.diff(arr, axis=0)
    sign = np.sign(diff)
    # carry the last non-zero direction across flat steps, so a pause does not cut a cycle
    idx = np.where(sign != 0, np.arange(sign.shape[0])[:, None], 0)
    np.maximum.accumulate(idx, axis=0, out=idx)
    direction = np.take_along_axis(sign, idx, axis=0)
    new_run = np.vstack([np.ones((1, arr.shape[1]), bool), direction[1:] != direction[:-1]])
    run_id = np.cumsum(new_run, axis=0) - 1  # per EV, 0..n_runs-1
    n_runs = diff.shape[0]
    flat = (run_id + np.arange(arr.shape[1])[None, :] * n_runs).ravel()
    depth = np.bincount(flat, weights=np.abs(diff).ravel(), minlength=n_runs * arr.shape[1])
    depth = depth.reshape(arr.shape[1], n_runs)
    total = depth.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, (depth**2).sum(axis=1) / total, 0.0)

"""Published ageing laws used by :mod:`simulators.ev_fleet.ageing`: OCV table and the
stress factors of the Schmalstieg 2014 (NMC) and Wang 2011 (LFP) models.

See :mod:`simulators.ev_fleet.ageing` for the references, units and how the laws are
stepped through time.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "NMC_OCV_SOC",
    "NMC_OCV_V",
    "lfp_cycle_factor",
    "nmc_alpha_cap",
    "nmc_beta_cap",
    "ocv_nmc_v",
]

FloatArray = NDArray[np.float64]

NMC_OCV_SOC: FloatArray = np.linspace(0.0, 1.0, 11)
NMC_OCV_V: FloatArray = np.array([3.33, 3.49, 3.58, 3.63, 3.66, 3.70, 3.78, 3.87, 3.97, 4.07, 4.16])
NMC_OCV_SOC.flags.writeable = False
NMC_OCV_V.flags.writeable = False
_NMC_OCV_SLOPE = np.diff(NMC_OCV_V)  # [V per table interval]

_R_J_MOLK = 8.314
_K0 = 273.15
_NMC_Z_CAL = 0.75
_NMC_Z_CYC = 0.5
_LFP_Z_CYC = 0.55
_LFP_C_RATE = np.array([0.5, 2.0, 6.0, 10.0])
_LFP_B = np.array([31630.0, 21681.0, 12934.0, 15512.0])


def ocv_nmc_v(soc: ArrayLike) -> FloatArray:
    """Open-circuit cell voltage of the NMC cell (piecewise linear in SoC).

    Parameters
    ----------
    soc : array_like
        State of charge [-], clipped to [0, 1].

    Returns
    -------
    ndarray
        Cell voltage [V], 3.33 V at SoC 0 to 4.16 V at SoC 1.

    >>> float(ocv_nmc_v(0.5))
    3.7
    """
    # the table is uniform in SoC, so index arithmetic replaces np.interp (4x faster)
    pos = np.clip(np.asarray(soc, dtype=np.float64), 0.0, 1.0) * (NMC_OCV_SOC.size - 1)
    idx = np.minimum(pos.astype(np.intp), NMC_OCV_SOC.size - 2)
    return NMC_OCV_V[idx] + (pos - idx) * _NMC_OCV_SLOPE[idx]


def nmc_alpha_cap(cell_v: ArrayLike, temp_k: ArrayLike) -> FloatArray:
    """Calendar fade factor of Schmalstieg et al. 2014, floored at 0 [day^-0.75].

    Parameters
    ----------
    cell_v : array_like
        Cell voltage during storage [V] (negative factors below 3.149 V are set to 0).
    temp_k : array_like
        Cell temperature [K].

    >>> round(float(nmc_alpha_cap(4.16, 323.15)), 6)
    0.003215
    """
    raw = (7.543 * np.asarray(cell_v) - 23.75) * 1e6 * np.exp(-6976.0 / np.asarray(temp_k))
    return np.maximum(raw, 0.0)


def nmc_beta_cap(cell_v_avg: ArrayLike, dod: ArrayLike) -> FloatArray:
    """Cycle fade factor of Schmalstieg et al. 2014 [Ah^-0.5].

    Parameters
    ----------
    cell_v_avg : array_like
        Average cell voltage of the cycles [V].
    dod : array_like
        Depth of discharge of the cycles, fraction [-].

    >>> round(float(nmc_beta_cap(3.667, 1.0)), 6)
    0.004841
    """
    return 7.348e-3 * (np.asarray(cell_v_avg) - 3.667) ** 2 + 7.6e-4 + 4.081e-3 * np.asarray(dod)


def lfp_cycle_factor(c_rate: ArrayLike, temp_k: ArrayLike) -> FloatArray:
    """Cycle fade factor of Wang et al. 2011 as a fraction (Q_loss / 100) [Ah^-0.55].

    Parameters
    ----------
    c_rate : array_like
        C-rate [1/h], clamped to the tested 0.5-10 C.
    temp_k : array_like
        Cell temperature [K].

    >>> round(float(lfp_cycle_factor(0.5, 298.15)), 6)
    0.000952
    """
    c = np.clip(c_rate, _LFP_C_RATE[0], _LFP_C_RATE[-1])
    b = np.interp(c, _LFP_C_RATE, _LFP_B)
    return b * np.exp(-(31700.0 - 370.3 * c) / (_R_J_MOLK * np.asarray(temp_k))) / 100.0

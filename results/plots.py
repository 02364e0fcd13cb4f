"""Plots of one run: what people would rather look at than read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from results.kpis import EN50160_V_MAX_PU, EN50160_V_MIN_PU
from results.reader import Run
from results.series import area, charger, fleet

__all__ = ["plot_overview"]

_TRAFO, _LINE, _V = area("trafo_loading_pct"), area("line_loading_pct"), area("v_pu")
_LOAD, _GEN = area("p_load_bg_kw"), area("p_gen_bg_kw")
_P, _PLUGGED = charger("p_kw"), fleet("plugged")


def plot_overview(run: Run, path: str | Path) -> Path:
    """Save a 4-panel overview: loadings, voltage envelope, EV power, plugged EVs.

    Returns the path of the PNG file written.
    """
    path = Path(path)
    fig, axes = plt.subplots(4, 1, figsize=(11, 11), sharex=True, constrained_layout=True)
    t = run.index

    ax = axes[0]
    if run.has(*_TRAFO):
        _trafo_loadings(ax, run, t)
    if run.has(*_LINE):
        ax.plot(t, run.per_row(*_LINE, np.nanmax), lw=0.8, label="most loaded line")
    ax.axhline(100, color="red", ls="--", lw=0.8)
    ax.set_ylabel("loading [%]")
    _legend(ax)

    ax = axes[1]
    if run.has(*_V):
        low, high = run.per_rows(*_V, np.nanmin, np.nanmax)
        ax.fill_between(t, low, high, alpha=0.4, label="all buses")
    for limit in (EN50160_V_MIN_PU, EN50160_V_MAX_PU):
        ax.axhline(limit, color="red", ls="--", lw=0.8)
    ax.set_ylabel("voltage [p.u.]")
    _legend(ax)

    ax = axes[2]
    if run.has(*_P):
        ax.plot(t, run.per_row(*_P, np.nansum), lw=1.0, label="EV charging")
    if run.has(*_LOAD):
        ax.plot(t, run.get(*_LOAD).to_numpy(), lw=0.8, label="background load")
    if run.has(*_GEN):
        ax.plot(t, -run.get(*_GEN).to_numpy(), lw=0.8, label="PV (negative)")
    ax.set_ylabel("power [kW]")
    _legend(ax)

    ax = axes[3]
    if run.has(*_PLUGGED):
        ax.plot(t, run.per_row(*_PLUGGED, np.nansum), lw=1.0)
    ax.set_ylabel("EVs plugged in")
    ax.set_xlabel("time")

    fig.suptitle(f"{run.meta.get('scenario', '')} — seed {run.meta.get('seed')} — {run.status}")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


#: up to this many transformers get a line each; more get their band and the most loaded
_FEW_TRAFOS = 4


def _trafo_loadings(ax: Any, run: Run, t: Any) -> None:
    """Each transformer's loading, or for a grid of many (an MV+LV grid has ~100) the band
    of all of them and the most loaded one: a line and a legend entry each would bury the
    panel."""
    n = len(run.columns(*_TRAFO))  # the labels only: the values are read once below
    if n <= _FEW_TRAFOS:
        for name, loading in run.get(*_TRAFO).items():
            ax.plot(t, loading.to_numpy(), lw=1.0, label="transformer" if n == 1 else str(name))
        return
    low, high = run.per_rows(*_TRAFO, np.fmin.reduce, np.fmax.reduce)
    ax.fill_between(t, low, high, alpha=0.3, label=f"{n} transformers")
    ax.plot(t, high, lw=1.0, label="most loaded transformer")


def _legend(ax: Any) -> None:
    """The panel's legend, or "not recorded" when none of its series is in the file."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper right")
    else:
        ax.text(0.5, 0.5, "not recorded", transform=ax.transAxes, ha="center", va="center")

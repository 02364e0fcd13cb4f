"""Plot of a fleet's flexibility band: what it could draw vs what it must draw."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from results.fleet import flexibility_band
from results.reader import Run

__all__ = ["plot_flexibility_band"]


def plot_flexibility_band(
    runs: Sequence[Run], labels: Sequence[str], path: str | Path, *, days: float = 7.0
) -> Path:
    """Save the flexibility band of one or more runs over their first ``days`` days.

    The band is shaded between the as-late-as-possible (lower) and as-early-as-possible
    (upper) battery power of the plugged EVs. Returns the PNG path.
    """
    path = Path(path)
    fig, axes = plt.subplots(
        len(runs),
        1,
        figsize=(11, 3.2 * len(runs)),
        sharex=True,
        sharey=True,
        constrained_layout=True,
        squeeze=False,
    )
    for ax, run, label in zip(axes[:, 0], runs, labels, strict=True):
        band = flexibility_band(run)
        n = min(len(band), int(days * 86_400 // run.step_s))
        band = band.iloc[:n]
        t = band.index
        hi, lo = band["p_flex_max_kw"].to_numpy(), band["p_flex_min_kw"].to_numpy()
        ax.fill_between(t, lo, hi, step="post", alpha=0.35, label="flexibility band")
        ax.step(t, hi, where="post", lw=0.8, label="as early as possible")
        ax.step(t, lo, where="post", lw=0.8, label="as late as possible")
        ax.set_title(f"{label}: mean band width {np.nanmean(hi - lo):.1f} kW")
        ax.set_ylabel("battery power [kW]")
        ax.legend(loc="upper right")
    axes[-1, 0].set_xlabel("time")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path

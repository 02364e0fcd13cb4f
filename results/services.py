"""Flexibility services (FCR, aFRR, the DSO market, DSO-TSO conflicts): KPIs and plots.

The KPIs are declared in :mod:`results.kpi_registry` (groups ``services`` and ``afrr``);
the totals of the recorded window they rest on are in :mod:`results.window`.
"""

from __future__ import annotations

from pathlib import Path

from results.kpis import Kpi
from results.mpl import pyplot
from results.reader import Run
from results.series import coordinator, market
from results.window import (
    AFRR_CONFLICT_KINDS,
    CONFLICT_KINDS,
    afrr_window_eur,
    conflict_counts,
    events_in_window,
    fcr_window_eur,
    market_window_eur,
    window_increase,
)

__all__ = [
    "AFRR_CONFLICT_KINDS",
    "CONFLICT_KINDS",
    "afrr_kpis",
    "afrr_window_eur",
    "conflict_counts",
    "events_in_window",
    "fcr_window_eur",
    "market_window_eur",
    "plot_services",
    "service_kpis",
    "window_increase",
]

_FLEX_SERIES = (
    market("p_requested_kw"),
    market("p_awarded_kw"),
    market("p_delivered_kw"),
)
_CONFLICT_MW = coordinator("conflict_mw")


def service_kpis(run: Run) -> list[Kpi]:
    """Per run: revenue per EV and year by service, DSO cost, congestion, conflicts, fade.

    Every total counts the recorded window only (:attr:`Run.window_s`), never the warm-up
    simulated before it: revenues, costs and penalties are what the TSO's and the market's
    settlements added in the window (see :func:`fcr_window_eur`, :func:`market_window_eur`),
    conflicts are the events of the window (:func:`conflict_counts`). Revenues are net of
    penalties, scaled to a year by the recorded duration; per EV over every EV of the fleet
    table. aFRR KPIs (:func:`afrr_kpis`) come with them in runs that record aFRR.
    """
    from results.kpi_registry import AFRR, SERVICES, kpis_of  # the registry imports this

    return kpis_of(run, (SERVICES, AFRR), gated=False)


def afrr_kpis(run: Run) -> list[Kpi]:
    """aFRR revenue (capacity and energy, net of penalties) per EV and year, penalties,
    energy requested, delivered, short and blocked, and aFRR conflicts, in the window.

    Requested and delivered energy are gross (``Σ |e|``: up and down requests do not
    cancel); the delivered energy of a row is the verified step one step earlier.
    """
    from results.kpi_registry import AFRR, kpis_of

    return kpis_of(run, (AFRR,), gated=False)


def plot_services(runs: list[tuple[str, Run]], out_dir: str | Path) -> list[Path]:
    """Flexibility requested/awarded/delivered, and conflicts over time, per run."""
    plt = pyplot()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    fig, axes = plt.subplots(
        len(runs),
        1,
        figsize=(11, 2.6 * len(runs)),
        sharex=True,
        squeeze=False,
        constrained_layout=True,
    )
    for ax, (name, run) in zip(axes[:, 0], runs, strict=True):
        for series, style in zip(_FLEX_SERIES, ("-", "--", ":"), strict=True):
            if run.has(*series):
                ax.plot(
                    run.index,
                    run.get(*series).to_numpy()[:, 0],
                    style,
                    label=series.port.removeprefix("p_").removesuffix("_kw"),
                )
        ax.set(ylabel="kW", title=f"{name}: DSO flexibility")
        if ax.lines:
            ax.legend(loc="upper right", fontsize=8)
    paths.append(out / "flex_requested_awarded_delivered.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(11, 4), constrained_layout=True)
    for name, run in runs:
        if run.has(*_CONFLICT_MW):
            ax.plot(
                run.index,
                1000.0 * run.get(*_CONFLICT_MW).to_numpy()[:, 0],
                lw=0.9,
                label=name,
            )
    ax.set(ylabel="kW in conflict", title="DSO-TSO conflicts over time")
    if ax.lines:
        ax.legend(fontsize=8)
    paths.append(out / "conflicts.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    return paths

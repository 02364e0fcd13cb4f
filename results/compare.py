"""Compare runs: one KPI table across run files, and comparison plots."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from results.kpi_registry import COMPARISON, SERVICES, kpis_of
from results.kpis import Kpi
from results.mpl import pyplot
from results.reader import Run, open_run
from results.series import area, charger
from results.services import plot_services

__all__ = ["compare_kpis", "comparison_kpis", "format_comparison", "plot_comparison"]

_TRAFO, _V, _P = area("trafo_loading_pct"), area("v_pu"), charger("p_kw")


def comparison_kpis(run: Run) -> list[Kpi]:
    """The KPIs of one run used to compare value frameworks and controllers.

    :func:`~results.kpis.summary_kpis`, then the user cost (tariff), curtailed energy
    (contract limits), conversion losses and V2G energy of the chargers, the fleet's KPIs
    and those of the flexibility services, each where recorded (registry groups
    :data:`~results.kpi_registry.COMPARISON`).
    """
    return kpis_of(run, COMPARISON)


def _has_services(run: Run) -> bool:
    return SERVICES.open(run)


def compare_kpis(paths: Sequence[str | Path]) -> pd.DataFrame:
    """KPI table: one row per KPI (label and unit), one column per run."""
    columns: dict[str, dict[str, float]] = {}
    labels: dict[str, tuple[str, str]] = {}
    for path in paths:
        run = open_run(path)
        name = _run_name(run, Path(path))
        if name in columns:
            name = f"{name} ({Path(path).stem})"
        columns[name] = {}
        for kpi in comparison_kpis(run):
            columns[name][kpi.name] = kpi.value
            labels.setdefault(kpi.name, (kpi.label, kpi.unit))
    table = pd.DataFrame(columns).reindex(list(labels))
    table.insert(0, "unit", [labels[k][1] for k in table.index])
    table.index = pd.Index([labels[k][0] for k in table.index], name="KPI")
    return table


def format_comparison(table: pd.DataFrame) -> str:
    """A plain-text rendering of :func:`compare_kpis` (n/a where a run lacks a KPI)."""
    shown = table.copy()
    for col in shown.columns[1:]:
        shown[col] = [
            "n/a" if pd.isna(v) else f"{v:,.4f}" if unit == "p.u." else f"{v:,.1f}"
            for v, unit in zip(shown[col], shown["unit"], strict=True)
        ]
    return shown.to_string()


def plot_comparison(paths: Sequence[str | Path], out_dir: str | Path) -> list[Path]:
    """Save the loading duration curve, voltage envelope and fleet power profile."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    runs = [(_run_name(r, Path(p)), r) for p, r in ((p, open_run(p)) for p in paths)]
    saved = [
        _duration_curve(runs, out / "loading_duration.png"),
        _voltage_envelope(runs, out / "voltage_envelope.png"),
        _fleet_power(runs, out / "fleet_power.png"),
    ]
    if any(_has_services(run) for _, run in runs):
        saved += plot_services(runs, out)
    return saved


def _duration_curve(runs: list[tuple[str, Run]], path: Path) -> Path:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9, 5), constrained_layout=True)
    for name, run in runs:
        if run.has(*_TRAFO):
            loading = np.sort(run.per_row(*_TRAFO, np.nanmax))[::-1]
            hours = np.arange(1, loading.size + 1) * run.step_s / 3600.0
            ax.plot(hours, loading, label=name)
    ax.axhline(100, color="red", ls="--", lw=0.8)
    ax.set(
        xlabel="hours (sorted)", ylabel="transformer loading [%]", title="Loading duration curve"
    )
    ax.legend()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _voltage_envelope(runs: list[tuple[str, Run]], path: Path) -> Path:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(11, 5), constrained_layout=True)
    for name, run in runs:
        if run.has(*_V):
            low, high = run.per_rows(*_V, np.nanmin, np.nanmax)
            line = ax.plot(run.index, low, lw=0.9, label=f"{name} min")[0]
            ax.plot(run.index, high, lw=0.9, ls=":", color=line.get_color())
    for limit in (0.9, 1.1):
        ax.axhline(limit, color="red", ls="--", lw=0.8)
    ax.set(ylabel="bus voltage [p.u.]", title="Voltage envelope (min solid, max dotted)")
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _fleet_power(runs: list[tuple[str, Run]], path: Path) -> Path:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(11, 5), constrained_layout=True)
    for name, run in runs:
        if run.has(*_P):
            ax.plot(run.index, run.per_row(*_P, np.nansum), lw=0.9, label=name)
    ax.axhline(0, color="black", lw=0.5)
    ax.set(ylabel="fleet AC power [kW] (>0 charging)", title="Fleet power profile")
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _run_name(run: Run, path: Path) -> str:
    return str(run.meta.get("scenario") or path.stem)

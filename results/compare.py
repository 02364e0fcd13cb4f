"""Compare runs: one KPI table across run files, and comparison plots."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from results.fleet import fleet_kpis
from results.kpis import Kpi, summary_kpis
from results.mpl import pyplot
from results.reader import Run, open_run
from results.services import plot_services, service_kpis, window_increase

__all__ = ["compare_kpis", "comparison_kpis", "format_comparison", "plot_comparison"]


def comparison_kpis(run: Run) -> list[Kpi]:
    """The KPIs of one run used to compare value frameworks and controllers.

    Adds to :func:`~results.kpis.summary_kpis` the user cost (tariff), curtailed energy
    (contract limits) and round-trip / conversion losses of the chargers, when recorded.
    """
    kpis = summary_kpis(run)
    dt_h = run.step_s / 3600.0
    if run.has("Tariff", "cost_eur"):
        # the cumulative cost grows through the warm-up too: count the recorded window only
        first = (
            run.get("Tariff", "cost_step_eur").to_numpy(dtype=np.float64)[0]
            if run.has("Tariff", "cost_step_eur") and len(run.time_s)
            else None
        )
        cost = window_increase(run, "Tariff", "cost_eur", first)
        kpis.append(Kpi("user_cost_eur", "EV user energy cost", cost, "EUR"))
    if run.has("ChargerBank", "p_curtailed_kw"):
        curtailed = np.nansum(run.get("ChargerBank", "p_curtailed_kw").to_numpy()) * dt_h
        kpis.append(Kpi("curtailed_kwh", "Energy curtailed by contracts", curtailed, "kWh"))
    if run.has("ChargerBank", "p_loss_kw"):
        losses = np.nansum(run.get("ChargerBank", "p_loss_kw").to_numpy()) * dt_h
        kpis.append(Kpi("charger_losses_kwh", "Charger conversion losses", losses, "kWh"))
    if run.has("ChargerBank", "p_kw"):
        p = run.evse_power().to_numpy()
        discharged = max(0.0, -float(np.nansum(np.clip(p, None, 0))) * dt_h)
        kpis.append(Kpi("v2g_energy_kwh", "Energy fed back (V2G)", discharged, "kWh"))
    if run.has("Fleet", "plugged"):
        kpis += fleet_kpis(run)
    if _has_services(run):
        kpis += service_kpis(run)
    return kpis


def _has_services(run: Run) -> bool:
    return any(
        run.has(m, a)
        for m, a in (("TSO", "f_hz"), ("Market", "p_requested_kw"), ("Coordinator", "n_conflicts"))
    )


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
        if run.has("Area", "trafo_loading_pct"):
            loading = np.sort(np.nanmax(run.trafo_loading().to_numpy(), axis=1))[::-1]
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
        if run.has("Area", "v_pu"):
            v = run.bus_voltages().to_numpy()
            line = ax.plot(run.index, np.nanmin(v, axis=1), lw=0.9, label=f"{name} min")[0]
            ax.plot(run.index, np.nanmax(v, axis=1), lw=0.9, ls=":", color=line.get_color())
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
        if run.has("ChargerBank", "p_kw"):
            ax.plot(run.index, np.nansum(run.evse_power().to_numpy(), axis=1), lw=0.9, label=name)
    ax.axhline(0, color="black", lw=0.5)
    ax.set(ylabel="fleet AC power [kW] (>0 charging)", title="Fleet power profile")
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _run_name(run: Run, path: Path) -> str:
    return str(run.meta.get("scenario") or path.stem)

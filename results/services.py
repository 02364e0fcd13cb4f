"""KPIs and plots of flexibility services: FCR, the DSO market, DSO-TSO conflicts."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from results.kpis import Kpi
from results.reader import Run

__all__ = ["plot_services", "service_kpis"]

YEAR_H = 8760.0


def _final(run: Run, model: str, attr: str) -> float:
    """Last recorded value of a cumulative series summed over entities (0 if absent)."""
    if not run.has(model, attr):
        return 0.0
    values = run.get(model, attr).to_numpy()
    return float(np.nansum(values[-1])) if len(values) else 0.0


def service_kpis(run: Run) -> list[Kpi]:
    """Per run: revenue per EV and year by service, DSO cost, congestion, conflicts, fade.

    Revenues are the TSO's and the market's cumulative settlements at the end of the run,
    net of penalties, scaled to a year by the recorded duration; per EV over every EV of the
    fleet table.
    """
    dt_h = run.step_s / 3600.0
    hours = max(len(run.time_s) * dt_h, dt_h)
    n_ev = len(run.table("fleet")) if _has_table(run, "fleet") else 0
    per_ev_year = YEAR_H / hours / max(n_ev, 1)
    fcr = _final(run, "TSO", "fcr_revenue_eur") - _final(run, "TSO", "fcr_penalty_eur")
    dso_paid = _final(run, "Market", "cost_eur")
    dso_penalty = _final(run, "Market", "penalty_eur")
    kpis = [
        Kpi("fcr_revenue_eur_ev_year", "FCR revenue per EV and year", fcr * per_ev_year, "EUR"),
        Kpi(
            "dso_flex_revenue_eur_ev_year",
            "DSO flexibility revenue per EV and year",
            (dso_paid - dso_penalty) * per_ev_year,
            "EUR",
        ),
        Kpi("dso_flex_cost_eur", "DSO cost of flexibility", dso_paid - dso_penalty, "EUR"),
        Kpi(
            "fcr_shortfall_kwh",
            "FCR energy not delivered",
            float(np.nansum(run.get("TSO", "fcr_shortfall_kwh").to_numpy()))
            if run.has("TSO", "fcr_shortfall_kwh")
            else 0.0,
            "kWh",
        ),
    ]
    if run.has("Market", "p_awarded_kw"):
        for attr, label in (
            ("p_requested_kw", "requested"),
            ("p_awarded_kw", "awarded"),
            ("p_delivered_kw", "delivered"),
        ):
            e = float(np.nansum(run.get("Market", attr).to_numpy())) * dt_h
            kpis.append(Kpi(f"flex_{label}_kwh", f"DSO flexibility {label}", e, "kWh"))
    kpis.append(
        Kpi(
            "congestion_hours",
            "Congestion hours (any line or trafo > 100 %)",
            _congestion_hours(run, dt_h),
            "h",
        )
    )
    if run.has("Coordinator", "n_conflicts"):
        for kind in ("tso_aggravates_dso", "dso_counteracts_tso", "double_claim"):
            kpis.append(
                Kpi(
                    f"conflicts_{kind}",
                    f"Conflicts: {kind.replace('_', ' ')}",
                    _final(run, "Coordinator", f"n_{kind}"),
                    "count",
                )
            )
        mwh = float(np.nansum(run.get("Coordinator", "conflict_mw").to_numpy())) * dt_h
        kpis.append(Kpi("conflict_mwh", "Energy in conflicts", mwh * 1000.0, "kWh"))
        kpis.append(
            Kpi(
                "fcr_blocked_kwh",
                "FCR blocked by the DSO",
                float(np.nansum(run.get("Coordinator", "fcr_blocked_kw").to_numpy())) * dt_h,
                "kWh",
            )
        )
    if run.has("Fleet", "capacity_fade"):
        fade = run.get("Fleet", "capacity_fade").to_numpy()
        kpis.append(
            Kpi(
                "battery_fade_pct",
                "Mean battery capacity fade at the end",
                100.0 * float(np.nanmean(fade[-1])),
                "%",
            )
        )
    return kpis


def _congestion_hours(run: Run, dt_h: float) -> float:
    over = np.zeros(len(run.time_s), dtype=bool)
    for attr in ("line_loading_pct", "trafo_loading_pct"):
        if run.has("Area", attr):
            over |= (run.get("Area", attr).to_numpy() > 100.0).any(axis=1)
    return float(over.sum() * dt_h)


def _has_table(run: Run, name: str) -> bool:
    try:
        run.table(name)
    except KeyError:
        return False
    return True


def plot_services(runs: list[tuple[str, Run]], out_dir: str | Path) -> list[Path]:
    """Flexibility requested/awarded/delivered, and conflicts over time, per run."""
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
        for attr, style in (
            ("p_requested_kw", "-"),
            ("p_awarded_kw", "--"),
            ("p_delivered_kw", ":"),
        ):
            if run.has("Market", attr):
                ax.plot(
                    run.index,
                    run.get("Market", attr).to_numpy()[:, 0],
                    style,
                    label=attr.removeprefix("p_").removesuffix("_kw"),
                )
        ax.set(ylabel="kW", title=f"{name}: DSO flexibility")
        if ax.lines:
            ax.legend(loc="upper right", fontsize=8)
    paths.append(out / "flex_requested_awarded_delivered.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(11, 4), constrained_layout=True)
    for name, run in runs:
        if run.has("Coordinator", "conflict_mw"):
            ax.plot(
                run.index,
                1000.0 * run.get("Coordinator", "conflict_mw").to_numpy()[:, 0],
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

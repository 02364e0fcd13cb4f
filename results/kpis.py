"""Key performance indicators of a run, computed from its results file."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from results.reader import Run

__all__ = ["EN50160_V_MAX_PU", "EN50160_V_MIN_PU", "Kpi", "format_kpis", "summary_kpis"]

#: EN 50160 supply voltage band for LV (±10 % of nominal)
EN50160_V_MIN_PU = 0.9
EN50160_V_MAX_PU = 1.1


@dataclass(frozen=True)
class Kpi:
    """One indicator: a machine name, a label for people, value and unit."""

    name: str
    label: str
    value: float
    unit: str


def summary_kpis(run: Run) -> list[Kpi]:
    """The backbone KPIs: loading, voltage band, EV energy, losses, convergence.

    Energies integrate the recorded powers over the step (rectangle rule: a step's power
    holds until the next step, as the simulators apply it).
    """
    dt_h = run.step_s / 3600.0
    kpis: list[Kpi] = []

    def add(name: str, label: str, value: float, unit: str) -> None:
        kpis.append(Kpi(name, label, float(value), unit))

    if run.has("Area", "trafo_loading_pct"):
        trafo = run.trafo_loading()
        add("peak_trafo_loading_pct", "Peak transformer loading", _max(trafo), "%")
        add("trafo_hours_over_100", "Transformer hours > 100 %", _hours_over(trafo, 100, dt_h), "h")
    if run.has("Area", "line_loading_pct"):
        line = run.line_loading()
        add("peak_line_loading_pct", "Peak line loading", _max(line), "%")
        add(
            "line_hours_over_100",
            "Line hours > 100 % (any line)",
            _hours_over(line, 100, dt_h),
            "h",
        )
    if run.has("Area", "v_pu"):
        v = run.bus_voltages()
        add("v_min_pu", "Minimum bus voltage", np.nanmin(v.to_numpy()), "p.u.")
        add("v_max_pu", "Maximum bus voltage", np.nanmax(v.to_numpy()), "p.u.")
        outside = (v < EN50160_V_MIN_PU) | (v > EN50160_V_MAX_PU)
        add(
            "v_violation_bus_hours",
            "Bus-hours outside EN 50160 ±10 %",
            outside.to_numpy().sum() * dt_h,
            "h",
        )
    if run.has("ChargerBank", "p_kw"):
        p = run.evse_power().to_numpy()
        add(
            "ev_energy_ac_kwh",
            "EV energy drawn from the grid",
            np.nansum(np.clip(p, 0, None)) * dt_h,
            "kWh",
        )
        add("ev_peak_kw", "Peak EV charging power (sum)", np.nanmax(np.nansum(p, axis=1)), "kW")
    if run.has("ChargerBank", "p_batt_kw"):
        pb = run.get("ChargerBank", "p_batt_kw").to_numpy()
        add(
            "ev_energy_charged_kwh",
            "EV energy charged (battery side)",
            np.nansum(np.clip(pb, 0, None)) * dt_h,
            "kWh",
        )
    if run.has("Fleet", "e_unserved_kwh"):
        add(
            "ev_energy_unserved_kwh",
            "EV energy not served at departure",
            np.nansum(run.get("Fleet", "e_unserved_kwh").to_numpy()),
            "kWh",
        )
    if run.has("Fleet", "plugged"):
        plugged = run.get("Fleet", "plugged").to_numpy() > 0.5
        sessions = (plugged[1:] & ~plugged[:-1]).sum()  # started inside the window
        days = len(run.time_s) * dt_h / 24.0
        add(
            "sessions_per_ev_day",
            "Plug-in sessions per EV and day",
            sessions / max(plugged.shape[1], 1) / max(days, 1e-9),
            "1/d",
        )
    if run.has("ChargerBank", "tripped"):  # undervoltage protection (simulators.evse.protection)
        tripped = run.get("ChargerBank", "tripped").to_numpy() > 0.5
        add(
            "charger_trips",
            "Charger undervoltage trips",
            (tripped[1:] & ~tripped[:-1]).sum(),  # trips that started inside the window
            "1",
        )
    if run.has("ChargerBank", "p_tripped_kw"):
        add(
            "ev_energy_tripped_kwh",
            "EV energy not delivered while tripped (AC)",
            np.nansum(run.get("ChargerBank", "p_tripped_kw").to_numpy()) * dt_h,
            "kWh",
        )
    if run.has("Area", "losses_kw"):
        add(
            "grid_losses_kwh",
            "Grid losses",
            np.nansum(run.get("Area", "losses_kw").to_numpy()) * dt_h,
            "kWh",
        )
    if run.has("Area", "converged"):
        conv = run.get("Area", "converged").to_numpy()
        add("nonconverged_steps", "Non-converged power flows", (conv < 0.5).sum(), "steps")
    from results.unbalance import unbalance_kpis  # imports Kpi from here

    kpis += unbalance_kpis(run)  # only runs that recorded per-phase voltages
    return kpis


def format_kpis(kpis: list[Kpi]) -> str:
    """A plain-text table of KPIs."""
    width = max((len(k.label) for k in kpis), default=10)
    lines = []
    for k in kpis:
        value = f"{k.value:,.4f}" if k.unit == "p.u." else f"{k.value:,.2f}"
        lines.append(f"  {k.label:<{width}}  {value:>12} {k.unit}")
    return "\n".join(lines)


def _max(frame: pd.DataFrame) -> float:
    values = frame.to_numpy()
    return float(np.nanmax(values)) if values.size else float("nan")


def _hours_over(frame: pd.DataFrame, limit: float, dt_h: float) -> float:
    over = (frame.to_numpy() > limit).any(axis=1)
    return float(over.sum() * dt_h)

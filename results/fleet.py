"""Fleet KPIs of a run: sessions, connection and charging durations, idle ratio, flexibility.

Definitions (``dt`` the step, ``T`` the recorded horizon):

- *sessions per EV per week*: rising edges of ``plugged`` per EV, i.e. sessions that start
  inside the recorded window (an EV already plugged at the first step arrived during the
  warm-up and is not counted), per EV and per 7 days. Visitor rows count sessions per public
  charger.
- *mean connection duration*: plugged steps x dt / sessions [h].
- *mean charging duration*: steps with battery power > 0 x dt / sessions [h].
- *idle ratio*: share of the connected time without charging [-].
- *flexible energy per day*: the area of the fleet's flexibility band,
  ``sum_t (p_flex_max_kw - p_flex_min_kw) dt`` per day [kWh/d] - energy that could be
  moved in time at the instant it was recorded (an upper bound on what a controller can
  shift, counted once per step it stays shiftable).
- *mean band width*: time-mean of ``p_flex_max_kw - p_flex_min_kw`` over the fleet [kW].
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from results.kpis import Kpi
from results.reader import Run

__all__ = ["fleet_kpis", "flexibility_band", "session_stats"]


def _sessions(plugged: np.ndarray) -> np.ndarray:
    # sessions that start inside the recorded window: an EV already plugged at the first
    # row arrived during the warm-up, and counting it would inflate short runs
    rising = plugged[1:] & ~plugged[:-1]
    return rising.sum(axis=0)


def session_stats(run: Run) -> pd.DataFrame:
    """Per-EV sessions, connected and charging hours, with each EV's segment."""
    plugged = run.get("Fleet", "plugged").to_numpy() > 0.5
    dt_h = run.step_s / 3600.0
    frame = pd.DataFrame(
        {
            "sessions": _sessions(plugged),
            "connected_h": plugged.sum(axis=0) * dt_h,
        },
        index=run.get("Fleet", "plugged").columns,
    )
    if run.has("ChargerBank", "p_batt_kw"):
        p = np.nan_to_num(run.get("ChargerBank", "p_batt_kw").to_numpy())
        if p.shape == plugged.shape:
            frame["charging_h"] = ((p > 1e-6) & plugged).sum(axis=0) * dt_h
    try:
        table = run.table("fleet")
        if "segment" in table and len(table) == len(frame):
            frame["segment"] = table["segment"].astype(str).to_numpy()
    except KeyError:
        pass
    return frame


def flexibility_band(run: Run) -> pd.DataFrame:
    """The fleet's band over time: columns ``p_flex_max_kw``, ``p_flex_min_kw`` (sums) [kW]."""
    hi = run.get("Segments", "p_flex_max_kw").sum(axis=1)
    lo = run.get("Segments", "p_flex_min_kw").sum(axis=1)
    return pd.DataFrame({"p_flex_max_kw": hi, "p_flex_min_kw": lo})


def fleet_kpis(run: Run) -> list[Kpi]:
    """Fleet KPIs (module docstring); segments without data are skipped."""
    kpis: list[Kpi] = []
    days = len(run.time_s) * run.step_s / 86_400.0
    if run.has("Fleet", "plugged"):
        stats = session_stats(run)
        sessions = stats["sessions"].to_numpy(float)
        n = max(sessions.sum(), 1.0)
        kpis.append(
            Kpi(
                "sessions_per_ev_week",
                "Plug-in sessions per EV and week",
                sessions.mean() / max(days, 1e-9) * 7.0,
                "1/wk",
            )
        )
        kpis.append(
            Kpi(
                "mean_connection_h", "Mean connection duration", stats["connected_h"].sum() / n, "h"
            )
        )
        if "charging_h" in stats:
            charging = stats["charging_h"].sum()
            kpis.append(Kpi("mean_charging_h", "Mean charging duration", charging / n, "h"))
            connected = stats["connected_h"].sum()
            idle = 1.0 - charging / connected if connected > 0 else float("nan")
            kpis.append(Kpi("idle_ratio", "Idle ratio (connected, not charging)", idle, "1"))
    if run.has("Segments", "p_flex_max_kw"):
        band = flexibility_band(run)
        width = (band["p_flex_max_kw"] - band["p_flex_min_kw"]).to_numpy()
        dt_h = run.step_s / 3600.0
        kpis.append(
            Kpi(
                "flex_energy_kwh_day",
                "Flexible energy per day (band area)",
                np.nansum(width) * dt_h / max(days, 1e-9),
                "kWh/d",
            )
        )
        kpis.append(
            Kpi("flex_band_mean_kw", "Mean flexibility band width", np.nanmean(width), "kW")
        )
        kpis.append(Kpi("flex_band_max_kw", "Peak flexibility band width", np.nanmax(width), "kW"))
    if run.has("Fleet", "capacity_fade"):
        fade = run.get("Fleet", "capacity_fade").to_numpy()
        kpis.append(
            Kpi(
                "capacity_fade_mean_pct",
                "Mean battery capacity fade",
                np.nanmean(fade[-1]) * 100,
                "%",
            )
        )
    return kpis

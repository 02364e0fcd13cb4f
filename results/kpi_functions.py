"""The computations behind the registry's KPIs (:mod:`results.kpi_registry`).

Each takes the :class:`~results.kpi_base.KpiContext` of one KPI. Those that serve several
KPIs from one read return a tuple and are called through ``c.once`` (computed once per run).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from results import fleet as fl
from results import grid_kpis as gk
from results import unbalance as ub
from results import window as wd
from results.kpi_base import KpiContext
from results.kpis import EN50160_V_MAX_PU, EN50160_V_MIN_PU
from results.series import Series, area, charger, tariff

__all__ = [
    "YEAR_H",
    "afrr_eur",
    "band_width",
    "conflicts",
    "congestion_hours",
    "ev_power",
    "excess_kwh",
    "excess_pct_h",
    "fcr_eur",
    "flex_energy_kwh_day",
    "gross",
    "idle_ratio",
    "last_row",
    "loading",
    "loading_digest",
    "loading_limits",
    "market_eur",
    "mean_charging_h",
    "mean_connection_h",
    "per_ev_year",
    "plug_counts",
    "positive_total",
    "rising_edges",
    "session_stats",
    "sessions_per_ev_day",
    "sessions_per_ev_week",
    "total",
    "user_cost",
    "voltage",
    "vuf",
    "worst_phase",
]

YEAR_H = 8760.0

V_PU = area("v_pu")
VUF = area("vuf_pct")
P_KW = charger("p_kw")
COST = tariff("cost_eur")
COST_STEP = tariff("cost_step_eur")


def loading_digest(c: KpiContext, series: Series, limits: tuple[float, ...]) -> gk.LoadingDigest:
    """One read of a loading series for every grid KPI of the run (call through ``c.once``
    with :func:`loading_limits`)."""
    return gk.loading_digest(c.blocks(series), limits)


def loading_limits(c: KpiContext) -> tuple[float, ...]:
    """The limits the grid KPIs judge loading against: 100 % and the DSO's limit."""
    return (100.0, c.dso_limit_pct)


def _digest(c: KpiContext, series: Series, limit_pct: float = 100.0) -> gk.LoadingDigest:
    """The memoised digest of ``series``; a limit other than :func:`loading_limits` costs
    a read of its own."""
    limits = loading_limits(c)
    if float(limit_pct) not in limits:
        limits = (*limits, float(limit_pct))
    return c.once(loading_digest, series, limits)  # type: ignore[no-any-return]


def loading(c: KpiContext, series: Series) -> tuple[float, float]:
    """Peak loading [%] and hours with any element over 100 %."""
    digest = _digest(c, series)
    return digest.peak, int(digest.steps_over(100.0).sum()) * c.dt_h


def congestion_hours(c: KpiContext, limit_pct: float) -> float:
    """Hours with any line or transformer loaded above ``limit_pct`` [h]."""
    digested = [_digest(c, s) for s in gk.LOADINGS if c.has(s)]  # any limit: the row maxima
    return gk.hours_over(digested, len(c.run.time_s), c.dt_h, limit_pct)


def excess_pct_h(c: KpiContext, limit_pct: float) -> float:
    """Loading above ``limit_pct``, summed over lines, transformers and steps [%·h]."""
    digested = [_digest(c, s, limit_pct) for s in gk.LOADINGS if c.has(s)]
    return gk.excess_of(digested, c.dt_h, limit_pct)


def voltage(c: KpiContext) -> tuple[float, float, float]:
    """Lowest and highest bus voltage [p.u.], bus-hours outside the EN 50160 band."""
    low, high, outside = np.nan, np.nan, 0
    for v in c.blocks(V_PU):
        low, high = np.fmin(low, _nanmin(v)), np.fmax(high, _nanmax(v))
        outside += int(np.count_nonzero((v < EN50160_V_MIN_PU) | (v > EN50160_V_MAX_PU)))
    return float(low), float(high), outside * c.dt_h


def ev_power(c: KpiContext) -> tuple[float, float, float]:
    """Energy drawn [kWh], peak of the sum [kW] and energy fed back [kWh] of the chargers."""
    drawn, fed, peak = 0.0, 0.0, np.nan
    for p in c.blocks(P_KW):
        drawn += float(np.nansum(np.clip(p, 0, None), dtype=np.float64))
        fed += float(np.nansum(np.clip(p, None, 0), dtype=np.float64))
        peak = np.fmax(peak, _nanmax(np.nansum(p, axis=1)))
    return drawn * c.dt_h, float(peak), max(0.0, -fed * c.dt_h)


def total(c: KpiContext, series: Series, scale: float = 1.0) -> float:
    """Σ over steps and entities, × ``scale`` (the step in hours for an energy)."""
    return _block_sum(c, series, lambda b: b) * scale


def gross(c: KpiContext, series: Series, scale: float = 1.0) -> float:
    """Σ |x| over steps and entities (up and down do not cancel), × ``scale``; 0 when the
    series was not recorded."""
    if not c.has(series):
        return 0.0
    return _block_sum(c, series, np.abs) * scale


def positive_total(c: KpiContext, series: Series, scale: float = 1.0) -> float:
    """Σ max(x, 0) over steps and entities (e.g. charging only), × ``scale``."""
    return _block_sum(c, series, lambda b: np.clip(b, 0, None)) * scale


def _block_sum(c: KpiContext, series: Series, fn: Callable[[NDArray], NDArray]) -> float:
    """Σ ``fn(values)`` over steps and entities, NaN ignored, accumulated in float64."""
    return sum(float(np.nansum(fn(b), dtype=np.float64)) for b in c.blocks(series))


def last_row(c: KpiContext, series: Series) -> NDArray[np.floating]:
    """The last recorded row of ``series`` (empty when nothing was recorded), read alone."""
    return c.run.last_row(*series)  # type: ignore[no-any-return]


def excess_kwh(c: KpiContext, limits: tuple[float, ...]) -> dict[float, float]:
    """Energy over each limit, both loading series read once (call through ``c.once``)."""
    return gk.excess_kwh_at(c.run, limits)


def rising_edges(c: KpiContext, series: Series) -> float:
    """Rising edges of a 0/1 series inside the window (across blocks): events that started
    inside the window."""
    edges, last = 0, None
    for block in c.blocks(series):
        on = block > 0.5
        if last is not None:
            edges += int((on[0] & ~last).sum())
        edges += int((on[1:] & ~on[:-1]).sum())
        last = on[-1]
    return float(edges)


def plug_counts(c: KpiContext) -> fl.PlugCounts:
    """One read of ``Fleet.plugged`` for every session KPI (call through ``c.once``)."""
    return fl.plug_counts(c.run)


def sessions_per_ev_day(c: KpiContext) -> float:
    """Plug-in sessions started inside the window, per EV and day."""
    counts = c.once(plug_counts)
    sessions, n_ev = int(counts.sessions.sum()), counts.sessions.size
    days = len(c.run.time_s) * c.dt_h / 24.0
    return float(sessions / max(n_ev, 1) / max(days, 1e-9))


def _nanmax(values: NDArray[np.floating]) -> float:
    """``np.nanmax`` that is NaN (no warning) for an empty or all-NaN block."""
    return float(np.fmax.reduce(values, axis=None)) if values.size else np.nan


def _nanmin(values: NDArray[np.floating]) -> float:
    return float(np.fmin.reduce(values, axis=None)) if values.size else np.nan


def user_cost(c: KpiContext) -> float:
    """The tariff cost of the window: the cumulative cost grows through the warm-up too."""
    first = (
        c.get(COST_STEP).to_numpy(dtype=np.float64)[0]
        if c.has(COST_STEP) and len(c.run.time_s)
        else None
    )
    return wd.window_increase(c.run, *COST, first)


def per_ev_year(c: KpiContext) -> float:
    """Scales a window's total to a year per EV (every EV of the fleet table)."""
    hours = max(len(c.run.time_s) * c.dt_h, c.dt_h)
    n_ev = len(c.run.table("fleet")) if c.run.has_table("fleet") else 0
    return YEAR_H / hours / max(n_ev, 1)


def fcr_eur(c: KpiContext) -> tuple[float, float]:
    return wd.fcr_window_eur(c.run)


def market_eur(c: KpiContext) -> tuple[float, float]:
    return wd.market_window_eur(c.run)


def afrr_eur(c: KpiContext) -> tuple[float, float]:
    return wd.afrr_window_eur(c.run)


def conflicts(c: KpiContext, kinds: tuple[str, ...]) -> dict[str, float]:
    return wd.conflict_counts(c.run, kinds)


def vuf(c: KpiContext) -> tuple[float, ub.VufCheck]:
    """Largest VUF [%] and the EN 50160 check."""
    values = c.values(VUF)
    return float(np.nanmax(values)), ub.en50160_vuf_check(values, c.run.step_s)


def worst_phase(c: KpiContext) -> ub.WorstPhaseVoltage:
    return ub.worst_phase_of_run(c.run)


def session_stats(c: KpiContext) -> pd.DataFrame:
    return fl.session_stats(c.run, c.once(plug_counts))


def _days(c: KpiContext) -> float:
    return max(len(c.run.time_s) * c.run.step_s / 86_400.0, 1e-9)


def sessions_per_ev_week(c: KpiContext) -> float:
    """Sessions started inside the window, per EV and week."""
    return float(c.once(session_stats)["sessions"].to_numpy(float).mean() / _days(c) * 7.0)


def _n_sessions(c: KpiContext) -> float:
    return float(max(c.once(session_stats)["sessions"].to_numpy(float).sum(), 1.0))


def mean_connection_h(c: KpiContext) -> float:
    """Plugged hours per session."""
    return float(c.once(session_stats)["connected_h"].sum() / _n_sessions(c))


def _charging_h(c: KpiContext) -> float | None:
    stats = c.once(session_stats)
    return stats["charging_h"].sum() if "charging_h" in stats else None


def mean_charging_h(c: KpiContext) -> float | None:
    """Charging hours per session (None: battery power and plugged state do not match)."""
    charging = _charging_h(c)
    return None if charging is None else charging / _n_sessions(c)


def idle_ratio(c: KpiContext) -> float | None:
    """Share of the connected time without charging."""
    charging = _charging_h(c)
    if charging is None:
        return None
    connected = c.once(session_stats)["connected_h"].sum()
    return 1.0 - charging / connected if connected > 0 else float("nan")


def band_width(c: KpiContext) -> NDArray[np.float64]:
    """The fleet's flexibility band width over time [kW]."""
    band = fl.flexibility_band(c.run)
    return (band["p_flex_max_kw"] - band["p_flex_min_kw"]).to_numpy()


def flex_energy_kwh_day(c: KpiContext) -> float:
    """Area of the band per day [kWh/d]."""
    return float(np.nansum(c.once(band_width)) * c.dt_h / _days(c))

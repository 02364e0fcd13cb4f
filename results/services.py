"""KPIs and plots of flexibility services: FCR, the DSO market, DSO-TSO conflicts."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from results.kpis import Kpi
from results.mpl import pyplot
from results.reader import Run

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

YEAR_H = 8760.0
#: the coordinator's conflict kinds (controllers.coordination.ConflictKind values)
CONFLICT_KINDS = ("tso_aggravates_dso", "dso_counteracts_tso", "double_claim")
#: the same for aFRR (counted only in runs that record aFRR)
AFRR_CONFLICT_KINDS = ("afrr_aggravates_dso", "dso_counteracts_afrr", "afrr_double_claim")

log = logging.getLogger(__name__)


def service_kpis(run: Run) -> list[Kpi]:
    """Per run: revenue per EV and year by service, DSO cost, congestion, conflicts, fade.

    Every total counts the recorded window only (:attr:`Run.window_s`), never the warm-up
    simulated before it: revenues, costs and penalties are what the TSO's and the market's
    settlements added in the window (see :func:`fcr_window_eur`, :func:`market_window_eur`),
    conflicts are the events of the window (:func:`conflict_counts`). Revenues are net of
    penalties, scaled to a year by the recorded duration; per EV over every EV of the fleet
    table.
    """
    dt_h = run.step_s / 3600.0
    hours = max(len(run.time_s) * dt_h, dt_h)
    n_ev = len(run.table("fleet")) if run.has_table("fleet") else 0
    per_ev_year = YEAR_H / hours / max(n_ev, 1)
    fcr_revenue, fcr_penalty = fcr_window_eur(run)
    dso_paid, dso_penalty = market_window_eur(run)
    kpis = [
        Kpi(
            "fcr_revenue_eur_ev_year",
            "FCR revenue per EV and year",
            (fcr_revenue - fcr_penalty) * per_ev_year,
            "EUR",
        ),
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
    limit = float(run.config.get("dso", {}).get("loading_limit_pct", 100.0))
    kpis += [
        Kpi(
            "dso_limit_hours",
            f"Hours over the DSO limit (any line or trafo > {limit:g} %)",
            _congestion_hours(run, dt_h, limit),
            "h",
        ),
        Kpi(
            "dso_limit_excess_pct_h",
            "Loading over the DSO limit, summed over elements",
            _excess_pct_h(run, dt_h, limit),
            "%·h",
        ),
    ]
    if run.has("Coordinator", "n_conflicts"):
        kpis += _conflict_kpis(run, dt_h)
    if run.has("TSO", "afrr_revenue_eur"):
        kpis += afrr_kpis(run, per_ev_year)
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


def _conflict_kpis(run: Run, dt_h: float) -> list[Kpi]:
    """Conflicts by kind in the window, and the per-step conflict and blocked energies."""
    counts = conflict_counts(run)
    kpis = [
        Kpi(f"conflicts_{kind}", f"Conflicts: {kind.replace('_', ' ')}", counts[kind], "count")
        for kind in CONFLICT_KINDS
    ]
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
    return kpis


# -- totals of the recorded window ----------------------------------------------------------
def events_in_window(run: Run, name: str, time_column: str) -> pd.DataFrame:
    """Rows of the event table ``name`` whose ``time_column`` [s] lies in the recorded window."""
    frame = run.table(name)
    if not len(frame):
        return frame
    t0, t1 = run.window_s
    t = pd.to_numeric(frame[time_column], errors="coerce").to_numpy(dtype=float)
    return frame[(t >= t0) & (t < t1)]


def window_increase(
    run: Run, model: str, attr: str, first_step: NDArray[np.float64] | None
) -> float:
    """What the cumulative series ``model.attr`` added in the recorded window, summed over
    its entities: ``last − first + first_step``.

    ``first_step`` is the first recorded row's own increment per entity (the value before
    the window is not recorded). None: unknown; it is then exact only where the first value
    is 0 (the increments are >= 0), and otherwise left out with a warning.
    """
    if not run.has(model, attr):
        return 0.0
    values = run.get(model, attr).to_numpy(dtype=np.float64)
    if not len(values):
        return 0.0
    first = values[0]
    if first_step is None:
        first_step = np.zeros_like(first)
        unknown = np.nan_to_num(first) != 0.0
        if unknown.any():
            log.warning(
                "%s: the increment of %s.%s in the first recorded step (t=%d s) is not known, "
                "so it is left out of the window's total (at most %g); record a per-step "
                "series or the event table to make it exact",
                run.path,
                model,
                attr,
                int(run.time_s[0]),
                float(np.nansum(first[unknown])),
            )
    return float(np.nansum(values[-1] - first + first_step))


def conflict_counts(run: Run, kinds: tuple[str, ...] = CONFLICT_KINDS) -> dict[str, float]:
    """Conflicts of each kind detected in the recorded window.

    From the coordinator's event table (``/tables/conflicts``, one row per conflict with its
    ``time_s``) when present, exact; else from the cumulative ``n_<kind>`` series, whose
    first-step increment is known (0) when the per-step ``n_conflicts`` is 0 there.
    """
    if run.has_table("conflicts"):
        events = events_in_window(run, "conflicts", "time_s")
        kind = events["kind"] if len(events) else pd.Series(dtype=str)
        return {k: float((kind == k).sum()) for k in kinds}
    first = None
    if run.has("Coordinator", "n_conflicts"):
        n_first = run.get("Coordinator", "n_conflicts").to_numpy(dtype=np.float64)[:1]
        if n_first.size and not np.nan_to_num(n_first).any():
            first = np.zeros(n_first.shape[1])
    return {k: window_increase(run, "Coordinator", f"n_{k}", first) for k in kinds}


def fcr_window_eur(run: Run) -> tuple[float, float]:
    """FCR capacity revenue and delivery penalties [EUR] settled in the recorded window.

    The TSO outputs both as cumulative sums. The first recorded step's revenue is
    ``fcr_capacity_kw / 1000 × price × step`` with the recorded ``fcr_price_eur_mw_h``, or,
    when the price is not recorded, the price of the next step (one 4-h block holds both
    when the window starts on a block boundary, as it does after whole warm-up days). The
    first step's penalty is 0 when its ``fcr_shortfall_kwh`` is 0 (no failed interval).
    """
    revenue = window_increase(run, "TSO", "fcr_revenue_eur", _fcr_revenue_first_step(run))
    penalty = window_increase(run, "TSO", "fcr_penalty_eur", _penalty_first_step(run, "fcr"))
    return revenue, penalty


def _fcr_revenue_first_step(run: Run) -> NDArray[np.float64] | None:
    if not (run.has("TSO", "fcr_capacity_kw") and run.has("TSO", "fcr_revenue_eur")):
        return None
    cap = run.get("TSO", "fcr_capacity_kw").to_numpy(dtype=np.float64)
    if not len(cap):
        return None
    mwh_per_kw = run.step_s / 3600.0 / 1000.0
    if run.has("TSO", "fcr_price_eur_mw_h"):
        price = run.get("TSO", "fcr_price_eur_mw_h").to_numpy(dtype=np.float64)[0]
    elif len(cap) > 1:
        revenue = run.get("TSO", "fcr_revenue_eur").to_numpy(dtype=np.float64)
        paid = cap[1] * mwh_per_kw
        with np.errstate(divide="ignore", invalid="ignore"):
            price = np.where(paid > 0, (revenue[1] - revenue[0]) / paid, np.nan)
    else:
        price = np.full_like(cap[0], np.nan)
    first = np.where(cap[0] == 0, 0.0, cap[0] * mwh_per_kw * price)
    return None if np.isnan(first).any() else first


def _penalty_first_step(run: Run, product: str) -> NDArray[np.float64] | None:
    if not run.has("TSO", f"{product}_shortfall_kwh"):
        return None
    short = run.get("TSO", f"{product}_shortfall_kwh").to_numpy(dtype=np.float64)[:1]
    if not short.size or np.nan_to_num(short).any():
        return None  # a shortfall may have failed an interval: its penalty is not recorded
    return np.zeros(short.shape[1])


def afrr_kpis(run: Run, per_ev_year: float) -> list[Kpi]:
    """aFRR revenue (capacity and energy, net of penalties) per EV and year, penalties,
    energy requested, delivered, short and blocked, and aFRR conflicts, in the window.

    Requested and delivered energy are gross (``Σ |e|``: up and down requests do not
    cancel); the delivered energy of a row is the verified step one step earlier.
    """
    revenue, penalty = afrr_window_eur(run)

    def total(model: str, attr: str, scale: float = 1.0) -> float:
        if not run.has(model, attr):
            return 0.0
        return float(np.nansum(np.abs(run.get(model, attr).to_numpy()))) * scale

    dt_h = run.step_s / 3600.0
    kpis = [
        Kpi(
            "afrr_revenue_eur_ev_year",
            "aFRR revenue per EV and year",
            (revenue - penalty) * per_ev_year,
            "EUR",
        ),
        Kpi("afrr_penalty_eur", "aFRR non-delivery penalties", penalty, "EUR"),
        Kpi("afrr_requested_kwh", "aFRR energy requested", total("TSO", "e_afrr_req_kwh"), "kWh"),
        Kpi(
            "afrr_delivered_kwh",
            "aFRR energy delivered",
            total("TSO", "e_afrr_delivered_kwh"),
            "kWh",
        ),
        Kpi(
            "afrr_shortfall_kwh",
            "aFRR energy not delivered",
            total("TSO", "afrr_shortfall_kwh"),
            "kWh",
        ),
        Kpi(
            "afrr_blocked_kwh",
            "aFRR blocked by the DSO",
            total("Coordinator", "afrr_blocked_kw", dt_h),
            "kWh",
        ),
    ]
    if run.has_table("conflicts") or run.has("Coordinator", "n_afrr_aggravates_dso"):
        counts = conflict_counts(run, AFRR_CONFLICT_KINDS)
        kpis += [
            Kpi(f"conflicts_{k}", f"Conflicts: {k.replace('_', ' ')}", counts[k], "count")
            for k in AFRR_CONFLICT_KINDS
        ]
    return kpis


def afrr_window_eur(run: Run) -> tuple[float, float]:
    """aFRR remuneration (capacity and energy) and penalties [EUR] settled in the window.

    As :func:`fcr_window_eur`. The first recorded step's revenue is its capacity payment
    (recorded ``afrr_capacity_kw`` at the configured capacity price) plus its energy pay,
    ``|e_afrr_delivered_kwh|`` at the price of its direction: exact when the delivery never
    goes beyond the request nor against it, as the coordinator's never does.
    """
    revenue = window_increase(run, "TSO", "afrr_revenue_eur", _afrr_revenue_first_step(run))
    penalty = window_increase(run, "TSO", "afrr_penalty_eur", _penalty_first_step(run, "afrr"))
    return revenue, penalty


def _afrr_revenue_first_step(run: Run) -> NDArray[np.float64] | None:
    if not (run.has("TSO", "afrr_capacity_kw") and run.has("TSO", "e_afrr_delivered_kwh")):
        return None
    cap = run.get("TSO", "afrr_capacity_kw").to_numpy(dtype=np.float64)[:1]
    e = run.get("TSO", "e_afrr_delivered_kwh").to_numpy(dtype=np.float64)[:1]
    if not cap.size or np.isnan(e).any():
        return None
    tso = run.config.get("tso", {})
    price = float(tso.get("afrr_capacity_price_eur_mw_h", 5.0))
    up = float(tso.get("afrr_energy_up_eur_mwh", 100.0))
    down = float(tso.get("afrr_energy_down_eur_mwh", 0.0))
    energy = np.abs(e[0]) / 1000.0 * np.where(e[0] < 0, up, down)
    return cap[0] / 1000.0 * price * run.step_s / 3600.0 + energy


def market_window_eur(run: Run) -> tuple[float, float]:
    """DSO payments and provider penalties of the flexibility market [EUR] in the window.

    From the market's event tables when present, exact: the settlements settled in the
    window (``settled_s``) plus the availability payments of the contracted tender offers
    for the window's span. Else from the cumulative ``cost_eur`` / ``penalty_eur`` series,
    whose first-step increment is known only where their first value is 0.
    """
    if not run.has_table("flex_settlements"):
        return (
            window_increase(run, "Market", "cost_eur", None),
            window_increase(run, "Market", "penalty_eur", None),
        )
    settled = events_in_window(run, "flex_settlements", "settled_s")
    paid = _column_sum(settled, "payment_eur") + _availability_eur(run)
    return paid, _column_sum(settled, "penalty_eur")


def _availability_eur(run: Run) -> float:
    """Availability payments of contracted tender offers over the window [EUR]
    (pro rata to the overlap, as ``simulators.flex_market.tenders.availability_eur``)."""
    if not run.has_table("flex_tender_offers"):
        return 0.0
    offers = run.table("flex_tender_offers")
    if not len(offers):
        return 0.0
    offers = offers[offers["status"] == "contracted"]
    t0, t1 = run.window_s
    columns = ("t_start_s", "t_end_s", "p_kw", "availability_eur_kw")
    num = {c: pd.to_numeric(offers[c], errors="coerce").to_numpy(dtype=float) for c in columns}
    span = num["t_end_s"] - num["t_start_s"]
    overlap = np.clip(np.minimum(t1, num["t_end_s"]) - np.maximum(t0, num["t_start_s"]), 0, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        eur = num["p_kw"] * num["availability_eur_kw"] * overlap / span
    return float(np.nansum(np.where(span > 0, eur, 0.0)))


def _column_sum(frame: pd.DataFrame, column: str) -> float:
    if not len(frame):
        return 0.0
    return float(np.nansum(pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)))


def _congestion_hours(run: Run, dt_h: float, limit_pct: float = 100.0) -> float:
    """Recorded hours with any line or trafo loaded above ``limit_pct`` [h]."""
    over = np.zeros(len(run.time_s), dtype=bool)
    for attr in ("line_loading_pct", "trafo_loading_pct"):
        if run.has("Area", attr):
            over |= (run.get("Area", attr).to_numpy() > limit_pct).any(axis=1)
    return float(over.sum() * dt_h)


def _excess_pct_h(run: Run, dt_h: float, limit_pct: float) -> float:
    """Loading above ``limit_pct``, summed over lines, trafos and recorded steps [%·h]."""
    total = 0.0
    for attr in ("line_loading_pct", "trafo_loading_pct"):
        if run.has("Area", attr):
            total += float(np.nansum(np.maximum(run.get("Area", attr).to_numpy() - limit_pct, 0)))
    return total * dt_h


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

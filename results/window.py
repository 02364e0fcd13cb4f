"""Totals of the recorded window: what cumulative series and event tables added in it.

The warm-up before the recorded window is simulated but not recorded: an end-of-run total
of a cumulative series includes it, and an event table lists its events. These helpers
count the window only (:attr:`results.reader.Run.window_s`).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from results.reader import Run
from results.series import Series, coordinator, market, tso

__all__ = [
    "AFRR_CONFLICT_KINDS",
    "CONFLICT_KINDS",
    "afrr_window_eur",
    "conflict_counts",
    "events_in_window",
    "fcr_window_eur",
    "market_window_eur",
    "window_increase",
]

#: the coordinator's conflict kinds (controllers.coordination.ConflictKind values)
CONFLICT_KINDS = ("tso_aggravates_dso", "dso_counteracts_tso", "double_claim")
#: the same for aFRR (counted only in runs that record aFRR)
AFRR_CONFLICT_KINDS = ("afrr_aggravates_dso", "dso_counteracts_afrr", "afrr_double_claim")
#: the cumulative count of each conflict kind
CONFLICT_COUNT_SERIES: dict[str, Series] = {
    k: coordinator(f"n_{k}") for k in (*CONFLICT_KINDS, *AFRR_CONFLICT_KINDS)
}
N_CONFLICTS = coordinator("n_conflicts")

log = logging.getLogger(__name__)


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
    if run.has(*N_CONFLICTS):
        n_first = run.get(*N_CONFLICTS).to_numpy(dtype=np.float64)[:1]
        if n_first.size and not np.nan_to_num(n_first).any():
            first = np.zeros(n_first.shape[1])
    return {k: window_increase(run, *CONFLICT_COUNT_SERIES[k], first) for k in kinds}


FCR_CAPACITY = tso("fcr_capacity_kw")
FCR_REVENUE = tso("fcr_revenue_eur")
FCR_PENALTY = tso("fcr_penalty_eur")
FCR_PRICE = tso("fcr_price_eur_mw_h")
FCR_SHORTFALL = tso("fcr_shortfall_kwh")
AFRR_CAPACITY = tso("afrr_capacity_kw")
AFRR_REVENUE = tso("afrr_revenue_eur")
AFRR_PENALTY = tso("afrr_penalty_eur")
AFRR_DELIVERED = tso("e_afrr_delivered_kwh")
AFRR_SHORTFALL = tso("afrr_shortfall_kwh")
MARKET_COST = market("cost_eur")
MARKET_PENALTY = market("penalty_eur")


def fcr_window_eur(run: Run) -> tuple[float, float]:
    """FCR capacity revenue and delivery penalties [EUR] settled in the recorded window.

    The TSO outputs both as cumulative sums. The first recorded step's revenue is
    ``fcr_capacity_kw / 1000 × price × step`` with the recorded ``fcr_price_eur_mw_h``, or,
    when the price is not recorded, the price of the next step (one 4-h block holds both
    when the window starts on a block boundary, as it does after whole warm-up days). The
    first step's penalty is 0 when its ``fcr_shortfall_kwh`` is 0 (no failed interval).
    """
    return _settled(run, FCR_REVENUE, _fcr_revenue_first_step(run), FCR_PENALTY, FCR_SHORTFALL)


def _fcr_revenue_first_step(run: Run) -> NDArray[np.float64] | None:
    if not (run.has(*FCR_CAPACITY) and run.has(*FCR_REVENUE)):
        return None
    cap = run.get(*FCR_CAPACITY).to_numpy(dtype=np.float64)
    if not len(cap):
        return None
    mwh_per_kw = run.step_s / 3600.0 / 1000.0
    if run.has(*FCR_PRICE):
        price = run.get(*FCR_PRICE).to_numpy(dtype=np.float64)[0]
    elif len(cap) > 1:
        revenue = run.get(*FCR_REVENUE).to_numpy(dtype=np.float64)
        paid = cap[1] * mwh_per_kw
        with np.errstate(divide="ignore", invalid="ignore"):
            price = np.where(paid > 0, (revenue[1] - revenue[0]) / paid, np.nan)
    else:
        price = np.full_like(cap[0], np.nan)
    first = np.where(cap[0] == 0, 0.0, cap[0] * mwh_per_kw * price)
    return None if np.isnan(first).any() else first


def _penalty_first_step(run: Run, shortfall: Series) -> NDArray[np.float64] | None:
    if not run.has(*shortfall):
        return None
    short = run.get(*shortfall).to_numpy(dtype=np.float64)[:1]
    if not short.size or np.nan_to_num(short).any():
        return None  # a shortfall may have failed an interval: its penalty is not recorded
    return np.zeros(short.shape[1])


def afrr_window_eur(run: Run) -> tuple[float, float]:
    """aFRR remuneration (capacity and energy) and penalties [EUR] settled in the window.

    As :func:`fcr_window_eur`. The first recorded step's revenue is its capacity payment
    (recorded ``afrr_capacity_kw`` at the configured capacity price) plus its energy pay,
    ``|e_afrr_delivered_kwh|`` at the price of its direction: exact when the delivery never
    goes beyond the request nor against it, as the coordinator's never does.
    """
    first = _afrr_revenue_first_step(run)
    return _settled(run, AFRR_REVENUE, first, AFRR_PENALTY, AFRR_SHORTFALL)


def _settled(
    run: Run,
    revenue: Series,
    revenue_first_step: NDArray[np.float64] | None,
    penalty: Series,
    shortfall: Series,
) -> tuple[float, float]:
    """Revenue and penalties of the window from the cumulative series of one product."""
    return (
        window_increase(run, *revenue, revenue_first_step),
        window_increase(run, *penalty, _penalty_first_step(run, shortfall)),
    )


def _afrr_revenue_first_step(run: Run) -> NDArray[np.float64] | None:
    if not (run.has(*AFRR_CAPACITY) and run.has(*AFRR_DELIVERED)):
        return None
    cap = run.get(*AFRR_CAPACITY).to_numpy(dtype=np.float64)[:1]
    e = run.get(*AFRR_DELIVERED).to_numpy(dtype=np.float64)[:1]
    if not cap.size or np.isnan(e).any():
        return None
    tso_cfg = run.config.get("tso", {})
    price = float(tso_cfg.get("afrr_capacity_price_eur_mw_h", 5.0))
    up = float(tso_cfg.get("afrr_energy_up_eur_mwh", 100.0))
    down = float(tso_cfg.get("afrr_energy_down_eur_mwh", 0.0))
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
            window_increase(run, *MARKET_COST, None),
            window_increase(run, *MARKET_PENALTY, None),
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

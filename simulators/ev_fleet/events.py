"""Trip events of the persistent fleet: departures, arrivals, trip energy, plug-in decisions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from cosim.timebase import DAY_S
from simulators.ev_fleet.event_kernels import arrive, leave, take_trip
from simulators.ev_fleet.plug_kernels import plug_in, plug_odds
from simulators.ev_fleet.schedule import WeekPlan

if TYPE_CHECKING:
    from simulators.ev_fleet.model import FleetModel

__all__ = ["arrive_plug", "trip_events"]

FloatArray = NDArray[np.float64]


def trip_events(fleet: FleetModel, time_s: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Handle the departures and arrivals due in ``[time_s, time_s + step_s)`` at ``time_s``.

    Returns
    -------
    e_unserved_kwh, e_trip_kwh, e_trip_unmet_kwh : ndarray (n_ev,)
        This step's event energies [kWh]; the shared read-only zeros of ``fleet``'s outputs
        when nobody leaves or arrives.
    """
    out = fleet._out
    unserved = e_trip = unmet = out.zeros  # shared read-only zeros unless there are events
    fleet._events = out.no_events
    t1 = time_s + fleet.step_s
    if fleet._quiet[0] <= time_s and t1 <= fleet._quiet[1]:
        return unserved, e_trip, unmet  # nobody leaves or arrives before the quiet end
    days = fleet.schedule.days_in(time_s, t1)
    for week, day in days:
        plan = fleet.schedule.plan(week)
        # the EVs leaving / returning (ascending indices); those leaving count as away. No
        # cheaper test first: nine in ten steps outside a quiet window have someone moving
        leaving, arriving = fleet._due.moving(plan, day, time_s, t1, fleet.home)
        if not (leaving.size or arriving.size):
            continue
        if unserved is out.zeros:
            n = fleet.n_ev
            unserved, e_trip, unmet = np.zeros(n), np.zeros(n), np.zeros(n)
            fleet._events = np.zeros(fleet.n_ev, dtype=bool)
        if leaving.size:
            _depart(fleet, leaving, plan, day, unserved, e_trip, unmet)
        if arriving.size:
            _arrive(fleet, arriving, unserved, e_trip, unmet, after_s=t1)
    if unserved is out.zeros:
        fleet._quiet = _quiet(fleet, days[-1], t1)
    return unserved, e_trip, unmet


def _quiet(fleet: FleetModel, last_day: tuple[int, int], t1: int) -> tuple[int, float]:
    """``(t1, end)``: no trip departs or returns in ``[t1, end)`` - the next event of the
    window's last day or that day's end, whichever comes first (a later step inside
    needs no look-up: it would look at that day only and find nobody moving)."""
    week, day = last_day
    schedule = fleet.schedule
    day_end = (week * 7 + day + 1) * DAY_S - schedule.week_offset_s
    return t1, min(schedule.next_event_s(week, day, t1), day_end)


# the event functions take the EVs concerned as ascending indices and change only them
_NO_STRESS = np.empty((6, 0))  # arrive's stress without ageing (not read)
_NO_TIMES = np.empty((0, 7), dtype=np.int64)
#: the plans of a return without drivers to decide (not read)
_NO_PLANS = [WeekPlan(np.empty((0, 7), dtype=bool), _NO_TIMES, _NO_TIMES, np.empty((0, 7)))] * 3


def _take_trip(
    fleet: FleetModel,
    idx: NDArray[np.intp],
    share_dest: float,
    share_base: float,
    e_trip: NDArray[np.float64],
    unmet: NDArray[np.float64],
) -> None:
    """Take a share of the current trip's energy from the batteries of EVs ``idx``: that
    of destination charging (``share_dest``) or of base charging (``share_base``)."""
    soc = fleet.soc.copy()  # handed out read-only: replaced, never changed
    taken = np.empty(idx.size)
    take_trip(
        idx, fleet._dest, share_dest, share_base, fleet.trip_km, fleet.ev.consumption_kwh_km,
        fleet._cons_factor, fleet._capacity, fleet.soc, soc, fleet.e_trip_total_kwh, e_trip,
        unmet, taken,
    )  # fmt: skip
    fleet.soc = soc
    if fleet.wear is not None:
        fleet.wear.add_energy(taken, soc, idx=idx)


def _depart(
    fleet: FleetModel,
    leaving: NDArray[np.intp],
    plan: WeekPlan,
    day: int,
    unserved: NDArray[np.float64],
    e_trip: NDArray[np.float64],
    unmet: NDArray[np.float64],
) -> None:
    leave(
        leaving, fleet._dest, plan.km, day, fleet._soc_target, fleet.soc, fleet._capacity,
        fleet.plugged, fleet.opt_out, unserved, fleet.home, fleet.trip_km,
    )  # fmt: skip
    if not fleet._any_dest:  # without destination charging: nothing more at a departure
        return
    to_work = leaving[fleet._dest[leaving]]
    if to_work.size:
        _take_trip(fleet, to_work, 0.5, 0.5, e_trip, unmet)
        if day < 5:  # destination charging on weekdays only
            km, ret_s = plan.km[:, day], plan.ret_s[:, day]
            _decide(fleet, to_work, ret_s[to_work], km[to_work])


def _arrive(
    fleet: FleetModel,
    arriving: NDArray[np.intp],
    unserved: NDArray[np.float64],
    e_trip: NDArray[np.float64],
    unmet: NDArray[np.float64],
    *,
    after_s: int,
) -> None:
    """The return of EVs ``arriving``: the (rest of the) trip is taken from the battery, and
    the drivers of EVs at their base look up their next trip and decide."""
    # every EV charges at its base without destination charging
    at_base = arriving[~fleet._dest[arriving]] if fleet._any_dest else arriving
    n = at_base.size
    # the plans of their next trip (none looked up when no driver decides)
    p0, p1, p2 = fleet.schedule.trip_plans(after_s) if n else _NO_PLANS
    soc = fleet.soc.copy()  # handed out read-only: replaced, never changed
    dep, soc_min, ratio, alpha = np.empty(n, np.int64), np.empty(n), np.empty(n), np.empty(n)
    wear = fleet.wear
    args: tuple[Any, ...] = (
        arriving, fleet._dest, fleet._soc_target, fleet.ev.consumption_kwh_km,
        fleet._cons_factor, fleet._capacity, fleet.soc, soc, fleet.e_trip_total_kwh, e_trip,
        unmet, unserved, fleet.plugged, fleet.opt_out, fleet.home, fleet.trip_km,
        fleet.next_km, wear is not None, _NO_STRESS if wear is None else wear.stress_rows, at_base,
        p0.trip, p0.dep_s, p0.km, p1.trip, p1.dep_s, p1.km, p2.trip, p2.dep_s, p2.km,
        after_s, dep, fleet._rho, fleet.ev.alpha, soc_min, ratio, alpha,
    )  # fmt: skip
    arrive(*args)
    fleet.soc = soc
    if n:
        _plug_in(fleet, at_base, dep, soc_min, ratio, alpha)


def arrive_plug(fleet: FleetModel, idx: NDArray[np.intp], *, after_s: int) -> None:
    """Look up the next trip of base-charging EVs ``idx``; their drivers decide."""
    if idx.size == 0:
        return
    dep, km = fleet.schedule.next_trip(idx, after_s)
    fleet.next_km[idx] = km
    _decide(fleet, idx, dep, km)


def _decide(
    fleet: FleetModel,
    idx: NDArray[np.intp],
    dep_s: NDArray[np.int64],
    km_next: NDArray[np.float64],
) -> None:
    """Plug-in and opt-out decisions of the drivers ``idx`` before a trip of ``km_next``
    (:func:`.plugin.plugin_probability`; one draw of each per EV)."""
    n, km = idx.size, np.ascontiguousarray(km_next, dtype=float)
    soc_min, ratio, alpha = np.empty(n), np.empty(n), np.empty(n)
    plug_odds(
        idx, km, fleet.ev.consumption_kwh_km, fleet._cons_factor, fleet._rho, fleet._capacity,
        fleet.soc, fleet.ev.alpha, soc_min, ratio, alpha,
    )  # fmt: skip
    _plug_in(fleet, idx, dep_s, soc_min, ratio, alpha)


def _plug_in(
    fleet: FleetModel,
    idx: NDArray[np.intp],
    dep_s: NDArray[np.int64],
    soc_min: FloatArray,
    ratio: FloatArray,
    alpha: FloatArray,
) -> None:
    """The drivers' draws and decisions from the plug-in odds of :func:`.plug_odds`
    (``dep_s`` C-contiguous int64, as the kernel takes it: a fancy-indexed or new array)."""
    # the plug-in draws, then the opt-out draws (even when nobody can opt out): one take
    # gives the same stream as two (a double per 64-bit draw, nothing buffered); the
    # kernel splits them
    draws = fleet._plug_draws.take(2 * idx.size)
    plug_in(
        idx, fleet.soc, soc_min, ratio**alpha, draws, fleet._daily, fleet._p_opt_out, dep_s,
        fleet.next_dep_s, fleet.plugged, fleet.opt_out, fleet.sessions, fleet._events,
    )  # fmt: skip

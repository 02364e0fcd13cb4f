"""Trip events of the persistent fleet: departures, arrivals, trip energy, plug-in decisions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from cosim.timebase import DAY_S
from simulators.ev_fleet.event_kernels import plug_in, plug_odds, take_trip, unplug

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
        any_dep, any_ret = fleet.schedule.has_event(week, day, time_s, t1)
        if not (any_dep or any_ret):  # most steps: nobody leaves or arrives
            continue
        if unserved is out.zeros:
            n = fleet.n_ev
            unserved, e_trip, unmet = np.zeros(n), np.zeros(n), np.zeros(n)
            fleet._events = np.zeros(fleet.n_ev, dtype=bool)
        plan = fleet.schedule.plan(week)
        # the EVs due to leave / return (ascending indices)
        dep_due, ret_due = fleet._due(plan, day, time_s, t1, dep=any_dep, ret=any_ret)
        leaving = dep_due[fleet.home[dep_due]] if dep_due.size else dep_due
        if leaving.size:
            km, ret = plan.km[:, day], plan.ret_s[:, day]
            _depart(fleet, leaving, km, ret, day < 5, unserved, e_trip, unmet)
        arriving = ret_due[~fleet.home[ret_due]] if ret_due.size else ret_due
        if arriving.size:
            _arrive(fleet, arriving, unserved, e_trip, unmet, after_s=t1)
    if unserved is out.zeros:
        fleet._quiet = _quiet(fleet, days[-1], t1)
    return unserved, e_trip, unmet


def _quiet(fleet: FleetModel, last_day: tuple[int, int], t1: int) -> tuple[int, float]:
    """``(t1, end)``: no trip departs or returns in ``[t1, end)`` - the next event of the
    window's last day or that day's end, whichever comes first (a later step inside
    needs no check: ``has_event`` would look at that day only and find nothing)."""
    week, day = last_day
    schedule = fleet.schedule
    day_end = (week * 7 + day + 1) * DAY_S - schedule.week_offset_s
    return t1, min(schedule.next_event_s(week, day, t1), day_end)


# the event functions take the EVs concerned as ascending indices and change only them
def _unplug(fleet: FleetModel, idx: NDArray[np.intp], unserved: NDArray[np.float64]) -> None:
    if idx.size:
        unplug(
            idx, fleet._soc_target, fleet.soc, fleet._capacity, fleet.plugged, fleet.opt_out,
            unserved,
        )  # fmt: skip


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
    km: NDArray[np.float64],
    ret_s: NDArray[np.int64],
    weekday: bool,
    unserved: NDArray[np.float64],
    e_trip: NDArray[np.float64],
    unmet: NDArray[np.float64],
) -> None:
    at_base, to_work = leaving, leaving[:0]  # without destination charging
    if fleet._any_dest:
        dest = fleet._dest[leaving]
        at_base, to_work = leaving[~dest], leaving[dest]
    _unplug(fleet, at_base, unserved)
    fleet.home[leaving] = False
    fleet.trip_km[leaving] = km[leaving]
    if to_work.size:
        _take_trip(fleet, to_work, 0.5, 0.5, e_trip, unmet)
        if weekday:
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
    at_base = arriving  # every EV charges at its base: the whole trip is taken on return
    if fleet._any_dest:
        dest = fleet._dest[arriving]
        _unplug(fleet, arriving[dest], unserved)
        at_base = arriving[~dest]
    _take_trip(fleet, arriving, 0.5, 1.0, e_trip, unmet)
    fleet.home[arriving] = True
    fleet.trip_km[arriving] = 0.0
    arrive_plug(fleet, at_base, after_s=after_s)


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
    # the plug-in draws, then the opt-out draws (even when nobody can opt out): one call
    # gives the same stream as two (a double per 64-bit draw, nothing buffered)
    draws = fleet._plug_rng.random(2 * n)
    draw, draw_opt = draws[:n], draws[n:]
    plug_in(
        idx, fleet.soc, soc_min, ratio**alpha, draw, draw_opt, fleet._daily, fleet._p_opt_out,
        np.ascontiguousarray(dep_s, dtype=np.int64), fleet.next_dep_s, fleet.plugged,
        fleet.opt_out, fleet.sessions, fleet._events,
    )  # fmt: skip

"""Vectorised EV fleet: SoC integration, trips, departures, arrivals and plug-in decisions.

Time handling: the model steps every ``step_s`` seconds. At step time ``t`` it

1. applies the battery power ``p_batt_kw`` delivered for ``[t - step_s, t)`` (the EVSE's
   output, time-shifted) to the SoC of the EVs that were plugged during that interval;
2. handles every departure and arrival whose scheduled time falls in ``[t, t + step_s)``
   *at* ``t`` (departure before arrival on the same day): a departing plugged EV records the
   energy short of its target (``e_unserved_kwh``) and unplugs; an arriving EV has its trip
   energy (distance x consumption) taken from the battery - floored at SoC 0, the rest is
   ``e_trip_unmet_kwh`` (topped up elsewhere) - and its driver decides whether to plug in;
3. returns the state that the EVSE uses to decide the power of ``[t, t + step_s)``.

So a departure at ``t`` sees every kWh charged up to ``t``, and the energy balance closes:
SoC change x capacity = battery energy - trip energy taken from the battery.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from cosim.errors import ModelError
from simulators.ev_fleet.params import EVArrays, FleetParams, draw_ev_arrays
from simulators.ev_fleet.plugin import decide_plugin, plugin_soc_min
from simulators.ev_fleet.schedule import WeeklySchedule

__all__ = ["FleetModel", "FleetState"]

log = logging.getLogger(__name__)

_SOC_TOL = 1e-9
_MAX_STEP_S = 3 * 3600


@dataclass(frozen=True)
class FleetState:
    """Fleet outputs of one step; every array has shape (n_ev,)."""

    time_s: int
    plugged: NDArray[np.bool_]
    soc: NDArray[np.float64]
    e_need_kwh: NDArray[np.float64]
    e_capacity_kwh: NDArray[np.float64]
    departure_s: NDArray[np.int64]
    p_max_kw: NDArray[np.float64]
    soc_min: NDArray[np.float64]
    soc_target: NDArray[np.float64]
    charger_idx: NDArray[np.int64]
    e_unserved_kwh: NDArray[np.float64]
    e_trip_kwh: NDArray[np.float64]
    e_trip_unmet_kwh: NDArray[np.float64]


def _readonly(arr: NDArray[np.float64]) -> NDArray[np.float64]:
    arr.flags.writeable = False
    return arr


class FleetModel:
    """A fleet of ``n_ev`` home-charging EVs (struct of arrays).

    Parameters
    ----------
    params : FleetParams
        Vehicle mix, plug-in behaviour and schedule distributions.
    n_ev : int
        Number of EVs.
    rng : numpy.random.Generator
        Seeded generator (``cosim.seeding.generator(seed)``); draws the fleet, the schedule
        and the plug-in decisions, in a fixed order.
    step_s : int
        Step length [s], at most 3 h (trips are at least 3 h apart overnight).
    week_offset_s : int
        Seconds from local Monday 00:00 to the scenario start [s].
    ev : EVArrays, optional
        Per-EV parameters; drawn from ``params`` when omitted.

    Examples
    --------
    >>> from cosim.seeding import generator
    >>> fleet = FleetModel(FleetParams(), 3, generator(1), step_s=900)
    >>> state = fleet.step(0, np.zeros(3))
    >>> state.soc.shape
    (3,)
    """

    def __init__(
        self,
        params: FleetParams,
        n_ev: int,
        rng: np.random.Generator,
        *,
        step_s: int = 900,
        week_offset_s: int = 0,
        ev: EVArrays | None = None,
    ) -> None:
        if not 0 < step_s <= _MAX_STEP_S:
            raise ValueError(f"step_s={step_s} s must be in (0, {_MAX_STEP_S}]")
        self.params = params
        self.step_s = int(step_s)
        self.ev = ev if ev is not None else draw_ev_arrays(params, n_ev, rng)
        if self.ev.n_ev != n_ev:
            raise ValueError(f"ev arrays hold {self.ev.n_ev} EVs but n_ev={n_ev}")
        self.n_ev = n_ev
        self.schedule = WeeklySchedule(params.schedule, n_ev, rng, week_offset_s=week_offset_s)
        self._plug_rng = np.random.default_rng(int(rng.integers(2**62)))
        self._capacity = _readonly(self.ev.capacity_kwh.copy())
        self._p_max = _readonly(self.ev.p_max_kw.copy())
        self._soc_min = _readonly(self.ev.soc_min.copy())
        self._soc_target = _readonly(self.ev.soc_target.copy())
        self.soc = self.ev.soc_init.astype(float).copy()
        self.sessions = np.zeros(n_ev, dtype=np.int64)
        self.e_batt_total_kwh = np.zeros(n_ev)
        self.e_trip_total_kwh = np.zeros(n_ev)
        self._last_time: int | None = None
        self._init_location()

    # ----------------------------------------------------------------- initial state
    def _init_location(self) -> None:
        """Place each EV at home or on the road at t = 0 and draw the first plug-ins."""
        week, day = self.schedule.days_in(0, 1)[0]
        plan = self.schedule.plan(week)
        trip, dep, ret = plan.trip[:, day], plan.dep_s[:, day], plan.ret_s[:, day]
        away = trip & (dep < 0) & (ret >= 0)
        self.home = ~away
        self.trip_km = np.where(away, plan.km[:, day], 0.0)
        self.plugged = np.zeros(self.n_ev, dtype=bool)
        self.next_dep_s = np.full(self.n_ev, -1, dtype=np.int64)
        self.next_km = np.zeros(self.n_ev)
        self._arrive_plug(np.flatnonzero(self.home), after_s=0)

    # ----------------------------------------------------------------- stepping
    def step(self, time_s: int, p_batt_kw: NDArray[np.float64]) -> FleetState:
        """Advance to ``time_s``: apply ``p_batt_kw`` of ``[t - step, t)``, then the trips.

        Parameters
        ----------
        time_s : int
            Scenario time of this step [s]; strictly increasing.
        p_batt_kw : ndarray (n_ev,)
            Battery-side power of each EV during the previous step [kW] (>0 charging).

        Returns
        -------
        FleetState
            State at ``time_s`` after this step's departures and arrivals.
        """
        time_s = int(time_s)
        if self._last_time is not None and time_s <= self._last_time:
            raise ModelError(
                f"ev_fleet stepped to t={time_s} s after t={self._last_time} s; time must increase"
            )
        self._apply_power(time_s, p_batt_kw)
        self._last_time = time_s
        unserved = np.zeros(self.n_ev)
        e_trip = np.zeros(self.n_ev)
        unmet = np.zeros(self.n_ev)
        t1 = time_s + self.step_s
        for week, day in self.schedule.days_in(time_s, t1):
            plan = self.schedule.plan(week)
            trip = plan.trip[:, day]
            dep, ret = plan.dep_s[:, day], plan.ret_s[:, day]
            leaving = trip & self.home & (dep >= time_s) & (dep < t1)
            if leaving.any():
                self._depart(leaving, plan.km[:, day], unserved)
            arriving = trip & ~self.home & (ret >= time_s) & (ret < t1)
            if arriving.any():
                self._arrive(arriving, e_trip, unmet, after_s=t1)
        return self._state(time_s, unserved, e_trip, unmet)

    def _apply_power(self, time_s: int, p_batt_kw: NDArray[np.float64]) -> None:
        p = np.nan_to_num(np.asarray(p_batt_kw, dtype=float).reshape(-1), nan=0.0)
        if p.shape != (self.n_ev,):
            raise ModelError(
                f"ev_fleet at t={time_s} s: p_batt_kw has {p.size} values for "
                f"{self.n_ev} EVs; connect one value per EV"
            )
        stray = (p != 0.0) & ~self.plugged
        if stray.any():
            log.warning(
                "t=%d s: %d unplugged EV(s) received battery power (e.g. EV %d: %.3f kW); ignored",
                time_s,
                int(stray.sum()),
                int(np.argmax(stray)),
                float(p[np.argmax(stray)]),
            )
            p = np.where(stray, 0.0, p)
        e_kwh = p * (self.step_s / 3600.0)
        self.e_batt_total_kwh += e_kwh
        soc = self.soc + e_kwh / self._capacity
        if (soc < -_SOC_TOL).any() or (soc > 1.0 + _SOC_TOL).any():
            log.warning(
                "t=%d s: battery power drove SoC outside [0, 1] (min %.4f, max %.4f); "
                "clipped - check the EVSE limits",
                time_s,
                float(soc.min()),
                float(soc.max()),
            )
        self.soc = np.clip(soc, 0.0, 1.0)

    def _depart(
        self, leaving: NDArray[np.bool_], km: NDArray[np.float64], unserved: NDArray[np.float64]
    ) -> None:
        short = np.maximum(self._soc_target - self.soc, 0.0) * self._capacity
        unserved += np.where(leaving & self.plugged, short, 0.0)
        self.plugged &= ~leaving
        self.home &= ~leaving
        self.trip_km = np.where(leaving, km, self.trip_km)

    def _arrive(
        self,
        arriving: NDArray[np.bool_],
        e_trip: NDArray[np.float64],
        unmet: NDArray[np.float64],
        *,
        after_s: int,
    ) -> None:
        need = np.where(arriving, self.trip_km * self.ev.consumption_kwh_km, 0.0)
        taken = np.minimum(need, self.soc * self._capacity)
        self.soc = self.soc - taken / self._capacity
        self.e_trip_total_kwh += taken
        e_trip += taken
        unmet += need - taken
        self.home |= arriving
        self.trip_km = np.where(arriving, 0.0, self.trip_km)
        self._arrive_plug(np.flatnonzero(arriving), after_s=after_s)

    def _arrive_plug(self, idx: NDArray[np.intp], *, after_s: int) -> None:
        """Look up the next trip of EVs ``idx`` and let their drivers decide to plug in."""
        if idx.size == 0:
            return
        dep, km = self.schedule.next_trip(idx, after_s)
        self.next_dep_s[idx] = dep
        self.next_km[idx] = km
        e_next = km * self.ev.consumption_kwh_km[idx]
        smin = plugin_soc_min(e_next, self._capacity[idx], rho=self.params.rho)
        plug = decide_plugin(
            self.soc[idx],
            smin,
            self.ev.alpha[idx],
            mode=self.params.plugin,
            rng=self._plug_rng,
        )
        self.plugged[idx] = plug
        self.sessions[idx] += plug

    def _state(
        self,
        time_s: int,
        unserved: NDArray[np.float64],
        e_trip: NDArray[np.float64],
        unmet: NDArray[np.float64],
    ) -> FleetState:
        plugged = self.plugged.copy()
        soc = self.soc.copy()
        need = np.where(plugged, np.maximum(self._soc_target - soc, 0.0) * self._capacity, 0.0)
        return FleetState(
            time_s=time_s,
            plugged=plugged,
            soc=soc,
            e_need_kwh=need,
            e_capacity_kwh=self._capacity,
            departure_s=np.where(plugged, self.next_dep_s, -1),
            p_max_kw=self._p_max,
            soc_min=self._soc_min,
            soc_target=self._soc_target,
            charger_idx=np.where(plugged, np.arange(self.n_ev), -1),
            e_unserved_kwh=unserved,
            e_trip_kwh=e_trip,
            e_trip_unmet_kwh=unmet,
        )

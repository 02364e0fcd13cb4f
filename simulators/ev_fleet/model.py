"""Vectorised fleet of persistent EVs: SoC, trips, plug-in decisions, seasons and ageing.

Time handling: the model steps every ``step_s`` seconds. At step time ``t`` it

1. applies the battery power ``p_batt_kw`` delivered for ``[t - step_s, t)`` (the EVSE's
   output, time-shifted) to the SoC of the EVs that were plugged during that interval;
2. handles every departure and arrival whose scheduled time falls in ``[t, t + step_s)``
   *at* ``t`` (departure before arrival on the same day);
3. returns the state that the EVSE uses to decide the power of ``[t, t + step_s)``.

Where an EV charges depends on its segment's :class:`ChargeLocation`:

- ``home`` (home, depot): a departing plugged EV records the energy short of its target
  (``e_unserved_kwh``) and unplugs; on return its whole trip energy (distance x
  consumption) is taken from the battery - floored at SoC 0, the rest is
  ``e_trip_unmet_kwh`` (topped up elsewhere) - and its driver decides whether to plug in.
- ``destination`` (workplace): half the trip energy is taken on arrival at work, where the
  driver decides to plug in (weekdays only) until the return; the other half on return.

Drivers decide per session with the non-systematic model of :mod:`.plugin` (or plug in
systematically), and opt out of controlled charging with probability ``p_opt_out``.
Consumption scales with the ambient temperature of the day (:mod:`.climate`); battery
capacity fades with calendar and cycle ageing (:mod:`.wear`), and the SoC is a fraction of
the *usable* (faded) capacity. The energy balance closes: SoC change x capacity = battery
energy - trip energy taken from the battery (between capacity updates).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from cosim.errors import ModelError
from cosim.records import frozen_record
from cosim.timebase import DAY_S
from simulators.ev_fleet.ageing_params import AgeingParams
from simulators.ev_fleet.climate import ClimateCurve, ClimateParams
from simulators.ev_fleet.due import DueTrips
from simulators.ev_fleet.events import arrive_plug, trip_events
from simulators.ev_fleet.fleet_kernels import charge_worn
from simulators.ev_fleet.outputs import SPARSE_MIN, FleetState, StepOutputs, readonly
from simulators.ev_fleet.params import (
    ChargeLocation,
    EVArrays,
    FleetParams,
    concat_ev_arrays,
    draw_ev_arrays,
)
from simulators.ev_fleet.plugin import PLUG_DRAW_BLOCK, PlugDraws, PluginMode
from simulators.ev_fleet.schedule import FleetSchedule, WeeklySchedule
from simulators.ev_fleet.segment_sums import SegmentSums
from simulators.ev_fleet.segments import Segment, SegmentKind
from simulators.ev_fleet.warm_start import warm_start
from simulators.ev_fleet.wear import FleetWear

__all__ = ["FleetModel"]

log = logging.getLogger(__name__)

_SOC_TOL = 1e-9
#: steps whose ambient temperature ``FleetModel._ambient`` computes at once
_AMBIENT_STEPS = 96
_MAX_STEP_S = 3 * 3600
#: ``FleetWear.stress_args`` of a fleet without ageing (the kernel does not read them)
_NONE = np.empty(0)
_NO_WEAR: tuple[NDArray[np.float64], bool, NDArray[np.float64]] = (
    _NONE,
    False,
    np.empty((6, 0)),
)


def _fleet_segments(params: FleetParams | Sequence[Segment], n_ev: int | None) -> list[Segment]:
    """The segments with EVs: one ``home_commuter`` segment for a single ``FleetParams``."""
    if isinstance(params, FleetParams):
        segments = [Segment("home_commuter", SegmentKind.HOME_COMMUTER, int(n_ev or 0), params)]
    else:
        segments = list(params)
    segments = [s for s in segments if s.n_ev > 0]
    if not segments:
        raise ValueError("the fleet has no EVs; give n_ev >= 1 or a segment with n_ev >= 1")
    return segments


class FleetModel:
    """A fleet of persistent EVs in one or more segments (struct of arrays).

    Parameters
    ----------
    params : FleetParams or sequence of Segment
        One parameter set (a single ``home_commuter`` segment of ``n_ev`` EVs) or the
        segments, rows in segment order.
    n_ev : int or None
        Number of EVs with a single ``FleetParams``; ignored (may be None) with segments.
    rng : numpy.random.Generator
        Seeded generator (``cosim.seeding.generator(seed)``); draws the fleet, the schedule
        and the plug-in decisions, in a fixed order.
    step_s : int
        Step length [s], at most 3 h (trips are at least 3 h apart overnight).
    week_offset_s : int
        Seconds from local Monday 00:00 to the scenario start [s].
    ev : EVArrays, optional
        Per-EV parameters; drawn from the segments when omitted.
    climate : ClimateParams, optional
        Seasonal consumption and battery temperature; None: consumption as drawn, ageing
        at ``ageing.temp_c``.
    start_doy : float
        Day of the year of the scenario start (days since 1 January 00:00) [d].
    ageing : AgeingParams, optional
        Battery ageing; None: capacity never fades.
    ageing_interval_s : int
        Interval of the capacity updates [s].
    warm_start_weeks : int
        Start in the behaviour model's steady state, spun up over this many weeks
        (:mod:`.warm_start`); 0: every EV at its base decides at t = 0 with its drawn
        ``soc_init`` (all plug-ins at once).

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
        params: FleetParams | Sequence[Segment],
        n_ev: int | None,
        rng: np.random.Generator,
        *,
        step_s: int = 900,
        week_offset_s: int = 0,
        ev: EVArrays | None = None,
        climate: ClimateParams | None = None,
        start_doy: float = 0.0,
        ageing: AgeingParams | None = None,
        ageing_interval_s: int = DAY_S,
        warm_start_weeks: int = 0,
    ) -> None:
        if not 0 < step_s <= _MAX_STEP_S:
            raise ValueError(f"step_s={step_s} s must be in (0, {_MAX_STEP_S}]")
        self.segments = _fleet_segments(params, n_ev)
        self.params = self.segments[0].params
        self.step_s = int(step_s)
        self.n_ev = sum(s.n_ev for s in self.segments)
        self._draw(rng, ev=ev, week_offset_s=week_offset_s)
        self._init_segment_arrays()
        self._init_ev_state()
        self._init_climate(climate, start_doy=start_doy, ageing=ageing)
        self._init_step_buffers()
        self._init_location()
        if warm_start_weeks > 0:
            warm_start(self, weeks=int(warm_start_weeks))
        self._init_wear(ageing, interval_s=ageing_interval_s)
        self._out.reset()  # the warm start set the state from outside a step
        # from here on only the plug-in decisions draw from _plug_rng (the warm start drew
        # its seed from it just now): in blocks
        self._plug_draws = PlugDraws(self._plug_rng, block=PLUG_DRAW_BLOCK)

    # ----------------------------------------------------------------- initial state
    def _draw(self, rng: np.random.Generator, *, ev: EVArrays | None, week_offset_s: int) -> None:
        """Draw the EVs (unless given), their schedules and the plug-in seed, in this order."""
        drawn = ev or concat_ev_arrays(
            [draw_ev_arrays(s.params, s.n_ev, rng) for s in self.segments]
        )
        if drawn.n_ev != self.n_ev:
            raise ValueError(f"ev arrays hold {drawn.n_ev} EVs but the fleet has {self.n_ev}")
        self.ev = drawn
        groups = [
            WeeklySchedule(s.params.schedule, s.n_ev, rng, week_offset_s=week_offset_s)
            for s in self.segments
        ]
        self.schedule = (
            groups[0] if len(groups) == 1 else FleetSchedule(groups, week_offset_s=week_offset_s)
        )
        self._plug_rng = np.random.default_rng(int(rng.integers(2**62)))
        self._plug_draws = PlugDraws(self._plug_rng, block=0)  # unbuffered until __init__ ends

    def _init_segment_arrays(self) -> None:
        def per_ev(values: list[object], dtype: type) -> NDArray:  # type: ignore[type-arg]
            return np.repeat(np.asarray(values, dtype=dtype), [s.n_ev for s in self.segments])

        segs = self.segments
        self.segment_idx = per_ev(list(range(len(segs))), np.int64)
        self._dest = per_ev([s.params.location is ChargeLocation.DESTINATION for s in segs], bool)
        self._any_dest = bool(self._dest.any())
        # the per-segment outputs of a step, summed with the energy need (_state)
        self._sums = SegmentSums(self.segment_idx, len(segs), self.step_s)
        self._daily = per_ev([s.params.plugin is PluginMode.DAILY for s in segs], bool)
        self._rho = per_ev([s.params.rho for s in segs], float)
        self._p_opt_out = per_ev([s.params.p_opt_out for s in segs], float)

    def _init_ev_state(self) -> None:
        """Per-EV limits from the drawn arrays, the initial SoC and zeroed totals."""
        self._rows = np.arange(self.n_ev)
        self._capacity = readonly(self.ev.capacity_kwh.copy())
        self._p_max = readonly(self.ev.p_max_kw.copy())
        self._soc_min = readonly(self.ev.soc_min.copy())
        self._soc_target = readonly(self.ev.soc_target.copy())
        self.soc = self.ev.soc_init.astype(float).copy()
        self.sessions = np.zeros(self.n_ev, dtype=np.int64)
        self.e_batt_total_kwh = np.zeros(self.n_ev)
        self.e_trip_total_kwh = np.zeros(self.n_ev)

    def _init_climate(
        self, climate: ClimateParams | None, *, start_doy: float, ageing: AgeingParams | None
    ) -> None:
        """The seasonal climate and the battery temperature without one."""
        self.climate = climate
        self._climate_curve = None if climate is None else ClimateCurve(climate)
        self.start_doy = float(start_doy)
        temp0 = ageing.temp_c if ageing is not None else 25.0
        self._temp_default = temp0

    def _init_step_buffers(self) -> None:
        """No wear yet (set after the warm start), the output buffers and the step clock."""
        self.wear: FleetWear | None = None
        self._fade = readonly(np.zeros(self.n_ev))
        self._out = StepOutputs(self.n_ev)
        self._e_kwh = np.empty(self.n_ev)  # a step's battery energy, scratch of _apply_power
        self._due = DueTrips()
        # (from, end): no trip departs or returns in [from, end) (events.trip_events); the
        # schedule's trips are fixed, so this holds until the end
        self._quiet: tuple[int, float] = (0, -1.0)
        self._air_c: float | None = None  # ambient of the last step; None: no climate or step
        self._ambient_at: dict[int, float] = {}  # ambient [°C] by step time (_ambient)
        self._last_time: int | None = None

    def _init_wear(self, ageing: AgeingParams | None, *, interval_s: int) -> None:
        """Battery ageing from the state at t = 0; without ``ageing`` capacity never fades."""
        if ageing is not None:
            self.wear = FleetWear(self._capacity, ageing, interval_s=interval_s, soc0=self.soc)

    def _init_location(self) -> None:
        """Place each EV at its base or on the road at t = 0 and draw the first plug-ins."""
        week, day = self.schedule.days_in(0, 1)[0]
        plan = self.schedule.plan(week)
        trip, dep, ret = plan.trip[:, day], plan.dep_s[:, day], plan.ret_s[:, day]
        away = trip & (dep < 0) & (ret >= 0)
        self.home = ~away
        self.trip_km = np.where(away, plan.km[:, day], 0.0)
        self.plugged = np.zeros(self.n_ev, dtype=bool)
        self.opt_out = np.zeros(self.n_ev, dtype=bool)
        self._events = np.zeros(self.n_ev, dtype=bool)
        self.next_dep_s = np.full(self.n_ev, -1, dtype=np.int64)
        self.next_km = np.zeros(self.n_ev)
        arrive_plug(self, np.flatnonzero(self.home & ~self._dest), after_s=0)

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
        temp_c = self._ambient(time_s)
        self._apply_power(time_s, p_batt_kw, temp_c)
        self._last_time = time_s
        unserved, e_trip, unmet = trip_events(self, time_s)
        if self.wear is not None and self.wear.due():
            self._capacity = readonly(self.wear.update(self.soc).copy())
            self._fade = readonly(self.wear.fade.copy())
        return self._state(time_s, unserved, e_trip, unmet, changed=unserved is not self._out.zeros)

    def _ambient(self, time_s: int) -> float:
        if self.climate is None:
            return self._temp_default
        temp = self._ambient_at.get(time_s)
        if temp is None:
            temp = self._tabulate_ambient(time_s)
        self._air_c = temp
        return temp + self.climate.battery_offset_k

    def _tabulate_ambient(self, time_s: int) -> float:
        """The ambient at ``time_s`` and the next steps' (``_ambient_at``), made in one
        loop: a lone call at every step, with the caches cold, costs several times one
        call of a loop. The ambient is a function of the time alone."""
        curve = self._climate_curve
        assert curve is not None  # set with climate
        times = range(time_s, time_s + _AMBIENT_STEPS * self.step_s, self.step_s)
        self._ambient_at = {t: curve.temp_c(self.start_doy + t / DAY_S) for t in times}
        return self._ambient_at[time_s]

    @property
    def _cons_factor(self) -> float:
        """Consumption relative to the drawn one at the last step's ambient [-] (1 before
        the first step or without a climate). Only trip events read it: computed then,
        not at every step."""
        if self._air_c is None:
            return 1.0
        assert self._climate_curve is not None  # set with climate
        return self._climate_curve.consumption_factor(self._air_c)

    def _apply_power(self, time_s: int, p_batt_kw: NDArray[np.float64], temp_c: float) -> None:
        p = np.ascontiguousarray(p_batt_kw, dtype=float)
        if p.ndim != 1:
            p = p.reshape(-1)
        if p.shape != (self.n_ev,):
            raise ModelError(
                f"ev_fleet at t={time_s} s: p_batt_kw has {p.size} values for "
                f"{self.n_ev} EVs; connect one value per EV"
            )
        wear, last, soc = self.wear, self._last_time, np.empty(self.n_ev)
        # the stress of the step since the last one; none at the first step
        worn = wear is not None and last is not None
        dt_s = 0.0 if last is None else float(time_s - last)
        usable, positive, stress = _NO_WEAR if wear is None else wear.stress_args()
        n_on, n_stray, stray, stray_kw, lo, hi = charge_worn(
            p, self.plugged, self.soc, self._capacity, self.step_s / 3600.0,
            self.e_batt_total_kwh, self._e_kwh, soc,
            worn, self.n_ev >= SPARSE_MIN, usable, positive, dt_s, stress,
        )  # fmt: skip
        if wear is not None and last is not None:
            wear.add_time(dt_s, temp_c)
        if not n_on:  # no battery power anywhere (NaN counts as 0): SoC and totals stay
            return
        if n_stray:
            log.warning(
                "t=%d s: %d unplugged EV(s) received battery power (e.g. EV %d: %.3f kW); ignored",
                time_s,
                n_stray,
                stray,
                stray_kw,
            )
        if lo < -_SOC_TOL or hi > 1.0 + _SOC_TOL:
            log.warning(
                "t=%d s: battery power drove SoC outside [0, 1] (min %.4f, max %.4f); "
                "clipped - check the EVSE limits",
                time_s,
                lo,
                hi,
            )
        self.soc = soc

    def _state(
        self,
        time_s: int,
        unserved: NDArray[np.float64],
        e_trip: NDArray[np.float64],
        unmet: NDArray[np.float64],
        *,
        changed: bool,
    ) -> FleetState:
        """The outputs; arrays unchanged since the last step are handed out again."""
        plugged, departure, charger, opt_out = self._out.plug_arrays(
            changed, self.plugged, self.next_dep_s, self._rows, self.opt_out
        )
        soc = readonly(self.soc)  # self.soc is replaced, never changed in place
        if changed:  # this step's event arrays: filled, now handed out
            for arr in (unserved, e_trip, unmet, self._events):
                readonly(arr)
        seg = self._sums
        band = (seg.segment_idx, self._events, self._p_max, departure, opt_out, time_s)
        need = self._out.need_band(
            plugged, soc, self._soc_target, self._capacity, (*band, seg.dt_h, seg.sums_out())
        )
        #: the per-segment outputs of the state returned (``MixedFleet`` hands them out)
        self.segment_state = seg.record_out()
        return frozen_record(
            FleetState,
            time_s=time_s,
            plugged=plugged,
            soc=soc,
            e_need_kwh=need,
            e_capacity_kwh=self._capacity,
            departure_s=departure,
            p_max_kw=self._p_max,
            soc_min=self._soc_min,
            soc_target=self._soc_target,
            charger_idx=charger,
            e_unserved_kwh=unserved,
            e_trip_kwh=e_trip,
            e_trip_unmet_kwh=unmet,
            opt_out=opt_out,
            capacity_fade=self._fade,
            plugin_event=self._events,
        )

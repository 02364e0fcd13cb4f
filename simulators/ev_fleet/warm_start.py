"""Start a fleet in the steady state of its behaviour model instead of all at once.

Without it, every EV at its base takes its plug-in decision at t = 0 with an SoC drawn
uniformly from ``soc_init``: a large share plugs in at the same instant with a large
energy need, and the whole fleet starts charging in the first step. No real night looks
like that (with 3 EVs per household the first power flow diverged).

**Method: spin-up.** The fleet's own behaviour model (schedule, trips, seasonal
consumption, plug-in decisions, opt-outs) is run without a grid for ``weeks`` whole
weeks before the start, from the drawn state, with uncontrolled charging on an ideal
charger: while plugged, an EV's battery receives ``min(p_max_kw, e_need / dt)``. The state
reached at ``weeks x 7`` days, the same weekday and time of day as the start, is taken
as the state at t = 0:

- **where**: EVs whose trip of the start day is under way (departed before the start,
  returning after it) are away with that trip's energy still to take, as before;
- **SoC**: the spun-up SoC, i.e. a draw from the SoC distribution the behaviour model
  itself produces at that time of the week (staggered by each driver's plug-in habit,
  battery size and trips), not ``soc_init``;
- **plugged**: an EV is plugged at t = 0 if it was plugged at the end of the spin-up and
  is where it charges now (at its base for home charging, away for destination charging);
  its departure is its next scheduled trip (or the return from work). Its opt-out carries
  over. These plug-ins happened before the start, so they do not count as sessions.

Why a spin-up rather than a closed-form stationary distribution: the SoC depends on the
per-driver plug-in exponent, the weekly pattern and the battery size together; simulating
the model is the only way that stays exact when any of them changes. Why 3 weeks: the
slowest driver (rare plug-in, 77 kWh, ~6 kWh a day) runs from full to the always-plug-in
threshold in about 10 days, so 3 weeks forget the drawn initial SoC for nearly every EV;
the cost is ~2,000 fleet steps without a grid (well under a second for 1,000 EVs).
The spin-up replays the start week's trips (with their weekly jitter) in every week; it
uses its own random stream and does not age the batteries, so it leaves the scenario's
draws, and the battery state at t = 0, as they were.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import numpy as np

from cosim.timebase import WEEK_S
from simulators.ev_fleet.plugin import PLUG_DRAW_BLOCK, PlugDraws

if TYPE_CHECKING:
    from simulators.ev_fleet.model import FleetModel

__all__ = ["spin_up", "warm_start"]


def spin_up(model: FleetModel, *, weeks: int, seed: int) -> FleetModel:
    """Run a grid-less copy of ``model`` for ``weeks`` weeks; return the copy.

    ``model`` must be freshly initialised (located, first plug-ins drawn); it is not
    changed. The copy shares the read-only parameters and the schedule (its plans are
    deterministic), has no battery ageing and draws plug-in decisions from ``seed``.

    Parameters
    ----------
    model : FleetModel
        The fleet at t = 0.
    weeks : int
        Length of the spin-up [weeks], >= 1.
    seed : int
        Seed of the spin-up's plug-in decisions.
    """
    if weeks < 1:
        raise ValueError(f"weeks={weeks} must be >= 1 for a spin-up")
    spin = copy.copy(model)
    for name in ("soc", "home", "trip_km", "plugged", "opt_out", "next_dep_s", "next_km"):
        setattr(spin, name, getattr(model, name).copy())
    spin.sessions = model.sessions.copy()
    spin.e_batt_total_kwh = model.e_batt_total_kwh.copy()
    spin.e_trip_total_kwh = model.e_trip_total_kwh.copy()
    spin.wear = None
    spin._plug_rng = np.random.default_rng(seed)
    spin._plug_draws = PlugDraws(spin._plug_rng, block=PLUG_DRAW_BLOCK)  # not the model's
    # replay the start week: the schedule's plans exist only for weeks >= 0
    spin.schedule = _Replay(model.schedule)  # type: ignore[assignment]
    dt_h = model.step_s / 3600.0
    p_batt = np.zeros(model.n_ev)
    for t in range(0, weeks * WEEK_S, model.step_s):
        state = spin.step(t, p_batt)
        p_batt = np.where(state.plugged, np.minimum(state.p_max_kw, state.e_need_kwh / dt_h), 0.0)
    spin.step(weeks * WEEK_S, p_batt)
    spin.schedule = model.schedule
    return spin


def warm_start(model: FleetModel, *, weeks: int) -> None:
    """Set ``model`` (freshly initialised) to the spun-up state at t = 0 (module docstring)."""
    spin = spin_up(model, weeks=weeks, seed=int(model._plug_rng.integers(2**62)))
    model.soc = spin.soc.copy()
    at_base = model.home & spin.home & ~model._dest
    at_work = ~model.home & ~spin.home & model._dest
    model.plugged = spin.plugged & (at_base | at_work)
    model.opt_out = spin.opt_out & model.plugged
    model.sessions[:] = 0
    model._events[:] = False
    base = np.flatnonzero(model.home & ~model._dest)
    dep, km = model.schedule.next_trip(base, 0)
    model.next_dep_s[base], model.next_km[base] = dep, km
    work = np.flatnonzero(at_work)
    week, day = model.schedule.days_in(0, 1)[0]
    model.next_dep_s[work] = model.schedule.plan(week).ret_s[work, day]


class _Replay:
    """A schedule seen with every week equal to week 0 shifted in time (spin-up only)."""

    def __init__(self, schedule: object) -> None:
        self._s = schedule
        self.week_offset_s = schedule.week_offset_s  # type: ignore[attr-defined]
        self._plans: dict[int, object] = {}

    def days_in(self, t0_s: int, t1_s: int) -> list[tuple[int, int]]:
        return self._s.days_in(t0_s, t1_s)  # type: ignore[attr-defined, no-any-return]

    def next_event_s(self, week: int, day: int, t_s: int) -> float:
        shift = week * WEEK_S
        return self._s.next_event_s(0, day, t_s - shift) + shift  # type: ignore[attr-defined, no-any-return]

    def plan(self, week: int) -> object:
        cached = self._plans.get(week)
        if cached is None:
            base = self._s.plan(0)  # type: ignore[attr-defined]
            shift = week * WEEK_S
            cached = type(base)(
                trip=base.trip, dep_s=base.dep_s + shift, ret_s=base.ret_s + shift, km=base.km
            )
            for old in [w for w in self._plans if w < week - 3]:
                del self._plans[old]
            self._plans[week] = cached
        return cached

    def next_trip(self, idx: np.ndarray, after_s: int) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[type-arg]
        from simulators.ev_fleet.schedule import _next_trip

        return _next_trip(self.trip_plans(after_s), idx, after_s)  # type: ignore[arg-type]

    def trip_plans(self, after_s: int) -> list[object]:
        w0 = (int(after_s) + self.week_offset_s) // WEEK_S
        return [self.plan(w) for w in range(w0, w0 + 3)]

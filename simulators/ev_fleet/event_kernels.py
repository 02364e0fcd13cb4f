"""Compiled per-EV loops of the fleet's departures and returns (numba): unplugging, the
trip's energy, and a departure's and a return's whole update of the fleet state.

A step with departures or arrivals handles a few to a few dozen EVs with chains of numpy
calls on tiny index arrays: the call overhead is the cost. Each kernel is such a chain
fused into one loop over the EVs concerned (``idx``: distinct rows, ascending), with the
same floating-point operations in the same order as the numpy expression it replaced
(``tests/property/test_ev_fleet_event_kernels.py`` and
``test_ev_fleet_arrive_leave_kernels.py`` check them bit for bit). A return's update
(:func:`arrive`) ends with the plug-in model's inputs (:mod:`.plug_kernels`); the
schedule's look-ups it uses are in :mod:`.schedule_kernels`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numpy.typing import NDArray

from cosim.kernels import (
    IN_BOOL,
    IN_BOOL_2D,
    IN_F64,
    IN_F64_2D,
    IN_I64,
    IN_I64_2D,
    OUT_BOOL,
    OUT_F64,
    OUT_I64,
    maximum,
    minimum,
)
from simulators.ev_fleet.fleet_kernels import OUT_STRESS, add_throughput
from simulators.ev_fleet.plug_kernels import plug_odds
from simulators.ev_fleet.schedule_kernels import first_trip

__all__ = ["arrive", "leave", "take_trip", "unplug"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

# explicit signatures, inputs read-only: one compiled version for writable and read-only
# arrays alike (see :mod:`.fleet_kernels`); scalar types
_F, _I, _B = types.float64, types.int64, types.boolean


@njit((IN_I64, IN_F64, IN_F64, IN_F64, OUT_BOOL, OUT_BOOL, OUT_F64), cache=True)
def unplug(
    idx: IntArray,
    soc_target: FloatArray,
    soc: FloatArray,
    capacity_kwh: FloatArray,
    plugged: BoolArray,
    opt_out: BoolArray,
    unserved_kwh: FloatArray,
) -> None:
    """Unplug EVs ``idx``, the plugged ones recording the energy short of their target::

    was = idx[plugged[idx]]
    unserved_kwh[was] += np.maximum(soc_target[was] - soc[was], 0.0) * capacity_kwh[was]
    plugged[idx] = False; opt_out[idx] = False
    """
    for k in range(idx.size):
        i = idx[k]
        if plugged[i]:
            unserved_kwh[i] += maximum(soc_target[i] - soc[i], 0.0) * capacity_kwh[i]
        plugged[i] = False
        opt_out[i] = False


@njit(
    (IN_I64, IN_BOOL, _F, _F, IN_F64, IN_F64, _F, IN_F64, IN_F64) + (OUT_F64,) * 5,
    cache=True,
    error_model="numpy",
)
def take_trip(
    idx: IntArray,
    dest: BoolArray,
    share_dest: float,
    share_base: float,
    trip_km: FloatArray,
    consumption_kwh_km: FloatArray,
    cons_factor: float,
    capacity_kwh: FloatArray,
    soc: FloatArray,
    soc_out: FloatArray,
    e_trip_total_kwh: FloatArray,
    e_trip_kwh: FloatArray,
    unmet_kwh: FloatArray,
    taken_kwh: FloatArray,
) -> None:
    """Take ``share`` of the trip energy of EVs ``idx`` from their batteries::

        share = np.where(dest[idx], share_dest, share_base)
        need = share * trip_km[idx] * (consumption_kwh_km[idx] * cons_factor)
        taken = np.minimum(need, soc[idx] * capacity_kwh[idx])
        soc_out[idx] = np.maximum(soc[idx] - taken / capacity_kwh[idx], 0.0)
        e_trip_total_kwh[idx] += taken; e_trip_kwh[idx] += taken
        unmet_kwh[idx] += need - taken; taken_kwh = taken

    ``soc_out`` is a copy of ``soc`` (the fleet's SoC is replaced, never changed).
    """
    for k in range(idx.size):
        i = idx[k]
        share = share_dest if dest[i] else share_base
        cap, s = capacity_kwh[i], soc[i]
        need = share * trip_km[i] * (consumption_kwh_km[i] * cons_factor)
        taken = minimum(need, s * cap)
        soc_out[i] = maximum(s - taken / cap, 0.0)
        e_trip_total_kwh[i] += taken
        e_trip_kwh[i] += taken
        unmet_kwh[i] += need - taken
        taken_kwh[k] = taken


# leave's fleet state, changed in place: plugged, opted out, unserved energy (as unplug's),
# at its base, the trip's distance
_UNPLUGGED = (OUT_BOOL, OUT_BOOL, OUT_F64)


@njit(
    (IN_I64, IN_BOOL, IN_F64_2D, _I, IN_F64, IN_F64, IN_F64, *_UNPLUGGED, OUT_BOOL, OUT_F64),
    cache=True,
)
def leave(
    idx: IntArray,
    dest: BoolArray,
    plan_km: FloatArray,
    day: int,
    soc_target: FloatArray,
    soc: FloatArray,
    capacity_kwh: FloatArray,
    plugged: BoolArray,
    opt_out: BoolArray,
    unserved_kwh: FloatArray,
    home: BoolArray,
    trip_km: FloatArray,
) -> None:
    """The departure of EVs ``idx`` on ``day`` of a week plan (``plan_km``: the trips'
    distances, (n_ev, 7)), before its destination charging (``events._depart``), one
    call instead of :func:`unplug` and two numpy assignments::

        unplug(idx[~dest[idx]], soc_target, soc, capacity_kwh, plugged, opt_out, unserved_kwh)
        home[idx] = False; trip_km[idx] = plan_km[:, day][idx]
    """
    for k in range(idx.size):
        i = idx[k]
        if not dest[i]:
            if plugged[i]:
                unserved_kwh[i] += maximum(soc_target[i] - soc[i], 0.0) * capacity_kwh[i]
            plugged[i] = False
            opt_out[i] = False
        home[i] = False
        trip_km[i] = plan_km[i, day]


# arrive's fleet state, changed in place: SoC (a copy of the fleet's), trip energy total,
# this step's trip energy, unmet trip energy and unserved energy, plugged, opted out, at
# its base, the trip's distance, the next trip's distance
_ARRIVED = (OUT_F64,) * 5 + (OUT_BOOL,) * 3 + (OUT_F64, OUT_F64)


# a week plan's trip, dep_s and km (n_ev, 7), as first_trip reads them
_PLAN = (IN_BOOL_2D, IN_I64_2D, IN_F64_2D)


@njit(
    (
        IN_I64, IN_BOOL, IN_F64, IN_F64, _F, IN_F64, IN_F64, *_ARRIVED,
        _B, OUT_STRESS, IN_I64, *_PLAN, *_PLAN, *_PLAN, _I, OUT_I64,
        IN_F64, IN_F64, OUT_F64, OUT_F64, OUT_F64,
    ),
    cache=True,
    error_model="numpy",
)  # fmt: skip
def arrive(
    idx: IntArray,
    dest: BoolArray,
    soc_target: FloatArray,
    consumption_kwh_km: FloatArray,
    cons_factor: float,
    capacity_kwh: FloatArray,
    soc: FloatArray,
    soc_out: FloatArray,
    e_trip_total_kwh: FloatArray,
    e_trip_kwh: FloatArray,
    unmet_kwh: FloatArray,
    unserved_kwh: FloatArray,
    plugged: BoolArray,
    opt_out: BoolArray,
    home: BoolArray,
    trip_km: FloatArray,
    next_km: FloatArray,
    worn: bool,
    stress: FloatArray,
    at_base: IntArray,
    trip0: BoolArray,
    dep0: IntArray,
    km0: FloatArray,
    trip1: BoolArray,
    dep1: IntArray,
    km1: FloatArray,
    trip2: BoolArray,
    dep2: IntArray,
    km2: FloatArray,
    after_s: int,
    dep_out: IntArray,
    rho: FloatArray,
    alpha: FloatArray,
    soc_min_out: FloatArray,
    ratio_out: FloatArray,
    alpha_out: FloatArray,
) -> None:
    """The return of EVs ``idx`` up to their drivers' draws (``events._arrive``), one call
    instead of five (:func:`unplug`, :func:`take_trip`, ``add_throughput``,
    :func:`first_trip`, :func:`plug_odds`) and the numpy code between them::

        unplug(idx[dest[idx]], soc_target, soc, capacity_kwh, plugged, opt_out, unserved_kwh)
        take_trip(idx, dest, 0.5, 1.0, trip_km, consumption_kwh_km, cons_factor,
                  capacity_kwh, soc, soc_out, e_trip_total_kwh, e_trip_kwh, unmet_kwh, taken)
        if worn:  # FleetWear.add_energy(taken, soc_out, idx=idx); stress: FleetWear.stress_rows
            add_throughput(soc_out, taken, idx, False, stress[1], stress[4], stress[5])
        home[idx] = True; trip_km[idx] = 0.0
        # the next trip of at_base = idx[~dest[idx]] in three week plans (schedule._next_trip)
        dep_out, km_next, found = np.full(m, -1), np.zeros(m), np.zeros(m, bool)
        for trip, dep, km in plans:   # (trip0, dep0, km0), ...
            if not first_trip(trip, dep, km, at_base, after_s, found, dep_out, km_next): break
        next_km[at_base] = km_next
        plug_odds(at_base, km_next, consumption_kwh_km, cons_factor, rho, capacity_kwh,
                  soc_out, alpha, soc_min_out, ratio_out, alpha_out)

    ``soc_out`` is a copy of ``soc`` (the fleet's SoC is replaced, never changed);
    ``dep_out`` (at_base.size): the next trip's departure [s] (-1: none), for ``plug_in``.
    """
    for k in range(idx.size):
        i = idx[k]
        if dest[i]:
            if plugged[i]:
                unserved_kwh[i] += maximum(soc_target[i] - soc[i], 0.0) * capacity_kwh[i]
            plugged[i] = False
            opt_out[i] = False
    taken = np.empty(idx.size)
    take_trip(
        idx, dest, 0.5, 1.0, trip_km, consumption_kwh_km, cons_factor, capacity_kwh, soc,
        soc_out, e_trip_total_kwh, e_trip_kwh, unmet_kwh, taken,
    )  # fmt: skip
    if worn:
        add_throughput(soc_out, taken, idx, False, stress[1], stress[4], stress[5])
    for k in range(idx.size):
        home[idx[k]] = True
        trip_km[idx[k]] = 0.0
    m = at_base.size
    km_next, found = np.zeros(m), np.zeros(m, dtype=np.bool_)
    dep_out[:] = -1
    if first_trip(trip0, dep0, km0, at_base, after_s, found, dep_out, km_next):
        if first_trip(trip1, dep1, km1, at_base, after_s, found, dep_out, km_next):
            first_trip(trip2, dep2, km2, at_base, after_s, found, dep_out, km_next)
    for k in range(m):
        next_km[at_base[k]] = km_next[k]
    plug_odds(
        at_base, km_next, consumption_kwh_km, cons_factor, rho, capacity_kwh, soc_out, alpha,
        soc_min_out, ratio_out, alpha_out,
    )  # fmt: skip

"""Compiled per-EV loops of one step's availability (numba): the bounds, the charger and
zone sums and the services' even-baseline step of :mod:`controllers.aggregator.availability`.

One step's bounds and its charger availability are chains of some twenty numpy calls over
a few hundred EVs, where numpy's per-call overhead costs more than the arithmetic (the
forecast over a block is in :mod:`controllers.aggregator.availability_forecast_kernels`).
Each chain is one loop here, with the same floating-point operations in the same order and
association as the numpy expressions in the docstrings (maxima and minima with numpy's
NaN rule from :mod:`cosim.kernels`), so the results are identical bit for bit
(``tests/property/test_aggregator_kernels.py`` checks them against those expressions).
Outputs are filled into arrays the caller allocates: returning arrays made inside a kernel
costs more per call than the loop.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from controllers.aggregator.policy_kernels import charger_levels
from cosim.kernels import maximum, minimum, pairwise_sum

__all__ = [
    "AFRR_BAND",
    "AT",
    "BIDIR",
    "BOTTOM",
    "CHARGER",
    "CTRL",
    "ETA",
    "EVEN",
    "FCR_BAND",
    "P_HI",
    "ROOM",
    "SET",
    "STEPS",
    "TOP",
    "charger_sums",
    "even_step",
    "fleet_bounds",
    "zone_sums",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


#: rows of the outputs of :func:`fleet_bounds`: floats, integers, flags (each (n_ev,))
P_HI, ETA, TOP, BOTTOM, EVEN = range(5)
CHARGER, STEPS = range(2)
BIDIR, AT, CTRL = range(3)
#: rows of the per-charger output of :func:`even_step`: those of :func:`charger_sums`, then these
ROOM, SET, FCR_BAND, AFRR_BAND = 3, 4, 5, 6


@njit(cache=True, error_model="numpy")
def fleet_bounds(
    plugged: BoolArray,
    charger_idx: IntArray,
    departure_s: IntArray,
    p_max_kw: FloatArray,
    opt_out: BoolArray,
    e_need_kwh: FloatArray,
    soc: FloatArray,
    soc_min: FloatArray,
    e_capacity_kwh: FloatArray,
    p_rated_kw: FloatArray,
    efficiency: FloatArray,
    bidirectional: BoolArray,
    time_s: int,
    step_s: int,
    dt_h: float,
    unknown_steps: int,
    default_efficiency: float,
    v2g: bool,
    floats: FloatArray,
    ints: IntArray,
    flags: BoolArray,
) -> int:
    """``availability._ev_bounds`` with the helpers it calls, into ``floats`` (5, n_ev)
    ``[P_HI, ETA, TOP, BOTTOM, EVEN]``, ``ints`` (2, n_ev) ``[CHARGER, STEPS]`` and
    ``flags`` (3, n_ev) ``[BIDIR, AT, CTRL]``.

    Returns the first plugged EV whose charger is
    beyond the bank (the outputs are then incomplete), else -1. As numpy, the limits
    (``policy.charger_of``, ``ev_power_kw``, ``ev_steps``)::

        chg = where(plugged & (charger_idx >= 0), charger_idx, -1); at = chg >= 0
        p_hi = maximum(where(at, minimum(p_max_kw, p_rated_kw[chg]), 0.0), 0.0)
        eta = where(at, efficiency[chg], default_efficiency); bidir = at & bidirectional[chg]
        steps = maximum(where(departure_s < 0, unknown_steps,
                              (departure_s - time_s) // step_s), 1)

    and the bounds of :func:`_bounds`.
    """
    n_chargers = p_rated_kw.size
    for i in range(plugged.size):
        c = charger_idx[i] if plugged[i] and charger_idx[i] >= 0 else -1
        if c >= n_chargers:
            return i
        at = c >= 0
        if at:  # the bank is only read at a charger (numpy reads row -1, then masks)
            p_hi = maximum(minimum(p_max_kw[i], p_rated_kw[c]), 0.0)
            eta, bidir = efficiency[c], bidirectional[c]
        else:
            p_hi, eta, bidir = 0.0, default_efficiency, False
        k = unknown_steps if departure_s[i] < 0 else (departure_s[i] - time_s) // step_s
        k = k if k > 1 else 1
        ctrl = at and not opt_out[i]
        need = maximum(e_need_kwh[i], 0.0) if at else 0.0
        v2g_here = v2g and ctrl and bidir
        above_min = maximum(soc[i] - soc_min[i], 0.0) * e_capacity_kwh[i] if v2g_here else 0.0
        top, bottom, even = _bounds(need, p_hi, eta, k, dt_h, above_min, v2g_here)
        ints[CHARGER, i], ints[STEPS, i] = c, k
        flags[BIDIR, i], flags[AT, i], flags[CTRL, i] = bidir, at, ctrl
        floats[P_HI, i], floats[ETA, i] = p_hi, eta
        floats[TOP, i], floats[BOTTOM, i], floats[EVEN, i] = top, bottom, even
    return -1


@njit(cache=True, error_model="numpy")
def _bounds(
    need: float, p_hi: float, eta: float, steps: int, dt: float, above_min: float, v2g: bool
) -> tuple[float, float, float]:
    """``(top, bottom, even)`` of one EV [kW]. As numpy (``v2g``: controllable at a V2G
    charger, and V2G allowed)::

        top = minimum(p_hi, need / (eta * dt))
        later = p_hi * eta * dt * (steps - 1)
        floor = minimum(maximum(need - later, 0.0) / (eta * dt), p_hi)
        g_max = minimum(p_hi, minimum(above_min, maximum(later - need, 0.0)) * eta / dt)
        bottom = minimum(where(v2g & (floor <= 0.0), -g_max, floor), top)
        even = maximum(need / (eta * dt * steps), floor)
    """
    eta_dt = eta * dt
    top = minimum(p_hi, need / eta_dt)
    later = p_hi * eta * dt * np.float64(steps - 1)
    floor = minimum(maximum(need - later, 0.0) / (eta * dt), p_hi)
    low = floor
    if v2g and floor <= 0.0:
        spare = maximum(later - need, 0.0)
        low = -minimum(p_hi, minimum(above_min, spare) * eta / dt)
    return top, minimum(low, top), maximum(need / (eta_dt * np.float64(steps)), floor)


@njit(cache=True)
def charger_sums(
    p_set_kw: FloatArray,
    chg: IntArray,
    ctrl: BoolArray,
    p_unc_kw: FloatArray,
    p_top_kw: FloatArray,
    p_bottom_kw: FloatArray,
    out: FloatArray,
) -> None:
    """Per charger base, up and down of ``availability.charger_availability`` added into
    ``out`` (3, n_chargers) of zeros. As numpy, per EV::

        p = p_set_kw[chg]; base = where(ctrl & isfinite(p), p, p_unc_kw)
        up = where(ctrl, maximum(p_top_kw - base, 0.0), 0.0)
        down = where(ctrl, maximum(base - p_bottom_kw, 0.0), 0.0)

    then each summed onto the chargers (``np.bincount(chg + 1, weights)[1:]``: in EV
    order, EVs at no charger left out).
    """
    for i in range(chg.size):
        c = chg[i]
        if c < 0:
            continue
        p = p_set_kw[c]
        base = p if ctrl[i] and np.isfinite(p) else p_unc_kw[i]
        out[0, c] += base
        out[1, c] += maximum(p_top_kw[i] - base, 0.0) if ctrl[i] else 0.0
        out[2, c] += maximum(base - p_bottom_kw[i], 0.0) if ctrl[i] else 0.0


@njit(cache=True)
def zone_sums(
    p_set_kw: FloatArray,
    chg: IntArray,
    ctrl: BoolArray,
    p_unc_kw: FloatArray,
    p_top_kw: FloatArray,
    p_bottom_kw: FloatArray,
    zone_of_charger: IntArray,
    out: FloatArray,
    zones: FloatArray,
    room: FloatArray,
) -> float:
    """:func:`charger_sums` into ``out`` (3, n_chargers), then the base and down of each
    zone added into ``zones`` (2, Z) of zeros and each charger's symmetric room into
    ``room`` (n_chargers,); returns the total room [kW]. As numpy (``base, up, down = out``)::

        zones = [bincount(zone_of_charger + 1, weights=w, minlength=Z + 1)[1:]
                 for w in (base, down)]                       # in charger order; zone -1 left out
        room = maximum(minimum(up, down), 0.0); total = add.reduce(room)
    """
    charger_sums(p_set_kw, chg, ctrl, p_unc_kw, p_top_kw, p_bottom_kw, out)
    for c in range(zone_of_charger.size):
        z = zone_of_charger[c]
        if z >= 0:
            zones[0, z] += out[0, c]
            zones[1, z] += out[2, c]
        room[c] = maximum(minimum(out[1, c], out[2, c]), 0.0)
    return pairwise_sum(room)


@njit(cache=True, error_model="numpy")
def even_step(
    plugged: BoolArray,
    charger_idx: IntArray,
    departure_s: IntArray,
    p_max_kw: FloatArray,
    opt_out: BoolArray,
    e_need_kwh: FloatArray,
    soc: FloatArray,
    soc_min: FloatArray,
    e_capacity_kwh: FloatArray,
    p_rated_kw: FloatArray,
    efficiency: FloatArray,
    bidirectional: BoolArray,
    time_s: int,
    step_s: int,
    dt_h: float,
    default_efficiency: float,
    v2g: bool,
    p_set_kw: FloatArray,
    p_step_kw: FloatArray,
    p_min_kw: FloatArray,
    stepped: bool,
    floored: bool,
    zone_of_charger: IntArray,
    p_metered_kw: FloatArray,
    metered: bool,
    metered_default: float,
    fcr_held_kw: float,
    afrr_held_kw: float,
    history: FloatArray,
    day: int,
    slot: int,
    remember: bool,
    floats: FloatArray,
    ints: IntArray,
    flags: BoolArray,
    chargers: FloatArray,
    zones: FloatArray,
) -> tuple[int, float]:
    """One step of the services' even baseline: the four kernels the step called one after
    the other on the same arrays and the numpy calls of the held bands, as one call (in a
    full run each call costs a cold dispatch).

    :func:`fleet_bounds` (``unknown_steps`` 1) into ``floats, ints, flags``; then into row
    ``SET`` of ``chargers`` (5, n_chargers) the setpoints: ``p_set_kw`` with each
    controllable EV's even rate at its charger, as numpy::

        s = array(p_set_kw, dtype=float); s[charger_idx[ctrl]] = p_even_kw[ctrl]

    raised to the charger's levels (:func:`~controllers.aggregator.policy_kernels.charger_levels`);
    then :func:`zone_sums` of those setpoints into rows ``0..2`` (zeroed here) and ``ROOM``
    of ``chargers`` and into rows 0 and 1 of ``zones`` (3, Z) of zeros; with ``metered``,
    the per-charger ``p_metered_kw`` summed per zone into row 2, a NaN counted as
    ``metered_default`` (the rule by which ``cosim.fold`` sums one source), as numpy (in
    charger order, zone -1 left out)::

        p = where(isnan(p_metered_kw), metered_default, p_metered_kw)
        zones[2] = bincount(zone_of_charger + 1, weights=p, minlength=Z + 1)[1:]

    and the FCR and aFRR bands held (``fcr_held_kw``, ``afrr_held_kw``) shared pro rata
    to the room into rows ``FCR_BAND`` and ``AFRR_BAND``, as
    ``balancing_offers.BalancingOffers._held`` with ``fcr.room_share``::

        band = held * room / total if held > 0.0 and not total <= 0.0 else zeros(n)

    and with ``remember``, the zones' down (row 1 of ``zones``) stored in ``history``
    (days, day steps, Z) at ``[day, slot]``, as ``flex_offers.ZoneMemory.update`` does::

        history[day, slot] = zones[1]

    Returns ``(bad, total room)``: ``bad`` as :func:`fleet_bounds` (>= 0: nothing after the
    bounds was computed).
    """
    bad = fleet_bounds(
        plugged, charger_idx, departure_s, p_max_kw, opt_out, e_need_kwh, soc, soc_min,
        e_capacity_kwh, p_rated_kw, efficiency, bidirectional, time_s, step_s, dt_h, 1,
        default_efficiency, v2g, floats, ints, flags,
    )  # fmt: skip
    if bad >= 0:
        return bad, 0.0
    p = chargers[SET]
    p[:] = p_set_kw
    for i in range(plugged.size):  # in EV order: of two EVs at one charger the later wins
        if flags[CTRL, i]:  # a controllable EV is at a charger of the bank
            p[charger_idx[i]] = floats[EVEN, i]
    charger_levels(p, p_step_kw, p_min_kw, p_rated_kw, stepped, floored, p)
    sums = chargers[:ROOM]
    sums[:] = 0.0
    total = zone_sums(
        p, ints[CHARGER], flags[CTRL], floats[TOP], floats[TOP], floats[BOTTOM],
        zone_of_charger, sums, zones, chargers[ROOM],
    )  # fmt: skip
    if metered:
        for c in range(zone_of_charger.size):
            z = zone_of_charger[c]
            if z >= 0:
                v = p_metered_kw[c]
                zones[2, z] += metered_default if np.isnan(v) else v
    _room_share(fcr_held_kw, chargers[ROOM], total, chargers[FCR_BAND])
    _room_share(afrr_held_kw, chargers[ROOM], total, chargers[AFRR_BAND])
    if remember:
        _remember(zones[1], history, day, slot)
    return bad, total


@njit(cache=True)
def _remember(values: FloatArray, history: FloatArray, day: int, slot: int) -> None:
    """``history[day, slot] = values``, with numpy's checks of the index and the shape."""
    days, day_steps, width = history.shape
    if not (-days <= day < days and -day_steps <= slot < day_steps):
        raise IndexError("history index out of range")
    if values.size != width:
        raise ValueError("history width differs from the values")
    history[day, slot, :] = values


@njit(cache=True, error_model="numpy")
def _room_share(held_kw: float, room: FloatArray, total: float, out: FloatArray) -> None:
    """The band ``held_kw`` shared out as :func:`even_step` says, into ``out``."""
    if held_kw > 0.0 and not total <= 0.0:
        for c in range(room.size):
            out[c] = held_kw * room[c] / total
    else:
        out[:] = 0.0

"""Flexibility band of a fleet: what the plugged EVs could draw now, and what they must draw.

For every plugged EV with an energy need ``E`` [kWh] to its target (battery side), room
``R = (1 - SoC) C`` [kWh] left in its battery, power limit ``P`` [kW] and time to departure
``tau`` [h] at the start of a step of ``dt`` [h]:

- *as early as possible* (upper edge): ``min(P, R / dt)``, the power the plugged EV could
  absorb now (its battery accepts energy up to full, not only up to the target);
- *as late as possible* (lower edge): the power it must draw now so that charging at ``P``
  after this step still meets ``E`` by departure,
  ``clip((E - P (tau - dt)) / dt, 0, min(P, E / dt))``.

The upper edge does not depend on how the EVs were charged so far (an EV at its target
still offers its room), so the band measures what plugging in makes available: an EV
that is not plugged offers nothing, whatever its SoC.

Summed per segment, the two edges bound every feasible fleet schedule at that instant; the
band between them is the flexibility an aggregator actually has. An EV whose driver
opted out is inflexible: both edges take its as-early-as-possible power. Both edges are
battery-side powers (the fleet does not know the charger efficiency).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["SegmentState", "flexibility_band", "per_segment"]


@dataclass(frozen=True)
class SegmentState:
    """Per-segment outputs of one step; every array has shape (n_segments,)."""

    n_plugins: NDArray[np.float64]
    n_plugged: NDArray[np.float64]
    p_flex_max_kw: NDArray[np.float64]
    p_flex_min_kw: NDArray[np.float64]
    e_flex_need_kwh: NDArray[np.float64]


def flexibility_band(
    *,
    plugged: NDArray[np.bool_],
    e_need_kwh: NDArray[np.float64],
    e_room_kwh: NDArray[np.float64],
    p_max_kw: NDArray[np.float64],
    departure_s: NDArray[np.int64],
    opt_out: NDArray[np.bool_],
    time_s: int,
    step_s: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per-EV as-early-as-possible and as-late-as-possible power [kW] (module docstring).

    >>> hi, lo = flexibility_band(plugged=np.array([True, True]), e_need_kwh=np.array([10., 0.]),
    ...     e_room_kwh=np.array([20., 1.]), p_max_kw=np.array([10., 10.]),
    ...     departure_s=np.array([3600, 36000]), opt_out=np.array([False, False]),
    ...     time_s=0, step_s=900)
    >>> hi.tolist(), lo.tolist()
    ([10.0, 4.0], [10.0, 0.0])
    """
    dt_h = step_s / 3600.0
    need = np.where(plugged, np.maximum(e_need_kwh, 0.0), 0.0)
    room = np.where(plugged, np.maximum(e_room_kwh, need), 0.0)
    asap = np.minimum(p_max_kw, need / dt_h)
    hi = np.minimum(p_max_kw, room / dt_h)
    tau_h = np.where(departure_s >= 0, (departure_s - time_s) / 3600.0, np.inf)
    later = p_max_kw * np.maximum(tau_h - dt_h, 0.0)
    lo = np.minimum(np.maximum((need - later) / dt_h, 0.0), asap)  # = clip(..., 0, asap)
    if not opt_out.any():
        return hi, lo
    # an opted-out EV charges at once to its target and offers nothing more
    return np.where(opt_out, asap, hi), np.where(opt_out, asap, lo)


def per_segment(
    values: NDArray[np.float64] | NDArray[np.bool_], segment_idx: NDArray[np.int64], n_seg: int
) -> NDArray[np.float64]:
    """Sum ``values`` per segment (``segment_idx`` per EV) into shape (n_seg,)."""
    out: NDArray[np.float64] = np.bincount(segment_idx, weights=values, minlength=n_seg)  # type: ignore[assignment]
    return out  # float64: bincount with weights

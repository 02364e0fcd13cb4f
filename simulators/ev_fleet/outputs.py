"""Output arrays of a fleet step, rebuilt only when what they are computed from changes.

The arrays of a :class:`FleetState` go to other simulators by reference (mosaik's
in-process proxies hand the very same objects to every consumer). They are therefore
**read-only and never changed once handed out**: an array still valid at the next step
(nobody plugged in or out, no SoC change) is handed out again, a changed one is a new
array. A consumer may keep an array it received and may key a cache on the identity of a
read-only input array (``simulators.evse.ev_map`` does).

Most steps of a fleet have no departure or arrival, and many no battery power either;
such a step reuses every array of the one before instead of allocating and filling it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from simulators.ev_fleet.output_kernels import need_band, plug_outputs

__all__ = ["SPARSE_MIN", "FleetState", "StepOutputs", "readonly"]

#: fleets of at least this many EVs update per EV concerned (fewer, larger array
#: operations); smaller ones over all EVs (fewer numpy calls)
SPARSE_MIN = 256

_NO_NEED = np.empty(0)  # no need handed out yet
_NO_PLUG = (np.empty(0, bool), np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, bool))


@dataclass(frozen=True)
class FleetState:
    """Fleet outputs of one step; every array has shape (n_ev,), read-only (module docstring)."""

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
    opt_out: NDArray[np.bool_]
    capacity_fade: NDArray[np.float64]
    plugin_event: NDArray[np.bool_]


def readonly(arr: NDArray[Any]) -> NDArray[Any]:
    """``arr`` marked read-only (in place) and returned."""
    arr.setflags(write=False)  # cheaper than setting arr.flags.writeable
    return arr


class StepOutputs:
    """Caches of the per-EV outputs of one fleet (``n_ev`` rows).

    ``zeros`` and ``no_events`` are the shared outputs of a step without departures or
    arrivals (no energy unserved, no trip energy, no plug-in).
    """

    def __init__(self, n_ev: int) -> None:
        self.zeros = readonly(np.zeros(n_ev))
        self.no_events = readonly(np.zeros(n_ev, dtype=bool))
        self.reset()

    def reset(self) -> None:
        """Forget the cached arrays (after the fleet's state was set from outside a step)."""
        self._plug: tuple[NDArray[Any], ...] | None = None
        self._src: tuple[NDArray[Any], ...] = ()
        self._need_key: tuple[NDArray[Any], ...] | None = None
        self._need: NDArray[np.float64] | None = None

    def plug_arrays(
        self,
        changed: bool,
        plugged: NDArray[np.bool_],
        next_dep_s: NDArray[np.int64],
        rows: NDArray[np.int64],
        opt_out: NDArray[np.bool_],
    ) -> tuple[NDArray[Any], ...]:
        """``(plugged, departure_s, charger_idx, opt_out)`` as handed out.

        ``changed``: the step may have changed ``plugged``, ``next_dep_s`` or ``opt_out``
        in place (new source arrays, e.g. of a copy of the fleet, count as changed). The
        arrays are then rebuilt, but one equal to the last (bit for bit) is kept.
        """
        old, src = self._plug, self._src
        if (
            not changed
            and old is not None
            and plugged is src[0]
            and next_dep_s is src[1]
            and opt_out is src[2]
        ):
            return old
        self._src = (plugged, next_dep_s, opt_out)
        n = plugged.size
        new = (np.empty(n, bool), np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, bool))
        last = _NO_PLUG if old is None else old
        same_plug, same_dep, same_opt = plug_outputs(
            plugged, next_dep_s, rows, opt_out, last[0], last[1], last[3], *new
        )
        new = (
            last[0] if same_plug else readonly(new[0]),
            last[1] if same_dep else readonly(new[1]),
            last[2] if same_plug else readonly(new[2]),
            last[3] if same_opt else readonly(new[3]),
        )
        self._plug = new
        return new

    def need_band(
        self,
        plugged: NDArray[np.bool_],
        soc: NDArray[np.float64],
        soc_target: NDArray[np.float64],
        capacity: NDArray[np.float64],
        band: tuple[Any, ...],
    ) -> NDArray[np.float64]:
        """Battery-side energy to the target of the plugged EVs [kWh] (0 when unplugged);
        the per-segment sums of the state go into ``band``'s ``sums_out``
        (:func:`.output_kernels.need_band`; ``band`` holds its arguments after ``plugged``:
        ``segment_idx, plugin_event, p_max_kw, departure_s, opt_out, time_s, dt_h,
        sums_out``), in one compiled call.

        The need is recomputed only when one of the (read-only) inputs is a new array.
        """
        key = self._need_key
        fresh = (
            key is None
            or plugged is not key[0]
            or soc is not key[1]
            or soc_target is not key[2]
            or capacity is not key[3]
        )
        last = _NO_NEED if self._need is None else self._need
        need = np.empty(soc.size) if fresh else _NO_NEED  # not written unless fresh
        same = need_band(fresh, plugged, soc, soc_target, capacity, last, need, *band)
        if fresh:
            if not same:
                self._need = readonly(need)
            self._need_key = (plugged, soc, soc_target, capacity)
        return self._need  # type: ignore[return-value]  # set when fresh

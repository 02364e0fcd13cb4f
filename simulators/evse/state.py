"""What one step of a charger bank gives out (:class:`EVSEState`), and the voltage it reads
at each charger from the grid's arrays over buses (:func:`voltage_at_chargers`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cosim.errors import ModelError

__all__ = ["EVSEState", "voltage_at_chargers"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class EVSEState:
    """Outputs of one EVSE step, for the interval ``[t, t + step_s)``.

    ``p_kw``, ``q_kvar``, ``p_loss_kw``, ``p_curtailed_kw`` and ``v_pu`` are per charger,
    ``p_batt_kw`` per EV. ``tripped`` (undervoltage protection open for this step),
    ``n_trips`` (trips so far) and ``p_tripped_kw`` (what a tripped charger would have
    drawn, i.e. power not delivered because of the trip) are per charger.
    ``p_curtailed_kw`` is what the charger would have drawn without the contract limits
    minus what it drew (>0: less charging, <0: less V2G injection).
    """

    time_s: int
    p_kw: FloatArray
    q_kvar: FloatArray
    p_batt_kw: FloatArray
    ev_of_charger: NDArray[np.int64]
    p_loss_kw: FloatArray
    p_curtailed_kw: FloatArray
    v_pu: FloatArray
    tripped: NDArray[np.bool_] | None = None
    n_trips: NDArray[np.int64] | None = None
    p_tripped_kw: FloatArray | None = None


def voltage_at_chargers(
    charger_bus: NDArray[np.int64], grid_bus: ArrayLike, grid_v_pu: ArrayLike
) -> FloatArray:
    """Voltage [p.u.] at each charger's bus from arrays over the grid's buses.

    >>> voltage_at_chargers(np.array([7, 3]), [3, 5, 7], [1.01, 0.99, 0.97]).tolist()
    [0.97, 1.01]
    """
    bus = np.asarray(grid_bus, dtype=np.int64).reshape(-1)
    v = np.asarray(grid_v_pu, dtype=float).reshape(-1)
    if bus.shape != v.shape:
        raise ModelError(f"evse: v_pu has {v.size} values for {bus.size} bus ids")
    order = np.argsort(bus, kind="stable")
    pos = np.clip(np.searchsorted(bus, charger_bus, sorter=order), 0, max(bus.size - 1, 0))
    found = bus.size > 0 and bus[order[pos]] == charger_bus
    if not np.all(found):
        missing = np.unique(charger_bus[~np.asarray(found, dtype=bool)])[:10].tolist()
        raise ModelError(
            f"evse: no voltage for charger bus(es) {missing}; connect v_pu and bus_id of the "
            "grid Area that contains every charger bus"
        )
    return v[order[pos]]

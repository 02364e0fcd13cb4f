"""Calibration of the plug-in model: a home fleet charged uncontrolled, without mosaik.

:func:`sessions_per_day` runs :class:`FleetModel` with an ideal charger at every home
(``p = min(p_max, need / dt)``, battery side) and counts plug-in sessions per EV and day.
The defaults of :class:`FleetParams` (``alpha``, ``alpha_sigma``, ``rho``) were chosen with
it so that a home-charging commuter fleet reproduces the Electric Nation statistics
reported by Gonzalez Venegas et al. (2021): about 0.47 sessions per EV and day for 28 kWh
batteries falling to about 0.40 for 79 kWh, i.e. 2-3 plug-ins a week
(``tests/validation/test_fleet_plugin_calibration.py`` holds the check).

References
----------
.. [1] F. Gonzalez Venegas, M. Petit, Y. Perez, "Plug-in behavior of electric vehicles
   users: insights from a large-scale trial and impacts on grid integration studies",
   eTransportation 10 (2021) 100131.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from cosim.seeding import generator
from simulators.ev_fleet.model import FleetModel
from simulators.ev_fleet.params import FleetParams

__all__ = ["sessions_per_day"]


def sessions_per_day(
    params: FleetParams, *, n_ev: int = 2000, weeks: int = 8, seed: int = 0, step_s: int = 3600
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Sessions per EV and day of a home fleet charged uncontrolled.

    The first week is a warm-up (initial SoCs are arbitrary) and is not counted.

    Returns
    -------
    per_day : ndarray (n_ev,)
        Plug-in sessions per day of each EV [1/d] after the warm-up week.
    capacity_kwh : ndarray (n_ev,)
        Battery capacity of each EV [kWh].
    """
    if weeks < 2:
        raise ValueError(f"weeks={weeks} must be >= 2 (the first week is warm-up)")
    fleet = FleetModel(params, n_ev, generator(seed), step_s=step_s)
    dt_h = step_s / 3600.0
    steps_week = 7 * 86_400 // step_s
    p = np.zeros(n_ev)
    for k in range(weeks * steps_week):
        if k == steps_week:
            warm = fleet.sessions.copy()
        state = fleet.step(k * step_s, p)
        p = np.where(state.plugged, np.minimum(state.p_max_kw, state.e_need_kwh / dt_h), 0.0)
    per_day = (fleet.sessions - warm) / (7.0 * (weeks - 1))
    return per_day.astype(float), fleet.ev.capacity_kwh

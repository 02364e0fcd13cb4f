"""A charger bank's loss functions, compiled (``loss_kernels``), constants computed once.

Kept apart from :mod:`simulators.evse.efficiency` (the loss model, plain numpy): importing
numba is heavy, and the scenario configuration reads the efficiency curves without stepping.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from simulators.evse import loss_kernels as kernels

__all__ = ["ChargerLosses"]

FloatArray = NDArray[np.float64]


class ChargerLosses:
    """The loss functions of a charger bank, compiled, with per-charger constants computed once.

    Same results, bit for bit, as ``battery_power``, ``ac_power_for_battery`` and
    ``max_discharge_ac`` of :mod:`simulators.evse.efficiency` with the same ``p_rated_kw``,
    ``c_ch`` and ``c_dis``; the last two read each charger's EV from per-EV inputs.

    Parameters
    ----------
    p_rated_kw : ndarray (n,)
        Rated AC power [kW].
    c_ch, c_dis : ndarray (3, n)
        Charging and discharging loss coefficients.
    """

    def __init__(self, p_rated_kw: FloatArray, c_ch: FloatArray, c_dis: FloatArray) -> None:
        r = np.ascontiguousarray(p_rated_kw, dtype=float)
        self.p_rated_kw = r
        self.c_ch = np.ascontiguousarray(c_ch, dtype=float)
        self.c_dis = np.ascontiguousarray(c_dis, dtype=float)
        self._lin_ch = 1.0 - self.c_ch[1]
        self._lin2_ch = self._lin_ch * self._lin_ch
        self._a4_ch = 4.0 * (self.c_ch[2] / r)
        self._c0r_ch = self.c_ch[0] * r
        self._lin_dis = 1.0 + self.c_dis[1]
        self._lin2_dis = self._lin_dis * self._lin_dis
        self._a4_dis = 4.0 * (self.c_dis[2] / r)
        self._c0r_dis = self.c_dis[0] * r
        #: the constants of ``loss_kernels.ev_limits`` in its order, one array (8, n)
        charging = (self._c0r_ch, self._lin2_ch, self._a4_ch, self._lin_ch)
        self.limit_consts = np.stack(
            [*charging, self._c0r_dis, self._lin2_dis, self._a4_dis, self._lin_dis]
        )

    def battery_power(self, p_ac_kw: FloatArray) -> FloatArray:
        """``efficiency.battery_power`` [kW]."""
        out = np.empty(self.p_rated_kw.size)
        kernels.battery_power(
            np.ascontiguousarray(p_ac_kw, dtype=float), self.p_rated_kw, self.c_ch, self.c_dis, out
        )
        return out

    def ac_power_for_need(
        self, ev_of: NDArray[np.int64], e_need_kwh: FloatArray, dt_h: float
    ) -> FloatArray:
        """``efficiency.ac_power_for_battery`` [kW] of ``e_need_kwh[ev_of] / dt_h`` (0: no EV).

        ``e_need_kwh`` (n_ev,): battery-side need of each EV [kWh]; ``ev_of`` (n,): the EV
        at each charger (-1: none), every index below ``e_need_kwh.size``.
        """
        out = np.empty(ev_of.size)
        kernels.ac_power_for_need(
            ev_of, e_need_kwh, dt_h, self._c0r_ch, self._lin2_ch, self._a4_ch, self._lin_ch, out
        )
        return out

    def max_discharge_for_room(
        self,
        ev_of: NDArray[np.int64],
        soc: FloatArray,
        soc_min: FloatArray,
        e_capacity_kwh: FloatArray,
        *,
        dt_h: float,
        bidirectional: NDArray[np.bool_],
    ) -> FloatArray:
        """``efficiency.max_discharge_ac`` [kW] of each EV's energy above its floor over ``dt_h``.

        Per EV (n_ev,): ``soc``, ``soc_min`` [-] and ``e_capacity_kwh``; ``ev_of`` as in
        :meth:`ac_power_for_need`. 0 at a free or unidirectional charger.
        """
        out = np.empty(ev_of.size)
        kernels.max_discharge_for_room(
            ev_of,
            soc,
            soc_min,
            e_capacity_kwh,
            dt_h,
            bidirectional,
            self._c0r_dis,
            self._lin2_dis,
            self._a4_dis,
            self._lin_dis,
            out,
        )
        return out

    def ev_limits(
        self,
        ev_of: NDArray[np.int64],
        e_need_kwh: FloatArray,
        soc: FloatArray,
        soc_min: FloatArray,
        e_capacity_kwh: FloatArray,
        *,
        dt_h: float,
        bidirectional: NDArray[np.bool_],
    ) -> tuple[FloatArray, FloatArray]:
        """:meth:`ac_power_for_need` and :meth:`max_discharge_for_room` [kW], one call."""
        need, dis = np.empty(ev_of.size), np.empty(ev_of.size)
        kernels.ev_limits(
            ev_of, e_need_kwh, soc, soc_min, e_capacity_kwh, dt_h, bidirectional,
            self._c0r_ch, self._lin2_ch, self._a4_ch, self._lin_ch,
            self._c0r_dis, self._lin2_dis, self._a4_dis, self._lin_dis, need, dis,
        )  # fmt: skip
        return need, dis

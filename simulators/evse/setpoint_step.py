"""A plain charger step in one compiled call: the setpoints' target, pilot, EV and battery
power and the losses, for a bank without dead time, ramp, quantisation, contract limits, Q
or an open protection (``charger_kernels``, ``v2g_kernels``).

:class:`~simulators.evse.model.EVSEModel` takes this path whenever it can; the general one
is :mod:`simulators.evse.general_step`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cosim.fold import fold_one
from cosim.ports_types import Combine
from simulators.evse import charger_kernels as kernels
from simulators.evse import v2g_kernels

if TYPE_CHECKING:
    from simulators.evse.ev_map import EVMap
    from simulators.evse.model import EVSEModel

__all__ = ["quiet_power", "setpoint_power"]

FloatArray = NDArray[np.float64]


def setpoint_power(
    bank: EVSEModel,
    time_s: int,
    p_set: FloatArray | None,
    v: FloatArray,
    evs: EVMap,
    ev_in: tuple[ArrayLike, ArrayLike, ArrayLike | None, ArrayLike | None, ArrayLike | None],
    p_set_sent: FloatArray | None,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """``p, p_batt, p_loss, p_curtailed`` in one compiled call: the setpoints' target,
    pilot and EV power, its battery power per EV and the losses; what
    :func:`~simulators.evse.general_step.general_power` gives without dead time, ramp,
    quantisation, contract limits, Q or an open protection (the pilot is then also the
    power without contract limits). A V2G bank
    computes its EVs' limits (``EVSEModel._ev_limits``) in the same call, and combines setpoints
    sent as they are (``p_set_sent``, see ``EVSEModel.step``) there too."""
    n = bank.n
    p, batt, loss, curtailed = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    p_batt = np.empty(evs.n_ev)
    cap_ch, cap_dis = bank._droop_caps(v)
    outs: tuple[Any, ...] = (
        evs.identity,
        evs.ev,
        evs.chargers,
        p,
        batt,
        p_batt,
        loss,
        curtailed,
    )
    losses = bank._losses
    need, p_max, soc, soc_min, capacity = ev_in
    if soc is None or soc_min is None or capacity is None or not bank._any_bidir:
        if p_set_sent is not None:
            p_set = fold_one(Combine.SUM, p_set_sent, n, np.nan)
        ev = (*bank._ev_limits(time_s, evs, *ev_in), evs.has_ev)
        kernels.setpoint_outputs(
            np.ascontiguousarray(p_set), bank._p_rated, bank._p_low, cap_ch, cap_dis, *ev,
            losses.c_ch, losses.c_dis, *outs,
        )  # fmt: skip
        return p, p_batt, loss, curtailed
    kernel: Any
    if p_set_sent is None:
        kernel, p_in = v2g_kernels.v2g_setpoint_outputs, np.ascontiguousarray(p_set)
    else:  # the setpoints combined in the same call
        kernel, p_in = v2g_kernels.v2g_sent_setpoint_outputs, np.ascontiguousarray(p_set_sent)
    per_ev = evs.per_ev  # with no EV connected the limits are read nowhere
    kernel(
        p_in, bank._p_rated, bank._p_low, cap_ch, cap_dis, evs.ev_of, evs.has_ev,
        per_ev(p_max, "p_max_kw"), per_ev(need, "e_need_kwh"), per_ev(soc, "soc"),
        per_ev(soc_min, "soc_min"), per_ev(capacity, "e_capacity_kwh"), bank.dt_h,
        bank._bidir, losses.limit_consts, losses.c_ch, losses.c_dis, *outs,
    )  # fmt: skip
    return p, p_batt, loss, curtailed


def quiet_power(
    bank: EVSEModel, v: FloatArray, evs: EVMap, ev_in: tuple[Any, ...], p_set_sent: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray] | None:
    """What :func:`setpoint_power` gives a V2G bank without P(V) droop for setpoints
    as sent, with the undervoltage protection's test in the same compiled call: None
    (nothing computed) when a charger is below its trip level."""
    n = bank.n
    p, batt, loss, curtailed = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    p_batt = np.empty(evs.n_ev)
    need, p_max, soc, soc_min, capacity = ev_in
    per_ev = evs.per_ev  # with no EV connected the limits are read nowhere
    if not v2g_kernels.quiet_v2g_sent_setpoint_outputs(
        np.ascontiguousarray(v), bank._quiet_consts, np.ascontiguousarray(p_set_sent),
        evs.ev_of, evs.has_ev, per_ev(p_max, "p_max_kw"), per_ev(need, "e_need_kwh"),
        per_ev(soc, "soc"), per_ev(soc_min, "soc_min"), per_ev(capacity, "e_capacity_kwh"),
        bank.dt_h, bank._bidir, evs.identity, evs.ev, evs.chargers,
        p, batt, p_batt, loss, curtailed,
    ):  # fmt: skip
        return None
    return p, p_batt, loss, curtailed

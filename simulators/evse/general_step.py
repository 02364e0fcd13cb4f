"""The general charger step: dead time, ramp, contract limits, quantised pilot, reactive
power, the capability circle and an open undervoltage protection.

:class:`~simulators.evse.model.EVSEModel` takes this path for a step that its one compiled
call (:mod:`simulators.evse.setpoint_step`) does not cover.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from simulators.evse import charger_kernels as kernels
from simulators.evse.capability import limit_to_circle
from simulators.evse.dynamics import quantise_pilot, ramp_limit
from simulators.evse.params import QMode
from simulators.evse.qv import evaluate_curves

if TYPE_CHECKING:
    from simulators.evse.ev_map import EVMap
    from simulators.evse.model import EVSEModel

__all__ = ["general_power"]

FloatArray = NDArray[np.float64]


def general_power(
    bank: EVSEModel,
    p_set: FloatArray | None,
    v: FloatArray,
    limits: tuple[ArrayLike | None, ArrayLike | None],
    ev: tuple[FloatArray, FloatArray, FloatArray, NDArray[np.bool_]],
    evs: EVMap,
    tripped: NDArray[np.bool_],
    *,
    cut: bool,
    q_set_kvar: ArrayLike | None,
) -> tuple[FloatArray, ...]:
    """``p, q, p_tripped, p_batt, p_loss, p_curtailed`` of a step with dead time, ramp,
    quantisation, contract limits, Q or an open protection."""
    has_ev = evs.has_ev
    p_resp = bank._dead.step(_target(bank, has_ev, p_set))
    if bank._ramped:  # an infinite ramp limit clips nothing
        p_resp = ramp_limit(p_resp, bank._p_prev, bank._ramp, bank.step_s)
    direct = not cut and not bank._q_used
    p, p_free, p_batt_chg = _pilots(bank, p_resp, v, limits, ev, direct=direct)
    p_tripped = bank._zeros
    if cut:  # protection open: no current
        p_tripped = np.where(tripped, p, 0.0)
        p, p_free = np.where(tripped, 0.0, p), np.where(tripped, 0.0, p_free)
    q = bank._zeros  # no reactive power mode in use: Q is 0 everywhere
    if bank._q_used:
        q = np.where(has_ev & ~tripped, _reactive(bank, p, v, q_set_kvar), 0.0)
        if np.count_nonzero(q):  # without Q, |p| <= p_rated <= s_rated already
            p, q = limit_to_circle(p, q, bank._s_rated, q_priority=bank._q_prio)
            p_free, _ = limit_to_circle(p_free, q, bank._s_rated, q_priority=bank._q_prio)
    if p_batt_chg is None:
        p_batt_chg = bank._losses.battery_power(p)
    if evs.identity:  # EV i at charger i: one masked copy instead of a scatter
        p_batt = np.where(evs.has_ev, p_batt_chg, 0.0)
    else:
        p_batt = np.zeros(evs.n_ev)
        p_batt[evs.ev] = p_batt_chg[evs.chargers]
    return p, q, p_tripped, p_batt, p - p_batt_chg, p_free - p


def _target(bank: EVSEModel, has_ev: NDArray[np.bool_], p_set: FloatArray | None) -> FloatArray:
    """Setpoint (uncontrolled: rated power) within the rating and direction, 0 if free."""
    if p_set is None:  # uncontrolled: the rated power, already within the rating
        return np.where(has_ev, bank._p_rated, 0.0)
    # fmin: no setpoint (NaN) takes the rating; with p_low <= p_rated, clipping to the
    # rating first gives what np.clip gives, bit for bit (signed zeros included)
    s = np.maximum(np.fmin(p_set, bank._p_rated), bank._p_low)
    return np.where(has_ev, s, 0.0)


def _pilots(
    bank: EVSEModel,
    p_resp: FloatArray,
    v: FloatArray,
    limits: tuple[ArrayLike | None, ArrayLike | None],
    ev: tuple[FloatArray, FloatArray, FloatArray, NDArray[np.bool_]],
    *,
    direct: bool,
) -> tuple[FloatArray, FloatArray, FloatArray | None]:
    """The power within the contract ``limits`` (charging, discharging) and without
    them; ``direct`` (the first goes to the batteries as it is): also its battery
    power, from the same compiled call (None otherwise)."""
    cap_ch, cap_dis = bank._droop_caps(v)
    batt = np.empty(bank.n) if direct and not bank._quantised else None
    limited = limits[0] is not None or limits[1] is not None
    p = p_free = _pilot(bank, p_resp, cap_ch, cap_dis, ev, None if limited else batt)
    if limited:
        p = _pilot(
            bank,
            p_resp,
            np.minimum(cap_ch, _limit(bank, limits[0], "p_limit_kw")),
            np.minimum(cap_dis, _limit(bank, limits[1], "p_dis_limit_kw")),
            ev,
            batt,
        )
    return p, p_free, batt


def _pilot(
    bank: EVSEModel,
    p_kw: FloatArray,
    cap_ch: FloatArray,
    cap_dis: FloatArray,
    ev: tuple[FloatArray, FloatArray, FloatArray, NDArray[np.bool_]],
    batt: FloatArray | None,
) -> FloatArray:
    """Pilot command within caps, quantised, then what the EV draws or gives (0 if free).

    ``ev``: the EV's AC limit, need and discharge room [kW], and where an EV is;
    ``batt`` (not quantised only): filled with the battery power of the result.
    """
    out = np.empty(bank.n)
    ev_max, need_ac, dis_ac, has_ev = ev
    if batt is not None:
        losses = bank._losses
        kernels.pilot_battery(
            p_kw, cap_ch, cap_dis, ev_max, need_ac, dis_ac, has_ev,
            losses.p_rated_kw, losses.c_ch, losses.c_dis, out, batt,
        )  # fmt: skip
        return out
    if not bank._quantised:
        kernels.pilot(p_kw, cap_ch, cap_dis, ev_max, need_ac, dis_ac, has_ev, out)
        return out
    cmd = np.minimum(np.maximum(p_kw, -cap_dis), cap_ch)  # = np.clip, cheaper
    cmd = quantise_pilot(
        cmd,
        np.minimum(np.where(cmd >= 0, cap_ch, cap_dis), bank._p_rated),
        kw_per_a=bank._kw_per_a,
        step_a=bank._step_a,
        i_min_a=bank._i_min,
        raise_to_min=bank._raise_min,
    )
    kernels.draw(cmd, ev_max, need_ac, dis_ac, has_ev, out)
    return out


def _reactive(
    bank: EVSEModel, p: FloatArray, v: FloatArray, q_set_kvar: ArrayLike | None
) -> FloatArray:
    """Requested reactive power [kvar] by mode (before the capability circle)."""
    mode, used = bank._mode, bank._q_any
    q = np.zeros(bank.n)
    if used[QMode.COS_PHI]:
        q = np.where(mode[QMode.COS_PHI], np.abs(p) * bank._tan_phi, q)
    if used[QMode.QV]:
        prm = bank.params
        q_pu = evaluate_curves(prm.qv_curves, prm.qv_idx, v)
        q = np.where(mode[QMode.QV], q_pu * bank._s_rated, q)
    if used[QMode.Q_SET] and q_set_kvar is not None:
        q_ext = np.nan_to_num(bank._optional(q_set_kvar, "q_set_kvar"), nan=0.0)
        q = np.where(mode[QMode.Q_SET], q_ext, q)
    return q


def _limit(bank: EVSEModel, value: ArrayLike | None, name: str) -> FloatArray:
    """A non-negative per-charger limit [kW]; NaN or absent: no limit (inf)."""
    arr = bank._optional(value, name)
    return np.where(np.isnan(arr), np.inf, np.maximum(arr, 0.0))

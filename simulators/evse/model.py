"""Vectorised charge points: AC power, reactive power and battery power per charger.

One step decides, for every charger, the mean power over ``[t, t + step_s)``:

1. **target**: the controller's setpoint ``p_set_kw`` (NaN or absent: uncontrolled, i.e. the
   rated power), clipped to ``±p_rated_kw`` (unidirectional chargers: ``[0, p_rated]``);
   0 while no EV is connected;
2. **response**: the target delayed by ``delay_s`` and ramp-limited (``dynamics``);
3. **pilot**: limited by the contract (``p_limit_kw``, ``p_dis_limit_kw``) and the P(V)
   droop, then quantised to IEC 61851 current steps with a minimum current;
4. **EV**: the EV draws at most its on-board charger limit ``p_max_kw`` and only what meets
   its battery-side need ``e_need_kwh``; V2G discharge stops at ``soc_min``;
5. **reactive power** by ``q_mode`` (cos φ, Q(V), external setpoint), then the capability
   circle |S| <= S_rated with P or Q priority;
6. **battery side** through the part-load efficiency curves (``efficiency``).

Which side each limit applies to: ``p_rated_kw``, ``s_rated_kva``, setpoints, contract
limits and the EV's ``p_max_kw`` are **AC side**; ``e_need_kwh`` and the SoC floor are
**battery side**. ``p_kw - p_batt = p_loss_kw >= 0`` for every charger, so the energy drawn
equals the battery energy plus the conversion losses in both directions.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cosim.errors import ModelError
from cosim.fold import fold_one
from cosim.ports_types import Combine
from cosim.records import frozen_record
from simulators.evse import charger_kernels as kernels
from simulators.evse import v2g_kernels
from simulators.evse.capability import limit_to_circle
from simulators.evse.dynamics import BelowMin, DeadTime, quantise_pilot, ramp_limit
from simulators.evse.ev_map import EVMap
from simulators.evse.losses import ChargerLosses
from simulators.evse.params import EVSEParams, PQPriority, QMode
from simulators.evse.protection import UndervoltageProtection
from simulators.evse.qv import evaluate_curves
from simulators.evse.state import EVSEState

__all__ = ["EVSEModel"]

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]


class EVSEModel:
    """A bank of ``n`` charge points (struct of arrays) with state for delay and ramps.

    Parameters
    ----------
    params : EVSEParams
        Per-charger ratings, efficiency curves, dynamics and reactive power modes.
    step_s : int
        Step length [s]; each decision holds for ``[t, t + step_s)``.

    Examples
    --------
    >>> bank = EVSEModel(EVSEParams(bus_id=[3, 4]), step_s=900)
    >>> out = bank.step(0, plugged=[1, 0], e_need_kwh=[20.0, 0.0], p_max_kw=[7.4, 11.0],
    ...                 charger_idx=[0, -1])
    >>> out.p_kw.tolist(), out.p_batt_kw.round(3).tolist(), out.p_loss_kw.round(3).tolist()
    ([7.4, 0.0], [6.808, 0.0], [0.592, 0.0])
    """

    def __init__(self, params: EVSEParams, *, step_s: int = 900) -> None:
        if not step_s > 0:
            raise ValueError(f"step_s={step_s} s must be > 0")
        self.params = params
        self.step_s = int(step_s)
        self.dt_h = self.step_s / 3600.0
        self.n = params.n
        prm = params
        self._p_rated = np.ascontiguousarray(prm.p_rated_kw, dtype=float)
        self._s_rated = np.asarray(prm.s_rated_kva, dtype=float)
        self._bidir = np.ascontiguousarray(prm.bidirectional, dtype=bool)
        self._kw_per_a = prm.v_phase_v * np.asarray(prm.phases, dtype=float) / 1000.0
        modes = np.array([str(m) for m in prm.q_mode])  # type: ignore[attr-defined]
        self._mode = {m: modes == m.value for m in QMode}
        self._pv = np.asarray(prm.p_of_v, dtype=bool) | self._mode[QMode.PV]
        cos = np.asarray(prm.cos_phi, dtype=float)
        self._tan_phi = np.sign(cos) * np.tan(np.arccos(np.abs(cos)))
        prio = [str(p) for p in prm.pq_priority]  # type: ignore[attr-defined]
        self._q_prio = np.array(prio) == PQPriority.Q.value
        below = [str(b) for b in prm.below_min]  # type: ignore[attr-defined]
        self._raise_min = np.array(below) == BelowMin.MIN.value
        self._ramp = np.asarray(prm.ramp_kw_per_s, dtype=float)
        self._step_a = np.asarray(prm.current_step_a, dtype=float)
        self._i_min = np.asarray(prm.i_min_a, dtype=float)
        self._quantised = bool((self._step_a > 0).any() or (self._i_min > 0).any())
        self._dead = DeadTime(np.asarray(prm.delay_s, dtype=float), self.step_s)
        self._ramped = bool(np.isfinite(self._ramp).any())
        self._p_prev = np.zeros(self.n)
        self._warned_floor = False
        # constants of the per-step arithmetic, computed once
        self._losses = ChargerLosses(self._p_rated, prm.c_ch, prm.c_dis)
        self._p_low = np.where(self._bidir, -self._p_rated, 0.0)
        self._any_bidir = bool(self._bidir.any())
        self._q_any = {m: bool(mask.any()) for m, mask in self._mode.items()}
        self._q_used = any(self._q_any[m] for m in (QMode.COS_PHI, QMode.QV, QMode.Q_SET))
        # the target goes to the pilot as it is (no dead time, no ramp), unquantised, and the
        # pilot's power to the batteries (no Q): one compiled call (step)
        self._plain = not (self._dead.active or self._ramped or self._quantised or self._q_used)
        self._pv_any = bool(self._pv.any())
        self._map = EVMap(self.n)
        # an output that is 0 at every charger (no trip, no Q): one read-only array, handed
        # out again at every such step (outputs are never changed once handed out)
        self._zeros = np.zeros(self.n)
        self._zeros.setflags(write=False)
        self._uv = UndervoltageProtection(
            trip_pu=np.asarray(prm.uv_trip_pu, dtype=float),
            trip_delay_s=np.asarray(prm.uv_trip_delay_s, dtype=float),
            reconnect_pu=np.asarray(prm.uv_reconnect_pu, dtype=float),
            reconnect_delay_s=np.asarray(prm.uv_reconnect_delay_s, dtype=float),
            enabled=np.asarray(prm.uv_protection, dtype=bool),
            step_s=self.step_s,
        )
        # the constants of _quiet_power's compiled call in one read-only array (17, n)
        losses = self._losses
        rows = (self._uv.trip_at_pu, self._p_rated, self._p_low, losses.c_ch, losses.c_dis)
        self._quiet_consts = np.ascontiguousarray(np.vstack((*rows, losses.limit_consts)))
        self._quiet_consts.setflags(write=False)

    def step(
        self,
        time_s: int,
        *,
        plugged: ArrayLike,
        e_need_kwh: ArrayLike,
        p_max_kw: ArrayLike,
        charger_idx: ArrayLike,
        soc: ArrayLike | None = None,
        soc_min: ArrayLike | None = None,
        e_capacity_kwh: ArrayLike | None = None,
        p_set_kw: ArrayLike | None = None,
        p_limit_kw: ArrayLike | None = None,
        p_dis_limit_kw: ArrayLike | None = None,
        q_set_kvar: ArrayLike | None = None,
        v_pu: ArrayLike | None = None,
        p_set_sent: FloatArray | None = None,
    ) -> EVSEState:
        """Decide the power of every charger for ``[time_s, time_s + step_s)``.

        Parameters
        ----------
        time_s : int
            Scenario time [s].
        plugged, e_need_kwh, p_max_kw, charger_idx : array_like (n_ev,)
            EV state (per EV): plugged flag, battery-side energy need [kWh], on-board
            charger AC limit [kW], charger used (-1: none).
        soc, soc_min, e_capacity_kwh : array_like (n_ev,), optional
            SoC [-], V2G floor [-] and usable capacity [kWh]; without all three, no EV
            discharges.
        p_set_kw : array_like (n,), optional
            AC setpoint per charger [kW] (<0: discharge); NaN or absent: uncontrolled.
        p_limit_kw, p_dis_limit_kw : array_like (n,), optional
            Contract limits of charging and discharging power [kW] (>= 0); NaN: none.
        q_set_kvar : array_like (n,), optional
            External reactive setpoint [kvar] for ``q_mode="q_set"`` (NaN: 0).
        v_pu : array_like (n,), optional
            Measured voltage at each charger [p.u.] (see ``voltage_at_chargers``); 1.0
            when absent.
        p_set_sent : NDArray (n,), optional
            In place of ``p_set_kw``: one controller's setpoints as sent (1-D float64),
            taken as ``cosim.fold`` combines one source's (its sum rule, default NaN); a
            V2G bank's plain step does that in its compiled call.

        Returns
        -------
        EVSEState
        """
        evs = self._map.update(time_s, plugged, charger_idx)
        v = np.ones(self.n) if v_pu is None else self._optional(v_pu, "v_pu")
        p_set = None if p_set_kw is None else self._optional(p_set_kw, "p_set_kw")
        ev_in = (e_need_kwh, p_max_kw, soc, soc_min, e_capacity_kwh)
        limits = (p_limit_kw, p_dis_limit_kw)
        plain = self._plain and limits[0] is limits[1] is None
        quiet = None  # the outputs of a step with the protection's test in the compiled call
        if plain and p_set_sent is not None and not self._uv.active and self._quiet_ok(ev_in):
            quiet = self._quiet_power(v, evs, ev_in, p_set_sent)
        if quiet is not None:  # no charger below its trip level: the protection stays as it is
            tripped, (p, p_batt, p_loss, p_curtailed) = self._uv.tripped_now, quiet
            q = p_tripped = self._zeros  # plain: no Q; no protection open
        else:
            tripped = self._uv.update(v)
            # a protection open (an inactive one has tripped nothing: no need to count)
            cut = self._uv.active and bool(np.count_nonzero(tripped))
            p, q, p_tripped, p_batt, p_loss, p_curtailed = self._outputs(
                time_s, p_set, v, evs, ev_in, p_set_sent,
                plain=plain and not cut, limits=limits, tripped=tripped, cut=cut,
                q_set_kvar=q_set_kvar,
            )  # fmt: skip
        self._p_prev = p
        return frozen_record(
            EVSEState,
            time_s=int(time_s),
            p_kw=p,
            q_kvar=q,
            p_batt_kw=p_batt,
            ev_of_charger=evs.ev_of,
            p_loss_kw=p_loss,
            p_curtailed_kw=p_curtailed,
            v_pu=v,
            tripped=tripped,
            n_trips=self._uv.n_trips_now,
            p_tripped_kw=p_tripped,
        )

    def _outputs(
        self,
        time_s: int,
        p_set: FloatArray | None,
        v: FloatArray,
        evs: EVMap,
        ev_in: tuple[ArrayLike, ArrayLike, ArrayLike | None, ArrayLike | None, ArrayLike | None],
        p_set_sent: FloatArray | None,
        *,
        plain: bool,
        limits: tuple[ArrayLike | None, ArrayLike | None],
        tripped: NDArray[np.bool_],
        cut: bool,
        q_set_kvar: ArrayLike | None,
    ) -> tuple[FloatArray, ...]:
        """``p, q, p_tripped, p_batt, p_loss, p_curtailed`` once the protection has read
        the voltage (``tripped``; ``cut``: a protection open); ``plain``: no dead time,
        ramp, quantisation, contract limit, Q or open protection."""
        if plain and (p_set is not None or p_set_sent is not None):
            p, p_batt, p_loss, p_curtailed = self._setpoint_power(
                time_s, p_set, v, evs, ev_in, p_set_sent
            )
            return p, self._zeros, self._zeros, p_batt, p_loss, p_curtailed  # no Q, none open
        if p_set_sent is not None:  # a step the compiled call does not take
            p_set = fold_one(Combine.SUM, p_set_sent, self.n, np.nan)
        ev = (*self._ev_limits(time_s, evs, *ev_in), evs.has_ev)
        return self._general(p_set, v, limits, ev, evs, tripped, cut=cut, q_set_kvar=q_set_kvar)

    def _quiet_ok(self, ev_in: tuple[ArrayLike | None, ...]) -> bool:
        """Whether :meth:`_quiet_power` can take the step: a bank without P(V) droop whose
        EVs may discharge (SoC, floor and capacity connected, chargers bidirectional)."""
        _, _, soc, soc_min, capacity = ev_in
        return (
            self._any_bidir
            and not self._pv_any
            and soc is not None
            and soc_min is not None
            and capacity is not None
        )

    def _general(
        self,
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
        p_resp = self._dead.step(self._target(has_ev, p_set))
        if self._ramped:  # an infinite ramp limit clips nothing
            p_resp = ramp_limit(p_resp, self._p_prev, self._ramp, self.step_s)
        direct = not cut and not self._q_used
        p, p_free, p_batt_chg = self._pilots(p_resp, v, limits, ev, direct=direct)
        p_tripped = self._zeros
        if cut:  # protection open: no current
            p_tripped = np.where(tripped, p, 0.0)
            p, p_free = np.where(tripped, 0.0, p), np.where(tripped, 0.0, p_free)
        q = self._zeros  # no reactive power mode in use: Q is 0 everywhere
        if self._q_used:
            q = np.where(has_ev & ~tripped, self._reactive(p, v, q_set_kvar), 0.0)
            if np.count_nonzero(q):  # without Q, |p| <= p_rated <= s_rated already
                p, q = limit_to_circle(p, q, self._s_rated, q_priority=self._q_prio)
                p_free, _ = limit_to_circle(p_free, q, self._s_rated, q_priority=self._q_prio)
        if p_batt_chg is None:
            p_batt_chg = self._losses.battery_power(p)
        if evs.identity:  # EV i at charger i: one masked copy instead of a scatter
            p_batt = np.where(evs.has_ev, p_batt_chg, 0.0)
        else:
            p_batt = np.zeros(evs.n_ev)
            p_batt[evs.ev] = p_batt_chg[evs.chargers]
        return p, q, p_tripped, p_batt, p - p_batt_chg, p_free - p

    def _target(self, has_ev: NDArray[np.bool_], p_set: FloatArray | None) -> FloatArray:
        """Setpoint (uncontrolled: rated power) within the rating and direction, 0 if free."""
        if p_set is None:  # uncontrolled: the rated power, already within the rating
            return np.where(has_ev, self._p_rated, 0.0)
        # fmin: no setpoint (NaN) takes the rating; with p_low <= p_rated, clipping to the
        # rating first gives what np.clip gives, bit for bit (signed zeros included)
        s = np.maximum(np.fmin(p_set, self._p_rated), self._p_low)
        return np.where(has_ev, s, 0.0)

    def _ev_limits(
        self,
        time_s: int,
        evs: EVMap,
        e_need_kwh: ArrayLike,
        p_max_kw: ArrayLike,
        soc: ArrayLike | None,
        soc_min: ArrayLike | None,
        e_capacity_kwh: ArrayLike | None,
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Per charger: EV AC limit, AC power meeting the need, largest AC discharge [kW]."""
        if not evs.any_ev:  # no EV connected: every limit is 0
            return self._zeros, self._zeros, self._zeros
        ev_max = evs.gather(p_max_kw, 0.0, cache="p_max_kw")
        if (
            soc is not None
            and soc_min is not None
            and e_capacity_kwh is not None
            and self._any_bidir
        ):
            # V2G: both limits in one compiled call
            need_ac, dis_ac = self._losses.ev_limits(
                evs.ev_of,
                evs.per_ev(e_need_kwh, "e_need_kwh"),
                evs.per_ev(soc, "soc"),
                evs.per_ev(soc_min, "soc_min"),
                evs.per_ev(e_capacity_kwh, "e_capacity_kwh"),
                dt_h=self.dt_h,
                bidirectional=self._bidir,
            )
            return ev_max, need_ac, dis_ac
        if self._any_bidir and not self._warned_floor:  # the SoC floor is not connected
            log.warning(
                "evse t=%d s: soc, soc_min or e_capacity_kwh not connected; bidirectional "
                "chargers will not discharge (connect them from the fleet)",
                time_s,
            )
            self._warned_floor = True
        need_ac = evs.derived(
            "need_ac",
            e_need_kwh,
            lambda need: self._losses.ac_power_for_need(
                evs.ev_of, evs.per_ev(need, "e_need_kwh"), self.dt_h
            ),
        )
        return ev_max, need_ac, self._zeros  # no charger discharges

    def _droop_caps(self, v: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Charging and discharging caps [kW] from the rating and the P(V) droop."""
        if not self._pv_any:
            return self._p_rated, self._p_rated
        prm = self.params
        f_ch = evaluate_curves([c.charge for c in prm.pv_curves], prm.pv_idx, v)
        f_dis = evaluate_curves([c.discharge for c in prm.pv_curves], prm.pv_idx, v)
        cap_ch = np.where(self._pv, np.clip(f_ch, 0.0, 1.0), 1.0) * self._p_rated
        cap_dis = np.where(self._pv, np.clip(f_dis, 0.0, 1.0), 1.0) * self._p_rated
        return cap_ch, cap_dis

    def _setpoint_power(
        self,
        time_s: int,
        p_set: FloatArray | None,
        v: FloatArray,
        evs: EVMap,
        ev_in: tuple[ArrayLike, ArrayLike, ArrayLike | None, ArrayLike | None, ArrayLike | None],
        p_set_sent: FloatArray | None,
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        """``p, p_batt, p_loss, p_curtailed`` in one compiled call: the setpoints' target,
        pilot and EV power, its battery power per EV and the losses; what ``_general``
        gives without dead time, ramp, quantisation, contract limits, Q or an open
        protection (the pilot is then also the power without contract limits). A V2G bank
        computes its EVs' limits (``_ev_limits``) in the same call, and combines setpoints
        sent as they are (``p_set_sent``, see :meth:`step`) there too."""
        n = self.n
        p, batt, loss, curtailed = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
        p_batt = np.empty(evs.n_ev)
        cap_ch, cap_dis = self._droop_caps(v)
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
        losses = self._losses
        need, p_max, soc, soc_min, capacity = ev_in
        if soc is None or soc_min is None or capacity is None or not self._any_bidir:
            if p_set_sent is not None:
                p_set = fold_one(Combine.SUM, p_set_sent, n, np.nan)
            ev = (*self._ev_limits(time_s, evs, *ev_in), evs.has_ev)
            kernels.setpoint_outputs(
                np.ascontiguousarray(p_set), self._p_rated, self._p_low, cap_ch, cap_dis, *ev,
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
            p_in, self._p_rated, self._p_low, cap_ch, cap_dis, evs.ev_of, evs.has_ev,
            per_ev(p_max, "p_max_kw"), per_ev(need, "e_need_kwh"), per_ev(soc, "soc"),
            per_ev(soc_min, "soc_min"), per_ev(capacity, "e_capacity_kwh"), self.dt_h,
            self._bidir, losses.limit_consts, losses.c_ch, losses.c_dis, *outs,
        )  # fmt: skip
        return p, p_batt, loss, curtailed

    def _quiet_power(
        self, v: FloatArray, evs: EVMap, ev_in: tuple[Any, ...], p_set_sent: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray] | None:
        """What :meth:`_setpoint_power` gives a V2G bank without P(V) droop for setpoints
        as sent, with the undervoltage protection's test in the same compiled call: None
        (nothing computed) when a charger is below its trip level."""
        n = self.n
        p, batt, loss, curtailed = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
        p_batt = np.empty(evs.n_ev)
        need, p_max, soc, soc_min, capacity = ev_in
        per_ev = evs.per_ev  # with no EV connected the limits are read nowhere
        if not v2g_kernels.quiet_v2g_sent_setpoint_outputs(
            np.ascontiguousarray(v), self._quiet_consts, np.ascontiguousarray(p_set_sent),
            evs.ev_of, evs.has_ev, per_ev(p_max, "p_max_kw"), per_ev(need, "e_need_kwh"),
            per_ev(soc, "soc"), per_ev(soc_min, "soc_min"), per_ev(capacity, "e_capacity_kwh"),
            self.dt_h, self._bidir, evs.identity, evs.ev, evs.chargers,
            p, batt, p_batt, loss, curtailed,
        ):  # fmt: skip
            return None
        return p, p_batt, loss, curtailed

    def _pilots(
        self,
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
        cap_ch, cap_dis = self._droop_caps(v)
        batt = np.empty(self.n) if direct and not self._quantised else None
        limited = limits[0] is not None or limits[1] is not None
        p = p_free = self._pilot(p_resp, cap_ch, cap_dis, ev, None if limited else batt)
        if limited:
            p = self._pilot(
                p_resp,
                np.minimum(cap_ch, self._limit(limits[0], "p_limit_kw")),
                np.minimum(cap_dis, self._limit(limits[1], "p_dis_limit_kw")),
                ev,
                batt,
            )
        return p, p_free, batt

    def _pilot(
        self,
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
        out = np.empty(self.n)
        ev_max, need_ac, dis_ac, has_ev = ev
        if batt is not None:
            losses = self._losses
            kernels.pilot_battery(
                p_kw, cap_ch, cap_dis, ev_max, need_ac, dis_ac, has_ev,
                losses.p_rated_kw, losses.c_ch, losses.c_dis, out, batt,
            )  # fmt: skip
            return out
        if not self._quantised:
            kernels.pilot(p_kw, cap_ch, cap_dis, ev_max, need_ac, dis_ac, has_ev, out)
            return out
        cmd = np.minimum(np.maximum(p_kw, -cap_dis), cap_ch)  # = np.clip, cheaper
        cmd = quantise_pilot(
            cmd,
            np.minimum(np.where(cmd >= 0, cap_ch, cap_dis), self._p_rated),
            kw_per_a=self._kw_per_a,
            step_a=self._step_a,
            i_min_a=self._i_min,
            raise_to_min=self._raise_min,
        )
        kernels.draw(cmd, ev_max, need_ac, dis_ac, has_ev, out)
        return out

    def _reactive(self, p: FloatArray, v: FloatArray, q_set_kvar: ArrayLike | None) -> FloatArray:
        """Requested reactive power [kvar] by mode (before the capability circle)."""
        mode, used = self._mode, self._q_any
        q = np.zeros(self.n)
        if used[QMode.COS_PHI]:
            q = np.where(mode[QMode.COS_PHI], np.abs(p) * self._tan_phi, q)
        if used[QMode.QV]:
            prm = self.params
            q_pu = evaluate_curves(prm.qv_curves, prm.qv_idx, v)
            q = np.where(mode[QMode.QV], q_pu * self._s_rated, q)
        if used[QMode.Q_SET] and q_set_kvar is not None:
            q_ext = np.nan_to_num(self._optional(q_set_kvar, "q_set_kvar"), nan=0.0)
            q = np.where(mode[QMode.Q_SET], q_ext, q)
        return q

    def _limit(self, value: ArrayLike | None, name: str) -> FloatArray:
        """A non-negative per-charger limit [kW]; NaN or absent: no limit (inf)."""
        arr = self._optional(value, name)
        return np.where(np.isnan(arr), np.inf, np.maximum(arr, 0.0))

    def _optional(self, value: ArrayLike | None, name: str) -> FloatArray:
        """A per-charger array or all-NaN when the input is absent."""
        if value is None:
            return np.full(self.n, np.nan)
        arr = np.asarray(value, dtype=float)
        if arr.ndim == 0:
            return np.full(self.n, float(arr))
        if arr.shape != (self.n,):
            raise ModelError(
                f"evse: {name} has {arr.size} values for {self.n} chargers; send one per "
                "charger (NaN for no value)"
            )
        return arr

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

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cosim.errors import ModelError
from cosim.fold import fold_one
from cosim.ports_types import Combine
from cosim.records import frozen_record
from simulators.evse.dynamics import BelowMin, DeadTime
from simulators.evse.ev_map import EVMap
from simulators.evse.general_step import general_power
from simulators.evse.losses import ChargerLosses
from simulators.evse.params import EVSEParams, PQPriority, QMode
from simulators.evse.protection import UndervoltageProtection
from simulators.evse.qv import evaluate_curves
from simulators.evse.setpoint_step import quiet_power, setpoint_power
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
        # the constants of setpoint_step.quiet_power's compiled call in one read-only array (17, n)
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
            quiet = quiet_power(self, v, evs, ev_in, p_set_sent)
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
            p, p_batt, p_loss, p_curtailed = setpoint_power(
                self, time_s, p_set, v, evs, ev_in, p_set_sent
            )
            return p, self._zeros, self._zeros, p_batt, p_loss, p_curtailed  # no Q, none open
        if p_set_sent is not None:  # a step the compiled call does not take
            p_set = fold_one(Combine.SUM, p_set_sent, self.n, np.nan)
        ev = (*self._ev_limits(time_s, evs, *ev_in), evs.has_ev)
        return general_power(
            self, p_set, v, limits, ev, evs, tripped, cut=cut, q_set_kvar=q_set_kvar
        )

    def _quiet_ok(self, ev_in: tuple[ArrayLike | None, ...]) -> bool:
        """Whether :func:`~simulators.evse.setpoint_step.quiet_power` can take the step: a
        bank without P(V) droop whose EVs may discharge (SoC, floor and capacity connected,
        chargers bidirectional)."""
        _, _, soc, soc_min, capacity = ev_in
        return (
            self._any_bidir
            and not self._pv_any
            and soc is not None
            and soc_min is not None
            and capacity is not None
        )

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

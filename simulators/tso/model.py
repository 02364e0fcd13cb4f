"""TSO model: FCR and aFRR requests at sub-step resolution, delivery checks and payments.

One :class:`~simulators.tso.signals.SignalSource` per simulator draws the system-wide
signals (frequency, aFRR setpoint) once per grid step as ``n_sub = step_s / f_step_s``
sub-steps; one :class:`TSOModel` per provider turns them into requests for its reserved
capacity and settles what it delivered.

Step means and energy: every sub-step value holds over its ``f_step_s`` seconds, so the
step mean of a requested power times ``step_s`` *is* the requested energy (exact, no
sampling error). A power flow at a 15-min step sees only that step mean, not the swings
within the step: use the ``*_sub`` arrays where the within-step shape matters.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from cosim.errors import ModelError
from cosim.records import frozen_record
from simulators.tso.afrr import AFRRParams
from simulators.tso.fcr import BLOCK_S, FCRParams, fcr_activation
from simulators.tso.series import StepSeries
from simulators.tso.settlement import (
    Delivery,
    SettlementParams,
    capacity_revenue_eur,
    verify_series,
    verify_total,
)
from simulators.tso.signals import SignalSource, StepSignals, row_sums

__all__ = ["SignalSource", "StepSignals", "TSOModel", "TSOParams", "TSOState"]


@dataclass(frozen=True)
class TSOParams:
    """Products one provider holds with the TSO.

    Parameters
    ----------
    fcr, afrr, settlement : FCRParams, AFRRParams, SettlementParams
        Droop and prices, aFRR prices, penalty rules.
    fcr_capacity_kw, afrr_capacity_kw : float
        Capacity used while no ``*_capacity_kw`` input has arrived [kW], >= 0.
    delivered_lag_steps : int
        1 when the delivered power arrives one step late (time-shifted connection), else 0.
    """

    fcr: FCRParams = field(default_factory=FCRParams)
    afrr: AFRRParams = field(default_factory=AFRRParams)
    settlement: SettlementParams = field(default_factory=SettlementParams)
    fcr_capacity_kw: float = 0.0
    afrr_capacity_kw: float = 0.0
    delivered_lag_steps: int = 1

    def __post_init__(self) -> None:
        problems = [
            f"{name}={getattr(self, name)!r} must be a finite number >= 0 kW"
            for name in ("fcr_capacity_kw", "afrr_capacity_kw")
            if not (np.isfinite(getattr(self, name)) and getattr(self, name) >= 0)
        ]
        if self.delivered_lag_steps not in (0, 1):
            problems.append(f"delivered_lag_steps={self.delivered_lag_steps!r} must be 0 or 1")
        if problems:
            raise ValueError("invalid TSOParams: " + "; ".join(problems))


@dataclass(frozen=True)
class TSOState:
    """Outputs of one provider after a step (see the cosim.ports catalogue for units and signs)."""

    f_hz: float
    f_hz_sub: NDArray[np.float64]
    fcr_activation: float
    fcr_activation_sub: NDArray[np.float64]
    fcr_p_req_kw: float
    e_fcr_req_kwh: float
    fcr_capacity_kw: float
    fcr_price_eur_mw_h: float
    afrr_activation: float
    afrr_activation_sub: NDArray[np.float64]
    afrr_p_req_kw: float
    e_afrr_req_kwh: float
    afrr_capacity_kw: float
    e_fcr_delivered_kwh: float
    fcr_shortfall_kwh: float
    e_afrr_delivered_kwh: float
    afrr_shortfall_kwh: float
    fcr_revenue_eur: float
    afrr_revenue_eur: float
    fcr_penalty_eur: float
    afrr_penalty_eur: float


#: where a step's FCR activation lies in the activation drawn ahead: that array and the row
_Row = tuple[NDArray[np.float64], int] | None
#: a step not yet verified (see TSOModel._pending)
_Pending = tuple[NDArray[np.float64], NDArray[np.float64], float, float, _Row]

_NO_DELIVERY = Delivery(0.0, 0.0, 0.0, 0, 0.0, 0.0, 0.0)
_NOTHING_HELD = Delivery(0.0, math.nan, math.nan, 0, 0.0, 0.0, 0.0)


class TSOModel:
    """One provider's FCR/aFRR account with the TSO.

    Parameters
    ----------
    params : TSOParams
        Products and rules.
    step_s : int
        Grid step [s].
    f_step_s : int
        Sub-step [s], dividing ``step_s``.
    phase_s : int
        Local time of day at scenario time 0 [s] (aligns the 4-h blocks).
    fcr_prices : StepSeries or None
        FCR capacity price series [EUR/(MW·h)]; None uses ``params.fcr.block_prices_eur_mw_h``.
    """

    def __init__(
        self,
        params: TSOParams,
        *,
        step_s: int,
        f_step_s: int,
        phase_s: int = 0,
        fcr_prices: StepSeries | None = None,
    ) -> None:
        if step_s % f_step_s:
            raise ValueError(f"f_step_s={f_step_s} s must divide step_s={step_s} s")
        self.params = params
        self.step_s, self.f_step_s, self.phase_s = step_s, f_step_s, int(phase_s)
        self.fcr_prices = fcr_prices
        self._block = -1
        #: the capacities offered last (held from the next block on) and held now [kW]
        self._offer_fcr, self._offer_afrr = params.fcr_capacity_kw, params.afrr_capacity_kw
        self._cap_fcr, self._cap_afrr = self._offer_fcr, self._offer_afrr
        #: the block's FCR price and both capacity payments of one step in it (EUR): the
        #: capacities are held for the block and the block prices fixed (None: priced from
        #: ``fcr_prices`` at every step)
        self._block_pay: tuple[float, float, float] | None = None
        #: per step not yet verified: the FCR and aFRR activations [-], capacities [kW] and
        #: where the FCR activation lies drawn ahead (see _request_sum; None: not drawn
        #: ahead); the requests are ``activation * -capacity``, made when verified
        self._pending: deque[_Pending] = deque()
        self._fcr_rev = self._afrr_rev = self._fcr_pen = self._afrr_pen = 0.0
        #: the last frequency drawn ahead, its droop activation and that activation's sums
        #: in rows of ``_ahead_n`` sub-steps (see _fcr_activation)
        self._ahead_f_hz: NDArray[np.float64] | None = None
        self._ahead_activation = np.empty(0)
        self._ahead_n = 0
        self._ahead_sums: list[float] = []
        #: the row sums of the FCR requests of one activation drawn ahead at one capacity,
        #: from row ``_req_first`` on (see _request_sum)
        self._req_of: tuple[NDArray[np.float64] | None, float, float] = (None, 0.0, 0.0)
        self._req_first = 0
        self._req_sums: list[float] = []

    def _latch_capacity(self, t_s: int, fcr_kw: float | None, afrr_kw: float | None) -> None:
        """Hold the capacities offered at a block's first step for the whole 4-h block."""
        if fcr_kw is not None:  # checked here: once every step
            if not (math.isfinite(fcr_kw) and fcr_kw >= 0):
                raise _capacity_error("fcr", fcr_kw, t_s)
            self._offer_fcr = float(fcr_kw)
        if afrr_kw is not None:
            if not (math.isfinite(afrr_kw) and afrr_kw >= 0):
                raise _capacity_error("afrr", afrr_kw, t_s)
            self._offer_afrr = float(afrr_kw)
        block = (self.phase_s + t_s) // BLOCK_S
        if block != self._block:
            self._block = block
            self._cap_fcr, self._cap_afrr = self._offer_fcr, self._offer_afrr
            self._block_pay = None if self.fcr_prices is not None else self._pay(t_s)

    def _pay(self, t_s: int) -> tuple[float, float, float]:
        """The FCR price at ``t_s`` and the FCR and aFRR capacity payments of one step."""
        price = self._fcr_price(t_s)
        return (
            price,
            capacity_revenue_eur(self._cap_fcr, price, self.step_s),
            capacity_revenue_eur(
                self._cap_afrr, self.params.afrr.capacity_price_eur_mw_h, self.step_s
            ),
        )

    def _fcr_price(self, t_s: int) -> float:
        if self.fcr_prices is not None:
            return float(self.fcr_prices.bin_means(t_s, self.step_s, 1)[0])
        return self.params.fcr.block_prices_eur_mw_h[self._block % 6]

    def step(
        self,
        signals: StepSignals,
        *,
        fcr_capacity_kw: float | None = None,
        afrr_capacity_kw: float | None = None,
        p_fcr_delivered_kw: NDArray[np.float64] | float | None = None,
        p_afrr_delivered_kw: NDArray[np.float64] | float | None = None,
    ) -> TSOState:
        """Requests for ``[t0, t0 + step_s)`` and settlement of the step being verified.

        Delivered powers (scalar step mean or a sub-step series, consumer sign) refer to the
        step ``delivered_lag_steps`` steps back; None means not reported (not verified).
        """
        t = signals.t0_s
        self._latch_capacity(t, fcr_capacity_kw, afrr_capacity_kw)
        cap_fcr, cap_afrr = self._cap_fcr, self._cap_afrr
        a_fcr, a_fcr_sum, fcr_row = self._fcr_activation(signals)
        self._pending.append((a_fcr, signals.afrr_activation, cap_fcr, cap_afrr, fcr_row))
        fcr_d, afrr_d = self._verify(p_fcr_delivered_kw, p_afrr_delivered_kw)
        price = self._book(t, fcr_d, afrr_d)
        h = self.step_s / 3600.0
        n = a_fcr.size
        a_fcr_mean = a_fcr_sum / n
        # the sums drawn ahead (None: not drawn ahead) are those np.add.reduce gives
        f_sum, a_afrr_sum = signals.f_hz_sum, signals.afrr_sum
        if f_sum is None:
            f_sum = float(np.add.reduce(signals.f_hz))
        if a_afrr_sum is None:
            a_afrr_sum = float(np.add.reduce(signals.afrr_activation))
        a_afrr_mean = a_afrr_sum / n
        p_fcr = -a_fcr_mean * cap_fcr
        p_afrr = -a_afrr_mean * cap_afrr
        return frozen_record(
            TSOState,
            f_hz=f_sum / n,
            f_hz_sub=signals.f_hz,
            fcr_activation=a_fcr_mean,
            fcr_activation_sub=a_fcr,
            fcr_p_req_kw=p_fcr,
            e_fcr_req_kwh=p_fcr * h,
            fcr_capacity_kw=cap_fcr,
            fcr_price_eur_mw_h=price,
            afrr_activation=a_afrr_mean,
            afrr_activation_sub=signals.afrr_activation,
            afrr_p_req_kw=p_afrr,
            e_afrr_req_kwh=p_afrr * h,
            afrr_capacity_kw=cap_afrr,
            e_fcr_delivered_kwh=fcr_d.e_delivered_kwh,
            fcr_shortfall_kwh=fcr_d.e_shortfall_kwh,
            e_afrr_delivered_kwh=afrr_d.e_delivered_kwh,
            afrr_shortfall_kwh=afrr_d.e_shortfall_kwh,
            fcr_revenue_eur=self._fcr_rev,
            afrr_revenue_eur=self._afrr_rev,
            fcr_penalty_eur=self._fcr_pen,
            afrr_penalty_eur=self._afrr_pen,
        )

    def _fcr_activation(self, signals: StepSignals) -> tuple[NDArray[np.float64], float, _Row]:
        """Droop activation of the step's sub-steps, its sum (``np.add.reduce``) and where
        it lies in the activation drawn ahead (None: not drawn ahead).

        With the frequency drawn ahead both are computed once per draw (the sums in rows of
        the step's sub-steps, see :func:`~simulators.tso.signals.row_sums`) and sliced: the
        droop is element-wise, so the slice holds the same numbers as the step's own.
        """
        ahead, n, offset = signals.f_hz_ahead, signals.f_hz.size, signals.offset
        if ahead is None:
            a = self._droop(signals.f_hz - signals.f_nominal_hz)
            return a, float(np.add.reduce(a)), None
        if ahead is not self._ahead_f_hz or n != self._ahead_n:
            self._ahead_f_hz, self._ahead_n = ahead, n
            self._ahead_activation = self._droop(ahead - signals.f_nominal_hz)
            self._ahead_sums = row_sums(self._ahead_activation, n)
        a = self._ahead_activation[offset : offset + n]
        row, off_row = divmod(offset, n) if n else (0, 1)
        if off_row or row >= len(self._ahead_sums):
            return a, float(np.add.reduce(a)), None
        return a, self._ahead_sums[row], (self._ahead_activation, row)

    def _request_sum(self, where: _Row, capacity_kw: float) -> float | None:
        """``np.add.reduce(activation * -capacity_kw)`` of a step whose FCR activation lies
        at ``where`` (the activation drawn ahead, the row), None when not drawn ahead.

        The requests of the steps of a 4-h block (the capacity is held for one) are summed
        in rows at once: the same products and row sums as each step's own
        (:func:`~simulators.tso.signals.row_sums`). The capacity's sign bit is part of the
        key: ``-0.0`` gives other signed zeros than ``0.0``.
        """
        if where is None:
            return None
        ahead, row = where
        sign = math.copysign(1.0, capacity_kw)
        of, k = self._req_of, row - self._req_first
        if of[0] is not ahead or of[1] != capacity_kw or of[2] != sign:
            k = -1
        if not 0 <= k < len(self._req_sums):
            n, rows = self._ahead_n, max(1, BLOCK_S // self.step_s)
            self._req_of, self._req_first, k = (ahead, capacity_kw, sign), row, 0
            self._req_sums = row_sums(ahead[row * n : (row + rows) * n] * -capacity_kw, n)
        return self._req_sums[k]

    def _droop(self, df_hz: NDArray[np.float64]) -> NDArray[np.float64]:
        fp = self.params.fcr
        return fcr_activation(
            df_hz,
            deadband_hz=fp.deadband_hz,
            full_activation_hz=fp.full_activation_hz,
            shift_deadband=fp.shift_deadband,
        )

    def _book(self, t_s: int, fcr_d: Delivery, afrr_d: Delivery) -> float:
        """Add this step's capacity payments, aFRR energy pay and penalties to the totals;
        the step's FCR price."""
        ap = self.params.afrr
        price, fcr_rev, afrr_rev = self._block_pay or self._pay(t_s)
        self._fcr_rev += fcr_rev
        self._afrr_rev += (
            afrr_rev
            + afrr_d.e_up_kwh / 1000.0 * ap.energy_up_eur_mwh
            + afrr_d.e_down_kwh / 1000.0 * ap.energy_down_eur_mwh
        )
        self._fcr_pen += fcr_d.penalty_eur
        self._afrr_pen += afrr_d.penalty_eur
        return price

    def _verify(
        self,
        fcr_kw: NDArray[np.float64] | float | None,
        afrr_kw: NDArray[np.float64] | float | None,
    ) -> tuple[Delivery, Delivery]:
        """Settle the request ``delivered_lag_steps`` back against what was delivered."""
        if len(self._pending) <= self.params.delivered_lag_steps:
            return _NO_DELIVERY, _NO_DELIVERY  # first step of a lagged link: nothing due yet
        a_fcr, a_afrr, fcr_cap_kw, afrr_cap_kw, fcr_row = self._pending.popleft()
        fcr_d = self._settle(a_fcr, fcr_cap_kw, fcr_kw, "p_fcr_delivered_kw", fcr_row)
        if afrr_kw is None and afrr_cap_kw == 0.0:  # no aFRR (see _settle), without a call
            return fcr_d, _NOTHING_HELD
        return fcr_d, self._settle(a_afrr, afrr_cap_kw, afrr_kw, "p_afrr_delivered_kw", None)

    def _settle(
        self,
        activation: NDArray[np.float64],
        capacity_kw: float,
        delivered_kw: NDArray[np.float64] | float | None,
        name: str,
        where: _Row,
    ) -> Delivery:
        if delivered_kw is None and capacity_kw == 0.0:
            # no capacity held, nothing reported: verify_series of the zero request (what
            # the outputs read of it), without its numpy calls on every step
            return _NOTHING_HELD
        # the usual step mean as it came, else as _as_delivered reads it
        delivered = (
            delivered_kw
            if type(delivered_kw) is float
            else _as_delivered(delivered_kw, activation.size, name)
        )
        params = self.params.settlement
        if type(delivered) is float and delivered == delivered:  # a step mean, not NaN
            total = self._request_sum(where, capacity_kw)
            if total is not None:  # verify_series of the means, without the request series
                return verify_total(total, activation.size, delivered, self.f_step_s, params)
        req_kw = activation * -capacity_kw
        return verify_series(req_kw, delivered, dt_s=self.f_step_s, params=params)


def _capacity_error(name: str, value: float, t_s: int) -> ModelError:
    """An offered capacity that is not a finite number >= 0 kW."""
    return ModelError(
        f"{name}_capacity_kw={value!r} kW at t={t_s} s must be a finite number "
        ">= 0 (symmetric band: the same kW up and down)"
    )


def _as_delivered(
    value: NDArray[np.float64] | float | None, n_sub: int, name: str
) -> NDArray[np.float64] | float:
    """Scalar (step mean) as a float or (n_sub,) series [kW]; NaN when not reported."""
    if value is None:
        return math.nan
    if type(value) is float:  # the usual step mean, as it came
        return value
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return float(arr)
    if arr.shape == (n_sub,):
        return arr
    raise ModelError(
        f"{name} must be a scalar step mean or a series of {n_sub} sub-steps [kW], got shape "
        f"{arr.shape}; sum per-EV values into the provider's total before sending"
    )

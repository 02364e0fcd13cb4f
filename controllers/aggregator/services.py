"""Flexibility services of one aggregator: FCR band, DSO bids, baseline and metering, per step.

:class:`FleetServices` holds what lasts between steps (the commitments from awards and
activations, the measured availability per zone and the declared baseline of the last step,
and a :class:`~controllers.aggregator.balancing_offers.BalancingOffers` with the FCR and
aFRR offers per block) and turns one step's observation and setpoints into the service
outputs. Pure: no mosaik, no I/O.

Timing. The FCR band (and the aFRR band, from the room FCR leaves) for a block is offered
at the block's *last step before it* and held on the output until the block's own last
step, so a TSO reading ``fcr_capacity_kw`` at a block's first step gets the offer whether
the link is time-shifted or not; the first (partial) block of a run gets no offer.
``p_baseline_kw`` and ``p_metered_kw`` describe the step just metered (``t - dt``): the
baseline kept from the previous step and the bank's ``p_kw`` that arrives now over a
time-shifted link.

Metering. The flexibility market settles on the chargers' own meters and on the baseline
``p_base_kw`` it latched at the start of each step (:mod:`simulators.flex_market.meters`);
it reads neither ``p_baseline_kw`` (the DSO's baseline observation) nor ``p_metered_kw``,
which is the aggregator's own view of what its zones drew, kept as a recorded diagnostic
(baseline against drawn power per zone).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from controllers.aggregator.afrr import AFRRProvision
from controllers.aggregator.availability import (
    BaseShape,
    EvenStep,
    ev_bounds,
    even_zone_availability,
    zone_availability,
)
from controllers.aggregator.balancing_offers import BalancingOffers
from controllers.aggregator.chargers import BankParams
from controllers.aggregator.fcr import FCRProvision
from controllers.aggregator.flex_offers import (
    Commitment,
    FlexProvision,
    ZoneMemory,
    build_bids,
    commitments_from,
    committed_kw,
)
from controllers.aggregator.policy import FleetObservation
from controllers.aggregator.service_outputs import ServiceOutputs
from cosim.records import frozen_record
from cosim.timebase import DAY_S

__all__ = ["FleetServices", "ServiceOutputs"]

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]

_F64 = np.dtype(np.float64)


class FleetServices:
    """FCR, DSO flexibility and baseline bookkeeping of one aggregator entity.

    Responsible for one step's service outputs and for what lasts between steps apart from
    the balancing offers: the commitments from awards and activations, the availability
    history for the DSO bids and the declared baseline. The FCR and aFRR offers and held
    bands are its :attr:`balancing_offers`, which reads the commitments through
    :meth:`_claims` and :meth:`_committed`.

    Parameters
    ----------
    bidder : str
        Entity id (the bidder name in bids; awards of other bidders are ignored).
    zone_names : sequence of str (Z,)
        Zone names.
    zone_of_charger : ndarray of int (n_chargers,)
        Zone index of each charger (-1: none).
    fcr, flex : FCRProvision, FlexProvision
        What is offered.
    afrr : AFRRProvision or None
        aFRR offered from the room FCR leaves (None: none).
    avoid_double_claims : bool
        Reduce the FCR band and the bids by what is already awarded (False: naive).
    v2g : bool
        Availability may reach into discharge on bidirectional chargers.
    step_s, phase_s : int
        Step [s] and local time of day at scenario time 0 [s].
    forecast_shape : BaseShape
        How the policy's baseline is assumed to continue (for the FCR forecast).
    """

    def __init__(
        self,
        *,
        bidder: str,
        zone_names: Sequence[str],
        zone_of_charger: NDArray[np.int64],
        fcr: FCRProvision,
        flex: FlexProvision,
        avoid_double_claims: bool,
        v2g: bool,
        step_s: int,
        phase_s: int,
        forecast_shape: BaseShape,
        afrr: AFRRProvision | None = None,
    ) -> None:
        self.bidder = bidder
        self.zone_names = list(zone_names)
        self.zone_index = {z: i for i, z in enumerate(self.zone_names)}
        self.zone_of_charger = zone_of_charger
        # per-zone sums bin charger c into zone_of_charger[c] + 1; bin 0 (no zone) is dropped
        # zone_of_charger is set once here and never changed: its int64 copy is made once
        self._zones_i64 = np.asarray(zone_of_charger, dtype=np.int64)
        self._zone_bins = self._zones_i64 + 1
        self.flex = flex
        self._bid_s = round(flex.bid_hour * 3600)
        self.avoid_double_claims = avoid_double_claims
        self.v2g = v2g
        self.step_s, self.phase_s = step_s, phase_s
        n_zone = self._n_zone = len(self.zone_names)  # fixed: the memory is made for it
        self.memory = ZoneMemory(n_zone=n_zone, day_steps=DAY_S // step_s, days=flex.history_days)
        self.balancing_offers = BalancingOffers(
            fcr=fcr,
            afrr=afrr or AFRRProvision(),
            zone_of_charger=zone_of_charger,
            n_zone=n_zone,
            v2g=v2g,
            step_s=step_s,
            phase_s=phase_s,
            forecast_shape=forecast_shape,
            claims=self._claims,
            committed=self._committed,
        )
        balancing = self.balancing_offers.enabled
        # the services read the availability at every step when they offer anything
        self._eager = balancing or flex.enabled
        self._even_base = balancing and fcr.base_shape == BaseShape.EVEN
        self.commitments: dict[str, Commitment] = {}
        self.active: list[Commitment] = []
        #: the first time the commitments kept or active can change without a new order [s]
        self._next_change: float = -math.inf
        self._baseline: Callable[[], FloatArray] = lambda: np.zeros(n_zone)
        #: the last step's baseline per zone when that step computed it (None: on demand)
        self._last_base: FloatArray | None = None

    @property
    def n_zone(self) -> int:
        """Number of zones Z."""
        return len(self.zone_names)

    def shape_setpoints(self, obs: FleetObservation, p_set_kw: FloatArray) -> FloatArray:
        """The baseline the services run on: the policy's, or the even spread (FCR ``even``,
        used by aFRR too)."""
        if not self._even_base:
            return p_set_kw
        b = ev_bounds(obs, v2g=self.v2g)
        out = np.array(p_set_kw, dtype=float)
        out[obs.charger_idx[b.ctrl]] = b.p_even_kw[b.ctrl]
        return out

    def bank_setpoints(
        self,
        obs: FleetObservation,
        p_set_kw: FloatArray,
        bank: BankParams,
        p_metered_kw: FloatArray | None = None,
        *,
        metered_default: float = 0.0,
    ) -> tuple[FloatArray, EvenStep | None]:
        """The setpoints the bank holds (:meth:`shape_setpoints`, then ``bank.levels``) and,
        for the even baseline, what :meth:`step` would compute from them and from
        ``p_metered_kw`` (one source's metered power as sent, a NaN counted as
        ``metered_default``), with them (pass it to :meth:`step`).

        ``obs`` is the adapter's (see
        :func:`~controllers.aggregator.availability.even_zone_availability`).
        """
        n = bank.n
        if self._even_base and _floats_of(p_set_kw, n):
            t = int(obs.time_s)
            prepared = even_zone_availability(
                obs,
                p_set_kw,
                bank,
                v2g=self.v2g,
                zone_of_charger=self._zones_i64,
                n_zone=self._n_zone,
                p_metered_kw=p_metered_kw if _floats_of(p_metered_kw, n) else None,
                metered_default=metered_default,
                held_kw=self.balancing_offers.held_kw(t),  # the bands held in this block
                # step's update of the availability history, stored by the kernel
                history=self._history(t) if self.flex.enabled else None,
            )
            return prepared.p_set_kw, prepared
        return bank.levels(self.shape_setpoints(obs, p_set_kw)), None

    def step(
        self,
        obs: FleetObservation,
        p_set_kw: FloatArray,
        *,
        p_metered_kw: FloatArray | None,
        orders: Iterable[Mapping[str, Any]] = (),
        prepared: EvenStep | None = None,
    ) -> ServiceOutputs:
        """Update the commitments, offer FCR and bids, declare the baseline of this step.

        ``prepared``: what :meth:`bank_setpoints` gave with ``p_set_kw`` (``p_metered_kw``
        is then read only when it did not sum the metered power).
        """
        zoned_now, metered_now, bands = (None, None, None) if prepared is None else prepared[1:]
        t = int(obs.time_s)
        if orders or t >= self._next_change:  # else _take_orders has nothing to do
            self._take_orders(t, orders)
        # read now when the services offer anything, else on demand from a copy of its own
        p_set = p_set_kw if self._eager else np.array(p_set_kw, dtype=float)
        zoned = (
            cache(  # computed on the first call only
                lambda: zone_availability(
                    obs,
                    p_set,
                    v2g=self.v2g,
                    zone_of_charger=self.zone_of_charger,
                    n_zone=self.n_zone,
                )
            )
            if zoned_now is None
            else lambda: zoned_now
        )
        z = zoned() if self._eager else None
        tod = (self.phase_s + t) % DAY_S
        # the history serves the bids only (flex is eager); bank_setpoints stored it
        if z is not None and self.flex.enabled and prepared is None:
            self.memory.update(
                day=(self.phase_s + t) // DAY_S, step=tod // self.step_s, values=z.p_down_kw
            )
        notes: list[str] = []
        capacity, band, afrr = self.balancing_offers.step(obs, zoned, notes, bands)
        bid_step = tod <= self._bid_s < tod + self.step_s  # the day's bids are due
        bids = self._bids(t, notes) if bid_step and self.flex.enabled else []
        baseline, last_base = self._baseline, self._last_base
        self._baseline = lambda: zoned().p_base_kw
        if metered_now is not None:
            metered = metered_now
        elif p_metered_kw is None:
            metered = np.zeros(self.n_zone)
        else:
            metered = self._zone_sum(np.asarray(p_metered_kw, float))
        out = frozen_record(
            ServiceOutputs,
            availability=lambda: zoned().chargers,
            fcr_band_kw=band,
            fcr_capacity_kw=capacity,
            flex_bids=bids,
            baseline=baseline,
            p_metered_kw=metered,
            notes=notes,
            afrr_band_kw=afrr[1],
            afrr_capacity_kw=afrr[0],
        )
        self._last_base = None
        if z is not None:  # computed above: the cached properties' values, filled in now
            self._last_base = z.p_base_kw
            known = out.known()
            known["p_base_kw"], known["p_up_kw"], known["p_down_kw"] = (
                z.chargers.p_base_kw,
                z.chargers.p_up_kw,
                z.chargers.p_down_kw,
            )
            if last_base is not None:
                known["p_baseline_kw"] = last_base
        return out

    def _history(self, t: int) -> tuple[FloatArray, int, int]:
        """Where :meth:`step` at ``t`` stores the zones' down in the memory (for the kernel)."""
        local = self.phase_s + t
        return self.memory.target(day=local // DAY_S, step=local % DAY_S // self.step_s)

    def _zone_sum(self, values: FloatArray) -> FloatArray:
        """Per-zone sums of per-charger values (Z,) [kW], as
        :func:`~controllers.aggregator.availability.zone_sum` on the bins made once."""
        sums = np.bincount(self._zone_bins, weights=values, minlength=self.n_zone + 1)
        return cast(FloatArray, sums[1:])

    # ------------------------------------------------------------------ commitments
    def _take_orders(self, t: int, orders: Iterable[Mapping[str, Any]]) -> None:
        new = commitments_from(orders, bidder=self.bidder, zone_index=self.zone_index)
        for c in new:
            self.commitments[c.id] = c
        # between orders the filters only change when t reaches a start, end or expiry
        if not new and t < self._next_change:
            return
        self.commitments = {k: c for k, c in self.commitments.items() if c.t_end_s > t - DAY_S}
        self.active = [c for c in self.commitments.values() if c.t_start_s <= t < c.t_end_s]
        self._next_change = min(
            (
                b
                for c in self.commitments.values()
                for b in (c.t_start_s, c.t_end_s, c.t_end_s + DAY_S)
                if b > t
            ),
            default=math.inf,
        )

    def _claims(self, t0: int, t1: int) -> bool:
        """Whether a commitment counted against the offers may be live in ``[t0, t1)``."""
        return self.avoid_double_claims and any(
            c.t_start_s < t1 and c.t_end_s > t0 for c in self.commitments.values()
        )

    def _committed(self, times_s: NDArray[np.int64]) -> tuple[FloatArray, FloatArray]:
        """The power committed per zone at ``times_s``: ``(down, up)``, each (Z, T) [kW]
        (zeros when the commitments are not counted against the offers)."""
        if not self.avoid_double_claims:
            zeros = np.zeros((self.n_zone, times_s.size))
            return zeros, zeros.copy()
        return committed_kw(self.commitments.values(), times_s, self.n_zone)

    # ------------------------------------------------------------------ DSO bids
    def _bids(self, t: int, notes: list[str]) -> list[dict[str, Any]]:
        """The bids for the next day's windows (at the step holding the bid hour)."""
        day0 = t - (self.phase_s + t) % DAY_S + DAY_S
        windows = [(day0 + round(a * 3600), day0 + round(b * 3600)) for a, b in self.flex.windows]
        n_w = len(windows)
        down = np.zeros((self.n_zone, n_w))
        committed = np.zeros((self.n_zone, n_w))
        day_steps, dt = DAY_S // self.step_s, self.step_s
        # the windows' steps of the day forecast at once (step by step, as each window's)
        spans: list[int] = []
        steps: list[int] = []
        for t0, t1 in windows:
            spans.append(len(steps))
            steps += [((tt - day0) // dt) % day_steps for tt in range(t0, t1, dt)]
        spans.append(len(steps))
        low = self.memory.forecast_rows(np.array(steps, dtype=np.int64))
        for w, (t0, t1) in enumerate(windows):
            # a window's rows copied as forecast would make them: the same min reduction
            down[:, w] = np.minimum.reduce(np.array(low[spans[w] : spans[w + 1]]).T, axis=1)
            if self._claims(t0, t1):  # else +0.0, what committed_kw's zeros give
                times = np.arange(t0, t1, dt, dtype=np.int64)
                committed[:, w] = np.maximum.reduce(self._committed(times)[0], axis=1)
        bids = build_bids(
            bidder=self.bidder,
            zone_names=self.zone_names,
            windows_s=windows,
            down_kw=down,
            committed_kw=committed,
            provision=self.flex,
        )
        if not bids:
            notes.append(f"t={t} s: no flexibility bids (no forecast availability)")
        return bids


def _floats_of(values: Any, n: int) -> bool:
    """``values`` is an array of ``n`` float64 (as the kernels take it, without a copy)."""
    return type(values) is np.ndarray and values.dtype == _F64 and values.shape == (n,)

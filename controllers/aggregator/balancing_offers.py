"""FCR and aFRR offers of one aggregator per block, and the bands it holds in each step.

:class:`BalancingOffers` is the balancing component of
:class:`~controllers.aggregator.services.FleetServices`, which holds one and calls it at
every step: at the last step before a block it forecasts the fleet's room over the block,
less what is committed to the DSO, and offers FCR (and aFRR from the room FCR leaves); at
every step it shares the bands held in the current block out over the chargers. It owns the
offers per block and the pool's room persistence; the commitments stay the services', read
through the two functions it is given. Pure: no mosaik, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from numpy.typing import NDArray

from controllers.aggregator.afrr import AFRRProvision, offer_afrr
from controllers.aggregator.arrivals import RoomForecast, RoomPersistence
from controllers.aggregator.availability import BaseShape, ZoneAvailability
from controllers.aggregator.fcr import FCROffer, FCRProvision, offer_band, offer_room, room_share
from controllers.aggregator.fleet_forecast import availability_forecast, even_block_room
from controllers.aggregator.policy import FleetObservation

__all__ = ["NO_OFFER", "BalancingOffers"]

FloatArray = NDArray[np.float64]

#: the offer of a block nothing was offered for
NO_OFFER = FCROffer(0.0, 0.0)


class BalancingOffers:
    """FCR and aFRR offers of one aggregator per block, and the bands held in each step.

    Responsible for what the aggregator offers the TSO: the offers per block (kept from
    the block they are made for on), the pool's room measured for the day-ahead forecast,
    and the share of the held bands per charger. It reads the DSO commitments only through
    ``claims`` and ``committed``.

    Parameters
    ----------
    fcr, afrr : FCRProvision, AFRRProvision
        What is offered (aFRR from the room FCR leaves).
    zone_of_charger : ndarray of int (n_chargers,)
        Zone index of each charger (-1: none).
    n_zone : int
        Number of zones Z.
    v2g : bool
        Availability may reach into discharge on bidirectional chargers.
    step_s, phase_s : int
        Step [s] and local time of day at scenario time 0 [s].
    forecast_shape : BaseShape
        How the policy's baseline is assumed to continue (used when ``fcr.base_shape`` is
        ``"policy"``).
    claims : callable (t0_s, t1_s) -> bool
        Whether a commitment counted against the offers may be live in ``[t0_s, t1_s)``.
    committed : callable (times_s (T,)) -> (down (Z, T), up (Z, T)) [kW]
        The power committed per zone at ``times_s``, counted against the offers.
    """

    def __init__(
        self,
        *,
        fcr: FCRProvision,
        afrr: AFRRProvision,
        zone_of_charger: NDArray[np.int64],
        n_zone: int,
        v2g: bool,
        step_s: int,
        phase_s: int,
        forecast_shape: BaseShape,
        claims: Callable[[int, int], bool],
        committed: Callable[[NDArray[np.int64]], tuple[FloatArray, FloatArray]],
    ) -> None:
        self.fcr, self.afrr = fcr, afrr
        #: anything offered (else :meth:`step` gives zeros and keeps no offers)
        self.enabled = fcr.enabled or afrr.enabled
        self.zone_of_charger = zone_of_charger
        # zone_of_charger is set once here and never changed: its int64 copy is made once
        self._zones_i64 = np.asarray(zone_of_charger, dtype=np.int64)
        self.n_zone = n_zone
        self.v2g = v2g
        self.step_s, self.phase_s = step_s, phase_s
        self._block_s, self._phase_s = int(fcr.block_s), int(phase_s)
        self.forecast_shape = (
            BaseShape(fcr.base_shape) if fcr.base_shape != "policy" else forecast_shape
        )
        self._claims, self._committed = claims, committed
        self.offers: dict[int, FCROffer] = {}
        self.afrr_offers: dict[int, FCROffer] = {}
        #: the block of the last step: offers are added for later blocks only, so none
        #: drops below ``now`` until the block changes
        self._block: int | None = None
        self.room = (
            RoomPersistence(step_s=step_s) if fcr.forecast == RoomForecast.DAY_AHEAD else None
        )

    def held_kw(self, t: int) -> tuple[float, float]:
        """The FCR and aFRR capacity held in the block of ``t`` [kW] (offered at earlier
        steps: :meth:`step` adds only the next block's offer)."""
        now = (t + self._phase_s) // self._block_s  # as fcr.block_index
        return (
            self.offers.get(now, NO_OFFER).capacity_kw,
            self.afrr_offers.get(now, NO_OFFER).capacity_kw,
        )

    def step(
        self,
        obs: FleetObservation,
        zoned: Callable[[], ZoneAvailability],
        notes: list[str],
        bands: tuple[FloatArray, FloatArray] | None = None,
    ) -> tuple[float, FloatArray, tuple[float, FloatArray]]:
        """FCR offer and held band, and the same for aFRR: ``(offer, band, (offer, band))``;
        ``bands``: the held bands, shared out already (:meth:`~.FleetServices.bank_setpoints`)."""
        if not self.enabled:
            zeros = np.zeros(obs.n_chargers)
            return 0.0, zeros, (0.0, zeros)
        t, dt = int(obs.time_s), self.step_s
        if self.room is not None:  # the pool's room now, for the day-ahead forecast
            avail = zoned().chargers
            self.room.update(t, float(avail.p_up_kw.sum()), float(avail.p_down_kw.sum()))
        now = (t + self._phase_s) // self._block_s  # as fcr.block_index, of t and t + dt
        nxt = (t + dt + self._phase_s) // self._block_s
        if nxt != now and nxt not in self.offers:
            self.offers[nxt] = self.offer(obs, nxt, prepared=bands is not None)
            if self.fcr.enabled and self.offers[nxt].reason:
                notes.append(f"t={t} s: no FCR offer for block {nxt}: {self.offers[nxt].reason}")
            if self.afrr.enabled:
                offer = self.afrr_offers[nxt] = offer_afrr(self.offers[nxt], self.afrr)
                if offer.reason:
                    notes.append(f"t={t} s: no aFRR offer for block {nxt}: {offer.reason}")
        if now != self._block:  # a block may have passed: offers are kept for >= now only
            self._block = now
            self.offers = {b: o for b, o in self.offers.items() if b >= now}
            self.afrr_offers = {b: o for b, o in self.afrr_offers.items() if b >= now}
        fcr_kw = self.offers.get(nxt, NO_OFFER).capacity_kw
        afrr_kw = self.afrr_offers.get(nxt, NO_OFFER).capacity_kw
        if bands is not None:
            return fcr_kw, bands[0], (afrr_kw, bands[1])
        zeros = np.zeros(obs.n_chargers)
        fcr_band = self._held(self.offers, now, zoned, zeros)
        afrr_band = self._held(self.afrr_offers, now, zoned, zeros)
        return fcr_kw, fcr_band, (afrr_kw, afrr_band)

    @staticmethod
    def _held(
        offers: Mapping[int, FCROffer],
        now: int,
        zoned: Callable[[], ZoneAvailability],
        zeros: FloatArray,
    ) -> FloatArray:
        """The band held in block ``now`` per charger."""
        held = offers.get(now, NO_OFFER).capacity_kw
        if not held > 0:
            return zeros
        z = zoned()
        return room_share(held, z.room_kw, z.room_total_kw)

    def offer(self, obs: FleetObservation, block: int, *, prepared: bool = False) -> FCROffer:
        """The offer for ``block``; ``prepared``: :meth:`~.FleetServices.bank_setpoints`
        made this step's even baseline (``obs`` is the adapter's, the forecast's shape even)."""
        t, dt = int(obs.time_s), self.step_s
        end = (block + 1) * self.fcr.block_s - self.phase_s
        horizon = max((end - t) // dt, 1)
        # nothing committed in the block: the commitments are +0.0 and x - 0.0 is x
        free = self.room is None and not self._claims(t, t + horizon * dt)
        if free and prepared and horizon > 1:  # the sums and _band's room, in one call
            low = even_block_room(
                obs, horizon=horizon, v2g=self.v2g, zone_of_charger=self._zones_i64,
                n_zone=self.n_zone,
            )  # fmt: skip
            return self._fcr_only(
                offer_room(low, safety_factor=self.fcr.safety_factor, min_kw=self.fcr.min_kw)
            )
        fc = availability_forecast(
            obs,
            horizon=horizon,
            shape=self.forecast_shape,
            v2g=self.v2g,
            zone_of_charger=self.zone_of_charger,
            n_zone=self.n_zone,
        )
        if free:
            up = np.add.reduce(np.maximum(fc.p_up_kw, 0.0), axis=0)  # .sum(axis=0)
            down = np.add.reduce(np.maximum(fc.p_down_kw, 0.0), axis=0)
            return self._band(up, down)
        times = t + dt * np.arange(horizon, dtype=np.int64)
        c_down, c_up = self._committed(times)
        up = np.maximum(fc.p_up_kw - c_up, 0.0).sum(axis=0)
        down = np.maximum(fc.p_down_kw - c_down, 0.0).sum(axis=0)
        if self.room is not None:  # EVs still to arrive: the room measured a day earlier
            p_up, p_down = self.room.combine(t, fc.p_up_kw.sum(axis=0), fc.p_down_kw.sum(axis=0))
            up = np.maximum(up, p_up - c_up.sum(axis=0))
            down = np.maximum(down, p_down - c_down.sum(axis=0))
        return self._band(up, down)

    def _band(self, up: FloatArray, down: FloatArray) -> FCROffer:
        """The offer from the room per step of the forecast (its first step is now)."""
        offer = offer_band(
            up[1:], down[1:], safety_factor=self.fcr.safety_factor, min_kw=self.fcr.min_kw
        )
        return self._fcr_only(offer)

    def _fcr_only(self, offer: FCROffer) -> FCROffer:
        """``offer`` if FCR is offered, else none (its room stays: aFRR offers from it)."""
        return offer if self.fcr.enabled else FCROffer(0.0, offer.room_kw, "FCR not offered")

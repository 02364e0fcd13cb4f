"""FCR and aFRR offers of one aggregator per block, and the bands it holds in each step.

:class:`BalancingOffers` is the balancing part of
:class:`~controllers.aggregator.services.FleetServices`, which derives from it and makes
its state in ``FleetServices.__init__`` (the attributes annotated here): at the last step
before a block it forecasts the fleet's room over the block, less what is committed to the
DSO, and offers FCR (and aFRR from the room FCR leaves); at every step it shares the bands
held in the current block out over the chargers. Pure: no mosaik, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from controllers.aggregator.afrr import AFRRProvision, offer_afrr
from controllers.aggregator.arrivals import RoomPersistence
from controllers.aggregator.availability import BaseShape, ZoneAvailability
from controllers.aggregator.fcr import FCROffer, FCRProvision, offer_band, offer_room, room_share
from controllers.aggregator.fleet_forecast import availability_forecast, even_block_room
from controllers.aggregator.flex_offers import Commitment
from controllers.aggregator.policy import FleetObservation

__all__ = ["NO_OFFER", "BalancingOffers"]

FloatArray = NDArray[np.float64]

#: the offer of a block nothing was offered for
NO_OFFER = FCROffer(0.0, 0.0)


class BalancingOffers:
    """FCR and aFRR offers per block and the held bands (the base of ``FleetServices``)."""

    # made by FleetServices.__init__
    fcr: FCRProvision
    afrr: AFRRProvision
    balancing: bool
    avoid_double_claims: bool
    v2g: bool
    step_s: int
    phase_s: int
    forecast_shape: BaseShape
    zone_of_charger: NDArray[np.int64]
    _zones_i64: NDArray[np.int64]
    _block_s: int
    _phase_s: int
    offers: dict[int, FCROffer]
    afrr_offers: dict[int, FCROffer]
    _block: int | None
    room: RoomPersistence | None
    commitments: dict[str, Commitment]

    if TYPE_CHECKING:  # defined by FleetServices

        @property
        def n_zone(self) -> int: ...

        def _committed(self, times_s: NDArray[np.int64]) -> tuple[FloatArray, FloatArray]: ...

    def _fcr(
        self,
        obs: FleetObservation,
        zoned: Callable[[], ZoneAvailability],
        notes: list[str],
        bands: tuple[FloatArray, FloatArray] | None = None,
    ) -> tuple[float, FloatArray, tuple[float, FloatArray]]:
        """FCR offer and held band, and the same for aFRR: ``(offer, band, (offer, band))``;
        ``bands``: the held bands, shared out already (:meth:`~.FleetServices.bank_setpoints`)."""
        if not self.balancing:
            zeros = np.zeros(obs.n_chargers)
            return 0.0, zeros, (0.0, zeros)
        t, dt = int(obs.time_s), self.step_s
        if self.room is not None:  # the pool's room now, for the day-ahead forecast
            avail = zoned().chargers
            self.room.update(t, float(avail.p_up_kw.sum()), float(avail.p_down_kw.sum()))
        now = (t + self._phase_s) // self._block_s  # as fcr.block_index, of t and t + dt
        nxt = (t + dt + self._phase_s) // self._block_s
        if nxt != now and nxt not in self.offers:
            self.offers[nxt] = self._offer(obs, nxt, prepared=bands is not None)
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

    def _offer(self, obs: FleetObservation, block: int, *, prepared: bool = False) -> FCROffer:
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

    def _claims(self, t0: int, t1: int) -> bool:
        """Whether a commitment counted against the offers may be live in ``[t0, t1)``."""
        return self.avoid_double_claims and any(
            c.t_start_s < t1 and c.t_end_s > t0 for c in self.commitments.values()
        )

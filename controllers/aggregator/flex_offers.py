"""DSO flexibility offers of a fleet: day-ahead bids per zone, and what is already committed.

Once a day, at ``bid_hour`` local time, the aggregator bids each zone's forecast *down*
availability (consume less) for the next day's windows. The forecast is the smallest
down-availability the zone showed in the same steps of the last ``history_days`` days
(persistence; the EVs plugged at bid time have left by the window). A bid offers ``share``
of the smallest value over its window (a bid holds for the whole window), less what the
zone already committed in that window when the aggregator avoids double claims. Bid ids are
``"<eid>-<zone>-<t_start_s>"``, so they are unique and the same in every run.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from controllers.aggregator.settings import from_spec

__all__ = [
    "Commitment",
    "FlexProvision",
    "ZoneMemory",
    "build_bids",
    "commitments_from",
    "committed_kw",
]

FloatArray = NDArray[np.float64]

_DEFAULT_WINDOWS = tuple((h, h + 1) for h in range(16, 21))


@dataclass(frozen=True)
class FlexProvision:
    """How the aggregator offers DSO flexibility.

    Parameters
    ----------
    enabled : bool
        Bid at all.
    windows : sequence of (start_hour, end_hour)
        Local-time windows of the next day to bid for [h], ``0 <= start < end <= 24``.
    price_eur_mwh : float
        Asked price [EUR/MWh] (e.g. a markup over the expected lost value).
    share : float
        Share of the forecast availability offered, in (0, 1].
    bid_hour : float
        Local hour the day's bids are sent [h], in [0, 24) (before the day-ahead gate).
    min_bid_kw : float
        The market's minimum bid size [kW]; smaller bids are not sent.
    history_days : int
        Days of measured availability the forecast looks back (>= 1).
    """

    enabled: bool = False
    windows: tuple[tuple[float, float], ...] = _DEFAULT_WINDOWS
    price_eur_mwh: float = 150.0
    share: float = 0.8
    bid_hour: float = 10.0
    min_bid_kw: float = 0.0
    history_days: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "windows", tuple((float(a), float(b)) for a, b in self.windows))
        problems = [
            f"window {w} must satisfy 0 <= start < end <= 24 h"
            for w in self.windows
            if not 0 <= w[0] < w[1] <= 24
        ]
        if not math.isfinite(self.price_eur_mwh):
            problems.append(f"price_eur_mwh={self.price_eur_mwh!r} must be finite")
        if not 0 < self.share <= 1:
            problems.append(f"share={self.share!r} must be in (0, 1]")
        if not 0 <= self.bid_hour < 24:
            problems.append(f"bid_hour={self.bid_hour!r} must be in [0, 24) h")
        if not (math.isfinite(self.min_bid_kw) and self.min_bid_kw >= 0):
            problems.append(f"min_bid_kw={self.min_bid_kw!r} must be a finite number >= 0 kW")
        if not (isinstance(self.history_days, int) and self.history_days >= 1):
            problems.append(f"history_days={self.history_days!r} must be an integer >= 1")
        if problems:
            raise ValueError("invalid flex parameters: " + "; ".join(problems))

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any] | None) -> FlexProvision:
        """Build from the adapter's ``flex`` dict; unknown keys are an error listing the valid."""
        return from_spec(cls, spec, "flex")


@dataclass(frozen=True)
class Commitment:
    """Flexibility the aggregator must deliver: zone index, window [s], kW, direction."""

    id: str
    zone: int
    t_start_s: int
    t_end_s: int
    p_kw: float
    direction: str


def commitments_from(
    orders: Iterable[Mapping[str, Any]], *, bidder: str, zone_index: Mapping[str, int]
) -> list[Commitment]:
    """This bidder's awards or activations as commitments (keyed by award id).

    An activation names its award in ``award_id``; an award is its own id. Orders of other
    bidders or of unknown zones are ignored.
    """
    out = []
    for o in orders:
        if o.get("bidder", bidder) != bidder or o.get("zone") not in zone_index:
            continue
        out.append(
            Commitment(
                id=str(o.get("award_id", o.get("id", ""))),
                zone=zone_index[str(o["zone"])],
                t_start_s=int(o["t_start_s"]),
                t_end_s=int(o["t_end_s"]),
                p_kw=float(o["p_kw"]),
                direction=str(o.get("direction", "down")),
            )
        )
    return out


def committed_kw(
    commitments: Iterable[Commitment], times_s: Sequence[int] | NDArray[np.int64], n_zone: int
) -> tuple[FloatArray, FloatArray]:
    """Committed (down, up) kW per zone at each step start in ``times_s`` (Z, n) each.

    >>> c = [Commitment("a", 0, 900, 2700, 5.0, "down")]
    >>> committed_kw(c, [0, 900, 1800, 2700], 1)[0].tolist()
    [[0.0, 5.0, 5.0, 0.0]]
    """
    t = np.asarray(times_s, dtype=np.int64)
    down, up = np.zeros((n_zone, t.size)), np.zeros((n_zone, t.size))
    for c in commitments:  # a handful of awards per day, not per EV
        live = (t >= c.t_start_s) & (t < c.t_end_s)
        target = up if c.direction == "up" else down
        target[c.zone] += np.where(live, c.p_kw, 0.0)
    return down, up


class ZoneMemory:
    """Per-zone availability measured at each step of the last ``days`` local days.

    Parameters
    ----------
    n_zone : int
        Number of zones.
    day_steps : int
        Steps per day.
    days : int
        Days kept.

    Examples
    --------
    >>> m = ZoneMemory(n_zone=1, day_steps=4, days=2)
    >>> m.update(day=0, step=1, values=np.array([6.0]))
    >>> m.update(day=1, step=1, values=np.array([4.0]))
    >>> m.forecast(np.array([1, 2])).tolist()
    [[4.0, 0.0]]
    """

    def __init__(self, *, n_zone: int, day_steps: int, days: int) -> None:
        self.days = days
        self._values = np.full((days, day_steps, n_zone), np.nan)

    def update(self, *, day: int, step: int, values: FloatArray) -> None:
        """Store the values of local ``day`` (running index) and its ``step``."""
        self._values[day % self.days, step] = values

    def target(self, *, day: int, step: int) -> tuple[FloatArray, int, int]:
        """Where :meth:`update` stores the values of ``day`` and ``step``: the history
        (days, day steps, Z) and its two indices, for a kernel that stores them itself."""
        return self._values, day % self.days, step

    def forecast(self, steps: NDArray[np.int64]) -> FloatArray:
        """Smallest value seen at each step-of-day in ``steps`` (Z, n); 0 where never seen."""
        return self.forecast_rows(steps).T

    def forecast_rows(self, steps: NDArray[np.int64]) -> FloatArray:
        """:meth:`forecast` as rows (n, Z): C-contiguous, each step's on its own."""
        v = self._values[:, steps, :]
        nan = np.isnan(v)
        # .all(axis=0) and np.nanmin(axis=0) (no NaN left) as the ufunc reductions they run
        seen = ~np.logical_and.reduce(nan, axis=0)
        low = np.fmin.reduce(np.where(nan, np.inf, v), axis=0)
        return np.where(seen, low, 0.0)


def build_bids(
    *,
    bidder: str,
    zone_names: Sequence[str],
    windows_s: Sequence[tuple[int, int]],
    down_kw: FloatArray,
    committed_kw: FloatArray,
    provision: FlexProvision,
) -> list[dict[str, Any]]:
    """Down-flexibility bids per zone and window (dicts as in ``flex_market.orders.Bid``).

    Parameters
    ----------
    bidder : str
        The aggregator's entity id.
    zone_names : sequence of str (Z,)
        Zone names.
    windows_s : sequence of (t_start_s, t_end_s) (W,)
        Windows in scenario time [s].
    down_kw : ndarray (Z, W)
        Forecast down availability of each zone over each window (its minimum) [kW].
    committed_kw : ndarray (Z, W)
        Down flexibility already committed in each zone and window [kW] (zeros when the
        aggregator does not avoid double claims).
    provision : FlexProvision
        Share, price and minimum bid size.

    Examples
    --------
    >>> b = build_bids(bidder="agg", zone_names=["f1"], windows_s=[(0, 3600)],
    ...                down_kw=np.array([[10.0]]), committed_kw=np.zeros((1, 1)),
    ...                provision=FlexProvision(share=0.5))
    >>> b[0]["id"], b[0]["p_kw"]
    ('agg-f1-0', 5.0)
    """
    offer = provision.share * np.asarray(down_kw, float) - np.asarray(committed_kw, float)
    bids = []
    for z, zone in enumerate(zone_names):
        for w, (t0, t1) in enumerate(windows_s):
            p = float(offer[z, w])
            if p <= 1e-9 or p < provision.min_bid_kw:
                continue
            bids.append(
                {
                    "id": f"{bidder}-{zone}-{int(t0)}",
                    "bidder": bidder,
                    "zone": str(zone),
                    "t_start_s": int(t0),
                    "t_end_s": int(t1),
                    "p_kw": p,
                    "price_eur_mwh": float(provision.price_eur_mwh),
                    "divisible": True,
                    "min_p_kw": float(min(provision.min_bid_kw, p)),
                    "direction": "down",
                }
            )
    return bids

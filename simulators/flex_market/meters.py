"""The market's own meters: the chargers' power per provider and zone, and the latched baseline.

The market settles a provider on what the chargers' meters show, not on numbers the
provider reports about itself. A :class:`MeterMap` says which zone and which provider
(the bidder name in its bids) each metered charger belongs to and sums per-charger power
per meter key ``"<provider>@<zone>"``. The baseline stays the provider's declaration: its
planned power per charger for the step that starts now, which :class:`BaselineLatch` keeps
until that step is metered, so nothing the provider sends later changes it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["BaselineLatch", "MeterMap", "MeterReading", "meter_key"]


def meter_key(provider: str, zone: str) -> str:
    """The meter key of a provider's chargers in one zone.

    >>> meter_key("Aggregator_0", "feeder_3")
    'Aggregator_0@feeder_3'
    """
    return f"{provider}@{zone}"


@dataclass(frozen=True, eq=False)  # __eq__ below: the generated one fails on its arrays
class MeterMap:
    """Zone and provider of each metered charger.

    Parameters
    ----------
    zones : sequence of str (Z,)
        Zone names (the market's ``zones``).
    zone_of_charger : array_like of int (n,)
        Zone index of each charger, -1 for a charger in no zone (not metered).
    provider_of_charger : str or sequence of str (n,)
        The provider (bidder name) of every charger, or of each; ``""``: none (not metered).

    Examples
    --------
    >>> m = MeterMap(["f1", "f2"], [0, 1, 1, -1], "agg")
    >>> m.per_key([1.0, 2.0, 4.0, 8.0])
    {'agg@f1': 1.0, 'agg@f2': 6.0}
    >>> m == MeterMap(("f1", "f2"), np.array([0, 1, 1, -1]), ["agg"] * 4)
    True
    """

    zones: Sequence[str]
    zone_of_charger: ArrayLike
    provider_of_charger: str | Sequence[str]
    keys: tuple[str, ...] = field(init=False)
    _index: NDArray[np.int64] = field(init=False, repr=False)
    #: the metered chargers (None: all) and their key slots, for the per-step sums
    _inkey: NDArray[np.bool_] | None = field(init=False, repr=False, compare=False)
    _index_in: NDArray[np.int64] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        zones = tuple(str(z) for z in self.zones)
        zone_of = np.asarray(self.zone_of_charger, dtype=np.int64).reshape(-1)
        n = zone_of.size
        if n and (zone_of.min() < -1 or zone_of.max() >= len(zones)):
            raise ValueError(
                f"zone_of_charger must hold indices into zones {list(zones)} or -1 (no zone), "
                f"got values in [{zone_of.min()}, {zone_of.max()}]"
            )
        raw = self.provider_of_charger
        providers = (raw,) * n if isinstance(raw, str) else tuple(str(p) for p in raw)
        if len(providers) != n:
            raise ValueError(
                f"provider_of_charger has {len(providers)} names for {n} chargers "
                "(zone_of_charger): give one provider name, or one per charger"
            )
        if any("@" in p for p in providers):
            raise ValueError(f"provider names may not contain '@' (meter keys): {set(providers)}")
        names = [p for p in dict.fromkeys(providers) if p]
        keys = tuple(meter_key(p, z) for p in names for z in zones)
        slot = {p: k * len(zones) for k, p in enumerate(names)}
        pairs = zip(providers, zone_of.tolist(), strict=True)
        index = np.array([slot[p] + z if p and z >= 0 else -1 for p, z in pairs], dtype=np.int64)
        object.__setattr__(self, "zones", zones)
        object.__setattr__(self, "zone_of_charger", zone_of)
        object.__setattr__(self, "provider_of_charger", providers)
        object.__setattr__(self, "keys", keys)
        object.__setattr__(self, "_index", index)
        inkey = index >= 0
        object.__setattr__(self, "_inkey", None if inkey.all() else inkey)
        object.__setattr__(self, "_index_in", index[inkey])

    def __eq__(self, other: object) -> bool:
        """The same zones, and the same zone and provider for every charger."""
        if not isinstance(other, MeterMap):
            return NotImplemented
        return (
            self.zones == other.zones
            and self.provider_of_charger == other.provider_of_charger
            and np.array_equal(self.zone_of_charger, other.zone_of_charger)
        )

    @cached_property  # the map is frozen: read twice a step, computed once
    def n_chargers(self) -> int:
        """Number of chargers n."""
        return int(self._index.size)

    def per_key(self, p_kw: ArrayLike) -> dict[str, float]:
        """Power per meter key [kW]: the sum over each provider's chargers in each zone.

        NaN counts as 0; every key is present (0.0 for a provider without chargers in a
        zone). The chargers are added in their order, as the provider's own per-zone sums.
        """
        values = np.asarray(p_kw, dtype=float).reshape(-1)
        if values.size != self.n_chargers:
            raise ValueError(f"{values.size} values for {self.n_chargers} metered chargers")
        return self._sums(values)

    def _sums(self, values: NDArray[np.float64]) -> dict[str, float]:
        """:meth:`per_key` of ``values``, float64 of shape (n,) already."""
        inkey = self._inkey
        w = values if inkey is None else values[inkey]
        sums = np.bincount(self._index_in, weights=w, minlength=len(self.keys)).tolist()
        # a NaN or an infinity among the metered values leaves its key's sum, and the sum
        # of the sums, non-finite; finite sums had nothing for nan_to_num to change (a
        # total that overflows only takes the second pass)
        if not math.isfinite(sum(sums)):
            w = np.nan_to_num(w, nan=0.0)
            sums = np.bincount(self._index_in, weights=w, minlength=len(self.keys)).tolist()
        return dict(zip(self.keys, sums, strict=True))


class MeterReading(Mapping[str, float]):
    """One reading of the chargers' power summed per meter key (:meth:`MeterMap.per_key`),
    summed when first looked up.

    The market looks its readings up only while an award is being metered; on the other
    steps (about half of a congested day's, every step of a quiet one) the sums are never
    needed. ``p_kw`` is the reading itself: the caller hands over an array (n,) of float64
    that nobody changes while the reading can still be looked up.
    """

    __slots__ = ("_map", "_p_kw", "_sums")

    def __init__(self, meters: MeterMap, p_kw: NDArray[np.float64]) -> None:
        self._map, self._p_kw = meters, p_kw
        self._sums: dict[str, float] | None = None

    def sums(self) -> dict[str, float]:
        """Power per meter key [kW], as :meth:`MeterMap.per_key` of the reading."""
        sums = self._sums
        if sums is None:
            sums = self._sums = self._map._sums(self._p_kw)
        return sums

    def __getitem__(self, key: str) -> float:
        return self.sums()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.sums())

    def __len__(self) -> int:
        return len(self._map.keys)  # every key is present: no sums needed

    def __contains__(self, key: object) -> bool:
        return key in self.sums()

    def get(self, key: str, default: float | None = None) -> float | None:  # type: ignore[override]
        """The sum of ``key``, else ``default``."""
        return self.sums().get(key, default)


class BaselineLatch:
    """Declared baselines, each held from the step it describes until that step is metered.

    Parameters
    ----------
    step_s : int
        Market step [s].
    meter_lag_steps : int
        Steps between a step and its meter reading (the market's ``meter_lag_steps``).

    Examples
    --------
    >>> latch = BaselineLatch(step_s=900, meter_lag_steps=1)
    >>> latch.declare(0, {"a@f1": 10.0})
    >>> latch.declare(900, {"a@f1": 99.0})  # for step 900, cannot change step 0
    >>> latch.due(900)
    {'a@f1': 10.0}
    """

    def __init__(self, *, step_s: int, meter_lag_steps: int) -> None:
        self.step_s = step_s
        self.lag_s = meter_lag_steps * step_s
        self._held: dict[int, Mapping[str, float]] = {}

    def declare(self, t: int, baseline_kw: Mapping[str, float]) -> None:
        """Latch the baseline declared at ``t`` for the step ``[t, t + step_s)``; a step's
        baseline is taken once, at its start.

        A :class:`MeterReading` is held as it is (its array is the caller's to keep
        unchanged), summed only if it is looked up when due; any other mapping is copied.
        """
        held = baseline_kw if type(baseline_kw) is MeterReading else dict(baseline_kw)
        self._held.setdefault(int(t), held)

    def due(self, t: int) -> Mapping[str, float]:
        """The baseline of the step metered at ``t`` (``t - meter_lag_steps * step_s``);
        empty when none was declared. Older declarations are dropped."""
        tau = int(t) - self.lag_s
        held = self._held
        out = held.pop(tau, {})
        if held and min(held) <= tau:  # rarely: a declaration that was never due
            self._held = {k: v for k, v in held.items() if k > tau}
        return out

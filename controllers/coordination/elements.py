"""Element-level headroom: each line's and transformer's own margin, split over its zones.

Every scheme spreads a zone's FCR increase over the zone's chargers pro rata to their
up-capacity. A zone that activates the fraction ``s_z`` of its up-capacity therefore loads
element ``e`` by ``Σ_z s_z·a_ez``, with ``a_ez`` the up-capacity of zone ``z``'s chargers
downstream of ``e``. Every element stays within its headroom ``H_e`` when, for each element
``e`` over the zone, ``s_z <= r_e = H_e / A_e`` with ``A_e = Σ_c∈e up_c`` the up-capacity
of all chargers behind ``e``. The zone's headroom is thus::

    h_z = up_z · min_e r_e

i.e. each element's headroom split across the zones behind it in proportion to the
up-capacity they have there. A zone with no baseline but free chargers gets its part (a
split by baseline gives it none and starves it), and a line that carries only part of a
zone limits the zone by the share of its chargers behind the line, not by the whole zone.
An element with no up-capacity behind it does not limit an increase while it has headroom;
once over its limit (``H_e < 0``) it gives each zone behind it ``H_e`` (red, no increase).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from controllers.dso.cover import ChargerCover
from controllers.dso.detection import element_loadings as loading_from_inputs
from controllers.dso.zone_map import ZoneMap

from .headroom import BackgroundForecast, ExAnteHeadroom, HeadroomMode, ProfileBackground

__all__ = [
    "ElementHeadroom",
    "ElementLimits",
    "element_headroom",
    "element_headroom_kw",
    "loading_from_inputs",
]

#: up-capacity behind an element below this [kW] counts as none
_EPS_KW = 1e-9


def element_headroom_kw(
    loading_pct: ArrayLike, rating_kva: ArrayLike, limit_pct: float
) -> NDArray[np.float64]:
    """Each element's margin to ``limit_pct`` [kW] (E,); an unknown loading (NaN): +inf.

    Loading is an apparent-power ratio: reading its margin as active power is exact at
    unity power factor.

    >>> element_headroom_kw([50.0, 90.0, np.nan], [100.0, 400.0, 10.0], 80.0).tolist()
    [30.0, -40.0, inf]
    """
    loading = np.asarray(loading_pct, dtype=float).reshape(-1)
    rating = np.asarray(rating_kva, dtype=float).reshape(-1)
    if loading.size != rating.size:
        raise ValueError(f"{loading.size} element loadings for {rating.size} element ratings")
    head = (float(limit_pct) - loading) / 100.0 * rating
    return np.where(np.isnan(head), np.inf, head)


@dataclass(frozen=True)
class ElementLimits:
    """The elements over a charger bank: which chargers they feed, ratings and the limit.

    Parameters
    ----------
    cover : ChargerCover
        Charger ``c`` is downstream of element ``e`` (E, C).
    zone_of_charger : array of int (C,)
        Zone of each charger (-1: none).
    n_zone : int
        Number of zones Z.
    rating_kva : array (E,)
        Element ratings [kVA].
    limit_pct : float
        The DSO's loading limit [%].

    Examples
    --------
    A transformer over two zones; zone 1 has no baseline but two free chargers:

    >>> lim = ElementLimits.build([[True, True, True]], [0, 1, 1], 2, [100.0], 80.0)
    >>> lim.zone_headroom_kw(np.array([30.0]), np.array([5.0, 5.0, 5.0])).tolist()
    [10.0, 20.0]
    """

    cover: ChargerCover
    zone_of_charger: NDArray[np.int64]
    n_zone: int
    rating_kva: NDArray[np.float64]
    limit_pct: float
    zone_map: ZoneMap = field(init=False, repr=False)

    def __post_init__(self) -> None:
        zc = np.asarray(self.zone_of_charger, dtype=np.int64).reshape(-1)
        rating = np.asarray(self.rating_kva, dtype=float).reshape(-1)
        e, c = self.cover.shape
        if zc.size != c:
            raise ValueError(f"zone_of_charger has {zc.size} chargers, the cover {c}")
        if rating.size != e:
            raise ValueError(f"element_rating_kva has {rating.size} values, the cover {e} rows")
        if not (np.isfinite(self.limit_pct) and self.limit_pct > 0):
            raise ValueError(f"loading_limit_pct={self.limit_pct} must be > 0 %")
        set_ = object.__setattr__
        set_(self, "zone_of_charger", zc)
        set_(self, "rating_kva", rating)
        set_(self, "zone_map", ZoneMap.build(self.cover, zc, int(self.n_zone)))

    @classmethod
    def build(
        cls,
        mask: ArrayLike | sp.sparray,
        zone_of_charger: ArrayLike,
        n_zone: int,
        rating_kva: ArrayLike,
        limit_pct: float,
    ) -> ElementLimits:
        """From a dense or sparse (E, C) downstream mask."""
        return cls(
            ChargerCover.from_mask(mask),
            np.asarray(zone_of_charger, dtype=np.int64),
            int(n_zone),
            np.asarray(rating_kva, dtype=float),
            float(limit_pct),
        )

    @classmethod
    def from_lists(
        cls,
        element_chargers: list[list[int]],
        zone_of_charger: ArrayLike,
        n_zone: int,
        rating_kva: ArrayLike,
        limit_pct: float,
    ) -> ElementLimits:
        """From the charger indices downstream of each element (as mosaik params carry it)."""
        zc = np.asarray(zone_of_charger, dtype=np.int64).reshape(-1)
        rows = np.repeat(np.arange(len(element_chargers)), [len(x) for x in element_chargers])
        cols = np.asarray([c for x in element_chargers for c in x], dtype=np.int64)
        if cols.size and (cols.min() < 0 or cols.max() >= zc.size):
            raise ValueError(f"element_chargers must index chargers 0..{zc.size - 1}")
        mask = sp.csr_array(
            (np.ones(cols.size, dtype=bool), (rows, cols)),
            shape=(len(element_chargers), zc.size),
        )
        return cls.build(mask, zc, n_zone, rating_kva, limit_pct)

    @property
    def n_element(self) -> int:
        """Number of elements E."""
        return int(self.rating_kva.size)

    def per_element(self, per_charger: ArrayLike) -> NDArray[np.float64]:
        """Sum of a per-charger quantity over the chargers behind each element (E,)."""
        return self.cover.row_sums(per_charger)

    def headroom_kw(self, loading_pct: ArrayLike) -> NDArray[np.float64]:
        """Each element's margin to the limit from its loading [kW] (E,)."""
        return element_headroom_kw(loading_pct, self.rating_kva, self.limit_pct)

    def zone_headroom_kw(
        self, head_e_kw: NDArray[np.float64], up_kw: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """Each zone's headroom from the elements' own headroom (see the module) [kW] (Z,).

        ``up_kw`` is each charger's available increase (C,). Zones behind no element: +inf.
        """
        return self.zone_headrooms_kw((head_e_kw,), up_kw)[0]

    def zone_headrooms_kw(
        self, heads_e_kw: tuple[NDArray[np.float64], ...], up_kw: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], ...]:
        """:meth:`zone_headroom_kw` of several element headrooms over the same ``up_kw``."""
        up = np.clip(np.asarray(up_kw, dtype=float).reshape(-1), 0.0, None)
        load = self.per_element(up)
        some = load > _EPS_KW
        zm = self.zone_map
        inzone = self.zone_of_charger >= 0
        up_z = np.bincount(self.zone_of_charger[inzone], weights=up[inzone], minlength=self.n_zone)
        out = []
        for head_e_kw in heads_e_kw:
            head = np.asarray(head_e_kw, dtype=float).reshape(-1)
            ratio = np.where(some, head / np.where(some, load, 1.0), np.inf)
            scale = zm.zone_min(ratio[zm.rows], initial=np.inf)
            with np.errstate(invalid="ignore"):
                h = np.where(np.isinf(scale), np.inf, up_z * scale)
            # an element over its limit with no up-capacity behind it: its deficit, as is
            over = np.where(~some & (head < 0), head, np.inf)
            out.append(np.minimum(h, zm.zone_min(over[zm.rows], initial=np.inf)))
        return tuple(out)


class ElementHeadroom:
    """Per step: the zone headroom a scheme acts on, and the true one, from element loadings.

    The ex-ante correction of :mod:`controllers.coordination.headroom` is applied to each
    element (its EV part is the fleet behind the element, its background part the
    ``background`` series per element) before the split over zones.

    Parameters
    ----------
    limits : ElementLimits
        Elements, ratings and the DSO's limit.
    exante : ExAnteHeadroom
        Mode, lag and the background load behind each element (series (T, E)).
    delay_steps : int
        Steps the loadings are held before use, on top of the one-step-late link from the
        grid (the DSO's extra measurement delay, so both see the same measurement).
    """

    def __init__(
        self, limits: ElementLimits, exante: ExAnteHeadroom, *, delay_steps: int = 0
    ) -> None:
        bg = exante.background
        if bg is not None and bg.n_zone != limits.n_element:
            raise ValueError(
                f"element_background_kw has {bg.n_zone} columns for {limits.n_element} elements"
            )
        self.limits = limits
        self.exante = exante
        self._held: deque[NDArray[np.float64]] = deque(maxlen=int(delay_steps) + 1)

    def zone_headroom_kw(
        self,
        time_s: int,
        loading_pct: NDArray[np.float64],
        p_base_kw: NDArray[np.float64],
        p_up_kw: NDArray[np.float64],
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """``(seen, true)`` zone headroom [kW] (Z,) from the measured element loadings (E,)."""
        lim = self.limits
        self._held.append(np.asarray(loading_pct, dtype=float))
        known = len(self._held) == self._held.maxlen
        measured = lim.headroom_kw(self._held[0] if known else np.full(lim.n_element, np.nan))
        seen_e, true_e = self.exante.headroom_kw(time_s, measured, lim.per_element(p_base_kw))
        seen, true = lim.zone_headrooms_kw((seen_e, true_e), p_up_kw)
        return seen, true

    def remember(self, time_s: int, p_kw: NDArray[np.float64]) -> None:
        """The fleet's consumption per charger in step ``time_s`` (what will be measured)."""
        self.exante.remember(time_s, self.limits.per_element(p_kw))


def element_headroom(
    mode: HeadroomMode,
    *,
    element_chargers: Sequence[Sequence[int]] | None,
    element_rating_kva: Sequence[float] | None,
    loading_limit_pct: float,
    element_background_kw: Sequence[Sequence[float]] | None,
    element_background: dict[str, Any] | None = None,
    zone_of_charger: NDArray[np.int64],
    n_zone: int,
    error_pct: float,
    seed: int,
    lag_steps: int,
    step_s: int,
) -> ElementHeadroom | None:
    """The coordinator's element-level headroom from its params; None without elements."""
    if element_chargers is None:
        return None
    if element_rating_kva is None:
        raise ValueError("element_chargers needs element_rating_kva (one per element)")
    limits = ElementLimits.from_lists(
        [list(x) for x in element_chargers],
        zone_of_charger,
        n_zone,
        element_rating_kva,
        loading_limit_pct,
    )
    background: BackgroundForecast | ProfileBackground | None = None
    if element_background is not None:
        background = ProfileBackground(element_background, step_s, error_pct=error_pct, seed=seed)
    elif element_background_kw is not None:
        arr = np.asarray(element_background_kw, dtype=float)
        background = BackgroundForecast(
            arr.reshape(arr.shape[0], -1), step_s, error_pct=error_pct, seed=seed
        )
    elif mode is not HeadroomMode.MEASURED:
        raise ValueError(
            f"headroom_mode={mode.value!r} with element limits needs element_background_kw "
            "(T, E) or element_background (parts); pass one or use headroom_mode='measured'"
        )
    exante = ExAnteHeadroom(mode, background, lag_steps=lag_steps, step_s=step_s)
    return ElementHeadroom(limits, exante, delay_steps=lag_steps - 1)

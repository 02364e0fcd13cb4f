"""Where the fleet's EVs charge, and the fleet's segment specs, from the ``[fleet]`` section.

Home-based EVs charge at household buses (:func:`place_evs`); workplace, depot and public
chargers sit at LV buses without households (:func:`place_away`). :func:`fleet_segments`
gives the ``Fleet`` entity's segment specs, home segments first, in the order of the buses
:func:`charger_buses` returns. The grid is read from its Area's ``extra_info``
(``bus_id``, ``bus_vn_kv``, ``household_bus_id``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from simulators.ev_fleet.config import FleetConfig

__all__ = ["charger_buses", "fleet_segments", "place_away", "place_evs"]

#: the segments whose EVs charge at household buses, first in every spec list
HOME_SEGMENTS = ("home_commuter", "non_commuter")


def place_evs(
    household_bus: NDArray[np.int64], evs_per_household: float, rng: np.random.Generator
) -> NDArray[np.int64]:
    """Home bus of every EV: ``round(rate × households)`` EVs spread over households.

    Each household gets ``floor(rate)`` EVs, and a random share of households one more, so
    a rate of 0.5 puts one EV at half the households and 1.5 two EVs at half of them.

    >>> place_evs(np.array([3, 5, 7, 9]), 0.5, np.random.default_rng(0)).size
    2
    """
    n_house = household_bus.size
    whole = int(np.floor(evs_per_household))
    extra = round((evs_per_household - whole) * n_house)
    chosen = rng.choice(n_house, size=extra, replace=False)
    homes = np.concatenate([np.repeat(household_bus, whole), household_bus[np.sort(chosen)]])
    return homes.astype(np.int64)


def place_away(grid_info: Mapping[str, Any], n: int, rng: np.random.Generator) -> NDArray[np.int64]:
    """Buses of ``n`` workplace, depot and public chargers: LV buses without households.

    SimBench LV grids have few commercial loads, so every LV bus that feeds no household
    (cable cabinets, commercial connections) is a candidate; the chargers are drawn at random
    without replacement from ``ceil(n / candidates)`` copies of the candidates, so no bus
    gets more than that many (when ``n`` is not a multiple, some candidates may get one
    fewer than others, or none). Falls back to household buses when the grid has no other
    LV bus.

    >>> info = {"bus_id": [1, 2, 3], "bus_vn_kv": [20.0, 0.4, 0.4], "household_bus_id": [3]}
    >>> place_away(info, 2, np.random.default_rng(0)).tolist()
    [2, 2]
    """
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    bus = np.asarray(grid_info["bus_id"], dtype=np.int64)
    lv = bus[np.asarray(grid_info["bus_vn_kv"], dtype=float) < 1.0]
    households = np.asarray(grid_info["household_bus_id"], dtype=np.int64)
    cand = np.setdiff1d(lv, households)
    if cand.size == 0:
        cand = np.unique(households)
    reps = -(-n // cand.size)
    return rng.permutation(np.tile(cand, reps))[:n].astype(np.int64)


def fleet_segments(fleet: FleetConfig, *, n_home: int) -> tuple[list[dict[str, Any]], int]:
    """Segment specs for the fleet simulator (home segments first) and the public chargers.

    The first two specs are always ``home_commuter`` and ``non_commuter`` (``n_ev`` may be
    0): their EVs charge at household buses, in the order of :func:`place_evs`. Each spec
    is ``kind``, ``n_ev`` and :meth:`FleetConfig.segment_params` of its kind.
    """
    n_non = round(fleet.non_commuter_share * n_home)
    counts = {
        "home_commuter": n_home - n_non,
        "non_commuter": n_non,
        "workplace": fleet.workplace_evs,
        "company_fleet": fleet.company_evs,
    }
    specs = [
        {"kind": kind, "n_ev": int(n), **fleet.segment_params(kind)} for kind, n in counts.items()
    ]
    return specs, int(fleet.public_chargers)


def charger_buses(
    fleet: FleetConfig, grid_info: Mapping[str, Any], rng: np.random.Generator
) -> tuple[NDArray[np.int64], list[dict[str, Any]], int]:
    """Every charger's bus (homes first, then workplace, depot and public chargers), the
    fleet's segment specs (:func:`fleet_segments`) and the number of public chargers.

    ``grid_info`` is the grid Area's ``extra_info``; ``rng`` draws the homes, then the
    other buses.
    """
    households = np.asarray(grid_info["household_bus_id"], dtype=np.int64)
    homes = place_evs(households, fleet.evs_per_household, rng)
    segments, n_public = fleet_segments(fleet, n_home=homes.size)
    n_away = sum(s["n_ev"] for s in segments[len(HOME_SEGMENTS) :]) + n_public
    away = place_away(grid_info, n_away, rng)
    return np.concatenate([homes, away]).astype(np.int64), segments, n_public

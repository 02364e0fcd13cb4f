"""mosaik adapter of the home energy manager: one ``Homes`` entity per set of home buses."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import mosaik_api_v3
import numpy as np
from numpy.typing import NDArray

from cosim.errors import ModelError
from cosim.ports import Port
from cosim.seeding import generator
from cosim.timebase import check_time_base, parse_start
from cosim.wire import outputs_from_states

from .model import HomeEnergyModel, HomeParams, HomeState
from .solar import SolarSite

__all__ = ["INPUT_PORTS", "META", "OUTPUT_PORTS", "HomeEnergySim"]

#: what the homes accept: load at buses (summed over sources and over elements per bus)
INPUT_PORTS: tuple[Port, ...] = (
    Port("p_load_kw", "kW", "Load at a home's bus that PV and battery serve (consumer sign)."),
    Port("load_bus_id", "1", "Bus id of each element of p_load_kw (same order)."),
)
#: what the homes send, one value per home (in the order of extra_info bus_id)
OUTPUT_PORTS: tuple[Port, ...] = (
    Port("p_kw", "kW", "Net draw of PV and battery from the grid (consumer sign)."),
    Port("bus_id", "1", "Bus id of each home (aligned with the array outputs)."),
    Port("p_pv_kw", "kW", "PV generation, >= 0."),
    Port("p_batt_kw", "kW", "Battery power, > 0 charging."),
    Port("soc", "1", "Battery state of charge (0 without battery)."),
    Port("e_pv_kwh", "kWh", "PV energy since the start."),
    Port("e_self_kwh", "kWh", "PV energy used at home (by the load or the battery)."),
)
_OUTPUTS = tuple(p.name for p in OUTPUT_PORTS if p.name != "bus_id")

META: dict[str, Any] = {
    "api_version": "3.0",
    "type": "time-based",
    "models": {
        "Homes": {
            "public": True,
            "params": ["bus_id", "pv_kwp", "batt_kwh", "batt_kw", "eta", "soc_min", "soc_init"],
            "attrs": [p.name for p in (*INPUT_PORTS, *OUTPUT_PORTS)],
        },
    },
}


def _per_home(value: float | list[float], n: int, name: str) -> NDArray[np.float64]:
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return np.full(n, float(arr))
    if arr.shape != (n,):
        raise ValueError(f"{name} has {arr.size} values for {n} homes: give one or one per home")
    return arr


def fold_load(
    attrs: Mapping[str, Mapping[str, Any]], home_bus: NDArray[np.int64]
) -> NDArray[np.float64]:
    """Load [kW] at each home bus: every source's ``p_load_kw`` summed by its ``load_bus_id``.

    Elements at buses without a home are left out.
    """
    load = np.zeros(home_bus.size)
    buses = attrs.get("load_bus_id", {})
    order = np.argsort(home_bus, kind="stable")
    sorted_bus = home_bus[order]
    for src, p in attrs.get("p_load_kw", {}).items():
        p_kw = np.atleast_1d(np.asarray(p, dtype=float))
        if src not in buses:
            raise ModelError(f"{src} sends p_load_kw without load_bus_id: connect both")
        bus = np.atleast_1d(np.asarray(buses[src], dtype=np.int64))
        if bus.shape != p_kw.shape:
            raise ModelError(f"{src}: {p_kw.size} loads but {bus.size} bus ids")
        pos = np.minimum(np.searchsorted(sorted_bus, bus), max(sorted_bus.size - 1, 0))
        at_home = sorted_bus[pos] == bus if sorted_bus.size else np.zeros(bus.size, bool)
        np.add.at(load, order[pos[at_home]], np.nan_to_num(p_kw[at_home]))
    return load


class HomeEnergySim(mosaik_api_v3.Simulator):
    """mosaik simulator of rooftop PV with self-consumption batteries (model ``Homes``).

    ``init``: ``step_s``, ``start`` (ISO 8601 with offset), ``seed`` (the daily weather) and
    the :class:`~simulators.home_energy.solar.SolarSite` fields. ``create(1, "Homes",
    bus_id=[...], pv_kwp=..., batt_kwh=..., batt_kw=...)``: ratings scalar or one per home.

    Parameters
    ----------
    json_safe : bool
        Convert numpy outputs to plain lists (needed when started over ``cmd``).
    """

    def __init__(self, *, json_safe: bool = False) -> None:
        super().__init__(copy.deepcopy(META))
        self.json_safe = json_safe
        self.step_s = 900
        self._start = parse_start("2016-01-01T00:00:00+01:00")
        self._seed: list[int] | int = 0
        self._site = SolarSite()
        self._models: dict[str, HomeEnergyModel] = {}
        self._buses: dict[str, NDArray[np.int64]] = {}
        self._states: dict[str, HomeState] = {}

    def init(  # type: ignore[override]  # explicit keywords instead of **sim_params
        self,
        sid: str,
        time_resolution: float = 1.0,
        *,
        step_s: int = 900,
        step_size: int | None = None,
        start: str = "2016-01-01T00:00:00+01:00",
        seed: list[int] | int | None = None,
        **site: float,
    ) -> dict[str, Any]:
        """Set the step [s], the start, the weather seed and the site."""
        self.step_s = check_time_base("home_energy", time_resolution, step_s, step_size=step_size)
        self._start = parse_start(start)
        self._seed = 0 if seed is None else seed
        try:
            self._site = SolarSite(**site)
        except TypeError as err:
            raise ValueError(
                f"home_energy: {err}; site fields: {list(SolarSite.__annotations__)}"
            ) from None
        return dict(self.meta)

    def create(  # type: ignore[override]  # explicit keywords instead of **model_params
        self,
        num: int,
        model: str,
        *,
        bus_id: list[int],
        pv_kwp: float | list[float] = 5.0,
        batt_kwh: float | list[float] = 8.0,
        batt_kw: float | list[float] = 4.0,
        eta: float = 0.95,
        soc_min: float = 0.05,
        soc_init: float = 0.5,
    ) -> list[dict[str, Any]]:
        """Create ``num`` sets of homes, one home per entry of ``bus_id``."""
        if model != "Homes":
            raise ValueError(f"unknown model {model!r}; home_energy offers 'Homes'")
        buses = np.asarray(bus_id, dtype=np.int64).ravel()
        n = buses.size
        params = HomeParams(
            pv_kwp=_per_home(pv_kwp, n, "pv_kwp"),
            batt_kwh=_per_home(batt_kwh, n, "batt_kwh"),
            batt_kw=_per_home(batt_kw, n, "batt_kw"),
            eta=float(eta),
            soc_min=float(soc_min),
            soc_init=float(soc_init),
        )
        created = []
        for _ in range(num):
            eid = f"Homes_{len(self._models)}"
            rng = generator(self._seed)  # every set of homes sees the same weather
            self._models[eid] = HomeEnergyModel(
                params, site=self._site, start=self._start, step_s=self.step_s, rng=rng
            )
            self._buses[eid] = buses
            info = {"bus_id": buses.tolist(), "pv_kwp": params.pv_kwp.tolist()}
            created.append({"eid": eid, "type": "Homes", "extra_info": info})
        return created

    def step(self, time: int, inputs: dict[str, Any], max_advance: int = 0) -> int:
        """Serve each home's load from PV and battery for ``[time, time + step_s)``."""
        for eid, model in self._models.items():
            load = fold_load(inputs.get(eid, {}), self._buses[eid])
            self._states[eid] = model.step(time, load)
        return time + self.step_s

    def get_data(self, outputs: dict[str, list[str]]) -> dict[str, Any]:
        """The last step of each requested set of homes (``bus_id``: their buses)."""
        rest = {eid: [a for a in attrs if a != "bus_id"] for eid, attrs in outputs.items()}
        data = outputs_from_states(rest, self._states, _OUTPUTS, json_safe=self.json_safe)
        for eid, attrs in outputs.items():
            if "bus_id" in attrs:
                buses = self._buses[eid]
                data[eid]["bus_id"] = buses.tolist() if self.json_safe else buses
        return data

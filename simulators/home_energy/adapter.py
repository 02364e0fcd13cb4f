"""mosaik adapter of the home energy manager: one ``Homes`` entity per set of home buses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from mosaik_api_v3.types import CreateResult
from numpy.typing import NDArray

from cosim.adapter_base import AdapterBase, ModelPorts, build_meta
from cosim.errors import ModelError
from cosim.ports import declare
from cosim.ports_types import Combine, Dim, Port
from cosim.seeding import generator

from .model import HomeEnergyModel, HomeParams, HomeState
from .solar import SolarSite

__all__ = [
    "INPUT_PORTS",
    "META",
    "MODEL_HOMES",
    "OUTPUT_PORTS",
    "PORTS",
    "HomeEnergySim",
]

#: mosaik model names (``world.start(...).<name>``, the ``type`` of created entities)
MODEL_HOMES = "Homes"

_EACH, _SUM = Combine.EACH, Combine.SUM
#: what the homes accept: load at buses (summed over sources and over elements per bus)
INPUT_PORTS: tuple[Port, ...] = declare(
    Port(
        "p_load_kw",
        "kW",
        Dim.ELEMENT,
        _EACH,
        0.0,
        "Load at a home's bus that PV and battery serve (consumer sign).",
    ),
    Port("load_bus_id", "1", Dim.ELEMENT, _EACH, None, "Bus id of each element of p_load_kw."),
)
#: what the homes send, one value per home (in the order of extra_info bus_id); p_kw,
#: bus_id, p_batt_kw and soc are the catalogue's ports
OUTPUT_PORTS: tuple[Port, ...] = declare(
    Port("p_pv_kw", "kW", Dim.HOME, _SUM, 0.0, "PV generation, >= 0."),
    Port("e_pv_kwh", "kWh", Dim.HOME, _SUM, 0.0, "PV energy since the start."),
    Port("e_self_kwh", "kWh", Dim.HOME, _SUM, 0.0, "PV energy used at home (load or battery)."),
)
PORTS = {
    MODEL_HOMES: ModelPorts(
        inputs=tuple(p.name for p in INPUT_PORTS),
        outputs=("p_kw", "bus_id", "p_pv_kw", "p_batt_kw", "soc", "e_pv_kwh", "e_self_kwh"),
        params=("bus_id", "pv_kwp", "batt_kwh", "batt_kw", "eta", "soc_min", "soc_init"),
    ),
}
META = build_meta(PORTS)


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


class HomeEnergySim(AdapterBase):
    """mosaik simulator of rooftop PV with self-consumption batteries (model ``Homes``).

    ``init``: ``step_s``, ``start`` (ISO 8601 with offset), ``seed`` (the daily weather) and
    the :class:`~simulators.home_energy.solar.SolarSite` fields. ``create(1, "Homes",
    bus_id=[...], pv_kwp=..., batt_kwh=..., batt_kw=...)``: ratings scalar or one per home.
    """

    NAME = "home_energy"
    PORTS = PORTS
    META = META
    DEFAULT_START = "2016-01-01T00:00:00+01:00"

    def setup(self, **site: Any) -> None:
        """The site's location and PV orientation."""
        try:
            self._site = SolarSite(**site)
        except TypeError as err:
            raise ValueError(
                f"home_energy: {err}; site fields: {list(SolarSite.__annotations__)}"
            ) from None
        self._buses: dict[str, NDArray[np.int64]] = {}

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
    ) -> list[CreateResult]:
        """Create ``num`` sets of homes, one home per entry of ``bus_id``."""
        self.check_model(model)
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
        created: list[CreateResult] = []
        for _ in range(num):
            rng = generator(self.seed)  # every set of homes sees the same weather
            assert self.start is not None
            homes = HomeEnergyModel(
                params, site=self._site, start=self.start, step_s=self.step_s, rng=rng
            )
            info = {"bus_id": buses.tolist(), "pv_kwp": params.pv_kwp.tolist()}
            created.append(self.add_entity(MODEL_HOMES, homes, extra_info=info))
            self._buses[created[-1]["eid"]] = buses
        return created

    def step(self, time: int, inputs: dict[str, Any], max_advance: int = 0) -> int:
        """Serve each home's load from PV and battery for ``[time, time + step_s)``."""
        for eid, model in self.models.items():
            load = fold_load(inputs.get(eid, {}), self._buses[eid])
            self.states[eid] = model.step(time, load)
        return time + self.step_s

    def output(self, eid: str, attr: str, state: HomeState) -> Any:
        """The last step of the homes; ``bus_id``: their buses."""
        return self._buses[eid] if attr == "bus_id" else getattr(state, attr)

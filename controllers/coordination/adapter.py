"""mosaik adapter of the DSO–TSO coordinator: one ``Coordinator`` entity per charger bank."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from mosaik_api_v3.types import CreateResult
from numpy.typing import NDArray

from controllers.coordination.choices import MODEL_COORDINATOR
from cosim.adapter_base import AdapterBase
from cosim.fold import fold_total

from . import step_kernels
from .conflicts import ConflictKind, events_table
from .elements import ElementHeadroom, element_headroom, loading_from_inputs
from .entity import CoordinatorEntity, output_reader, outputs_dict
from .headroom import BackgroundForecast, ExAnteHeadroom, HeadroomMode, red_zones
from .observation import CoordinationObservation, per_charger, zone_sum
from .params import ZoneLayout, check_prices
from .params import headroom_mode as check_headroom_mode
from .ports import META, PORTS
from .quiet import quiet_light_step
from .schemes import Scheme, resolve, scheme_from_name

__all__ = ["META", "MODEL_COORDINATOR", "PORTS", "CoordinatorSim"]

log = logging.getLogger(__name__)


def _no_congestion(n: int) -> NDArray[np.bool_]:
    """The congestion mask of an unconnected ``congested_mask`` input: no charger red."""
    return np.zeros(n, dtype=bool)


def _unconstrained(n: int) -> NDArray[np.float64]:
    """The headroom of an unconnected ``headroom_kw`` input: every zone unconstrained."""
    return np.full(n, np.inf)


class CoordinatorSim(AdapterBase):
    """mosaik simulator of DSO–TSO coordination (model ``Coordinator``).

    Each step it builds a :class:`CoordinationObservation` from its inputs (missing inputs:
    zero baseline, availability, band and requests; no congestion; unconstrained zones),
    resolves it with the entity's scheme and outputs the adjustment per charger
    (``p_adj_kw``; ``p_set_kw = p_base_kw + p_adj_kw`` for the EVSE), the served and blocked
    amounts, this step's conflicts and the cumulative counts by kind. ``events()`` returns
    the conflict table of every entity for the recorder's ``add_table``.

    Parameters
    ----------
    json_safe : bool
        Convert numpy outputs to plain lists/numbers (needed when started over ``cmd``).
    """

    NAME = "coordination"
    PORTS = PORTS
    META = META

    def __init__(self, *, json_safe: bool = False) -> None:
        super().__init__(json_safe=json_safe)
        #: per entity, the array inputs its step reads (:meth:`_reads`, fixed with its
        #: zones and chargers)
        self._array_inputs: dict[str, tuple[tuple[str, int, Callable[[int], Any]], ...]] = {}

    @property
    def error_seed(self) -> int:
        """Seed of the headroom forecast errors: the first of the ``init`` seed."""
        seeds = [self.seed] if isinstance(self.seed, int) else list(self.seed)
        return int(seeds[0]) if seeds else 0

    def create(  # type: ignore[override]  # explicit keyword-only parameters
        self,
        num: int,
        model: str,
        *,
        zone_of_charger: Sequence[int],
        scheme: str = "tso_first",
        zone_names: Sequence[str] | None = None,
        charger_ids: Sequence[Any] | None = None,
        headroom_mode: str = "measured",
        headroom_error_pct: float = 0.0,
        headroom_lag_steps: int = 1,
        background_kw: Sequence[Sequence[float]] | None = None,
        element_chargers: Sequence[Sequence[int]] | None = None,
        element_rating_kva: Sequence[float] | None = None,
        loading_limit_pct: float = 100.0,
        element_background_kw: Sequence[Sequence[float]] | None = None,
        element_background: dict[str, Any] | None = None,
        **prices: float,
    ) -> list[CreateResult]:
        """Create ``num`` coordinators over one charger bank.

        ``zone_of_charger`` gives each charger's zone index (-1: none); the number of zones
        is ``len(zone_names)`` or ``max(zone_of_charger) + 1``. ``prices`` are the
        common-market prices (:data:`~controllers.coordination.params.PRICE_PARAMS`,
        EUR/MWh). ``headroom_mode`` says which headroom the scheme acts on (``measured``,
        ``forecast``, ``perfect``); the latter two need ``background_kw`` (T, Z), with which
        conflicts are judged on the true headroom in every mode. With ``element_chargers``
        and ``element_rating_kva`` the zone headroom comes from each element's own loading
        (inputs ``line_loading_pct``, ``trafo_loading_pct``) against ``loading_limit_pct``,
        corrected ex ante with ``element_background_kw`` (T, E) or ``element_background``
        (the parts each row is summed from, for long runs on large grids); ``background_kw``
        is not read then.
        """
        self.check_model(model)
        price = check_prices(prices)
        layout = ZoneLayout.of(zone_of_charger, zone_names=zone_names, charger_ids=charger_ids)
        sch = scheme_from_name(scheme)
        mode = check_headroom_mode(headroom_mode)
        by_element = element_chargers is not None
        background = (
            None
            if background_kw is None or by_element
            else self._background_forecast(
                background_kw, n_zone=layout.n_zone, error_pct=headroom_error_pct
            )
        )
        head = {"lag_steps": int(headroom_lag_steps), "step_s": self.step_s}
        created: list[CreateResult] = []
        for _ in range(num):
            exante = None if by_element else ExAnteHeadroom(mode, background, **head)
            elements = element_headroom(
                mode,
                element_chargers=element_chargers,
                element_rating_kva=element_rating_kva,
                loading_limit_pct=float(loading_limit_pct),
                element_background_kw=element_background_kw,
                element_background=element_background,
                zone_of_charger=layout.zone_of_charger,
                n_zone=layout.n_zone,
                error_pct=float(headroom_error_pct),
                seed=self.error_seed,
                lag_steps=int(headroom_lag_steps),
                step_s=self.step_s,
            )
            created.append(
                self._add_coordinator(
                    layout, sch, prices=price, mode=mode, exante=exante, elements=elements
                )
            )
        return created

    def _add_coordinator(
        self,
        layout: ZoneLayout,
        scheme: Scheme,
        *,
        prices: dict[str, float],
        mode: HeadroomMode,
        exante: ExAnteHeadroom | None,
        elements: ElementHeadroom | None,
    ) -> CreateResult:
        """One coordinator over the bank, added with its scheme, zones and conflict kinds."""
        entity = CoordinatorEntity(
            layout.zone_of_charger,
            layout.n_zone,
            scheme,
            prices,
            zone_names=layout.zone_names,
            charger_ids=layout.charger_ids,
            mode=mode,
            exante=exante,
            elements=elements,
        )
        info = {
            "scheme": scheme.value,
            "headroom_mode": mode.value,
            "zone_of_charger": layout.zone_of_charger.tolist(),
            "zone_names": layout.zone_names,
            "charger_ids": layout.charger_ids,
            "conflict_kinds": [k.value for k in ConflictKind],
        }
        created = self.add_entity(MODEL_COORDINATOR, entity, extra_info=info)
        self._array_inputs[created["eid"]] = self._reads(entity)
        return created

    def _background_forecast(
        self, background_kw: Sequence[Sequence[float]], *, n_zone: int, error_pct: float
    ) -> BackgroundForecast:
        """The background load forecast per zone (T, Z) [kW] that every entity shares."""
        return BackgroundForecast(
            np.asarray(background_kw, dtype=float).reshape(-1, n_zone),
            self.step_s,
            error_pct=float(error_pct),
            seed=self.error_seed,
        )

    def _input(
        self,
        eid: str,
        attrs: dict[str, Any],
        name: str,
        size: int,
        default: Callable[[int], Any] = np.zeros,
    ) -> Any:
        """Input ``name`` of ``size`` values folded as :meth:`fold` does; ``default(size)``
        when unconnected (built only then, not at every step)."""
        # one sender's array as sent (the fold's copy): the step only reads its inputs (no
        # kernel or numpy call here writes into one) and keeps none past the step
        value = self.read(eid, attrs, name, n=size)
        return default(size) if value is None else value

    @staticmethod
    def _reads(ent: CoordinatorEntity) -> tuple[tuple[str, int, Callable[[int], Any]], ...]:
        """The array inputs of ``ent``'s step: each name, the number of values it must have
        and the values of an unconnected one (built only then, not at every step)."""
        n, nz = ent.zone_of_charger.size, ent.n_zone
        return (
            ("p_base_kw", n, np.zeros),
            ("p_up_kw", n, np.zeros),
            ("p_down_kw", n, np.zeros),
            ("congested_mask", n, _no_congestion),
            ("headroom_kw", nz, _unconstrained),
            ("fcr_band_kw", n, np.zeros),
        )

    def _values(
        self, time: int, ent: CoordinatorEntity, attrs: dict[str, Any], eid: str
    ) -> dict[str, Any]:
        """This step's per-step fields of the observation, from the inputs."""
        sources = attrs.get("flex_activations")
        # most steps bring no activation (an empty list from the market): nothing to fold
        for value in sources.values() if sources else ():
            if type(value) is not list or value:
                ent.activations.add(self.fold(eid, attrs, "flex_activations") or [])
                break
        read = self.read
        values: dict[str, Any] = {"time_s": int(time)}
        for name, size, default in self._array_inputs[eid]:  # as _input, without its call
            value = read(eid, attrs, name, n=size)
            values[name] = default(size) if value is None else value
        values["fcr_req_kw"] = fold_total(attrs.get("fcr_p_req_kw")) or 0.0
        values["dso_req_kw"] = self._dso_request(time, ent, attrs, eid)
        if attrs.get("afrr_p_req_kw") or attrs.get("afrr_band_kw"):
            values["afrr_req_kw"] = fold_total(attrs.get("afrr_p_req_kw")) or 0.0
            values["afrr_band_kw"] = self._input(
                eid, attrs, "afrr_band_kw", ent.zone_of_charger.size
            )
        return values

    def _dso_request(
        self, time: int, ent: CoordinatorEntity, attrs: dict[str, Any], eid: str
    ) -> NDArray[np.float64]:
        """The DSO's request per zone: its input plus the market's activations kept."""
        book = ent.activations
        if attrs.get("dso_req_kw"):
            return self._input(eid, attrs, "dso_req_kw", ent.n_zone) + book.request_kw(time)
        if book.empty:  # unconnected, no activation kept (most steps): no request
            return ent.no_request
        # unconnected: zeros + the activations, the same values: request_kw adds them to a
        # new array of +0.0 (no -0.0 in it, which + 0.0 would have turned into +0.0)
        return book.request_kw(time)

    def step(self, time: int, inputs: dict[str, Any], max_advance: int = 0) -> int:
        """Resolve each coordinator's observation with its scheme and log the conflicts."""
        for eid, ent in self.models.items():
            attrs = inputs.get(eid, {})
            values = self._values(time, ent, attrs, eid)
            # a quiet traffic-light step is decided in one compiled call, or not at all
            if not (ent.quiet and quiet_light_step(ent, values)):
                obs = CoordinationObservation.of_step(ent.layout, **values)
                self._resolve(time, ent, attrs, eid, obs)
            self.states[eid] = ent
        return time + self.step_s

    def _resolve(
        self,
        time: int,
        ent: CoordinatorEntity,
        attrs: dict[str, Any],
        eid: str,
        obs: CoordinationObservation,
    ) -> None:
        """Correct the headroom, resolve ``obs`` with the entity's scheme, keep the
        setpoints and log the conflicts."""
        exante = ent.exante
        if ent.elements is not None:
            loading = loading_from_inputs(
                ent.elements.limits.n_element,
                self.fold(eid, attrs, "line_loading_pct"),
                self.fold(eid, attrs, "trafo_loading_pct"),
                eid,
            )
            seen, true = ent.elements.zone_headroom_kw(time, loading, obs.p_base_kw, obs.p_up_kw)
            obs = obs.evolve(headroom_kw=np.asarray(seen, dtype=float).reshape(-1))
        elif exante is not None:
            seen, true = exante.headroom_by_charger_kw(
                time, obs.headroom_kw, obs.p_base_kw, obs.zone_of_charger
            )
        else:
            seen = true = obs.headroom_kw
        if ent.mode is not HeadroomMode.MEASURED:
            red = per_charger(obs, red_zones(seen, zone_sum(obs, obs.p_up_kw))) > 0
            obs = obs.evolve(
                headroom_kw=np.asarray(seen, dtype=float).reshape(-1),
                congested_mask=obs.congested_mask | red,
            )
        dispatch = resolve(obs, ent.scheme, true_headroom_kw=true)
        if exante is not None:  # the setpoints and their zone sums, in one call
            p_now, p_now_z = step_kernels.setpoint(
                obs.p_base_kw, dispatch.p_adj_kw, obs.zone_of_charger, obs.n_zone
            )
            exante.remember(time, p_now_z)
        else:
            p_now = obs.p_base_kw + dispatch.p_adj_kw
        if ent.elements is not None:
            ent.elements.remember(time, p_now)
        ent.p_set_kw = p_now  # the setpoint output: the baseline plus the adjustment
        ent.record(dispatch)

    def output(self, eid: str, attr: str, state: Any) -> Any:
        """Adjustments, served/blocked amounts and conflict counts of the last step."""
        return output_reader(attr)(state, state.dispatch)

    def _plan_for(self, outputs: dict[str, list[str]]) -> list[tuple[str, list[str], Any]]:
        """Each entity of ``outputs`` with its attributes and the builder of its dict of all
        of them (the reader of each attribute found once per request, not at every step's
        get_data)."""
        if self.json_safe:  # lists, by :meth:`output` and the wire conversion
            return super()._plan_for(outputs)
        return [(eid, list(attrs), outputs_dict(attrs)) for eid, attrs in outputs.items()]

    def events(self) -> dict[str, list[Any]]:
        """Every conflict so far as one table ``{column: [values]}`` for ``add_table``.

        Columns: ``entity, time_s, kind, zone, zone_name, mw, chargers`` (``chargers`` is a
        ``;``-separated string of charger labels).
        """
        table: dict[str, list[Any]] = {"entity": []}
        for eid, ent in self.models.items():
            part = events_table(ent.log, zone_names=ent.zone_names, charger_labels=ent.charger_ids)
            table["entity"].extend([eid] * len(ent.log))
            for key, values in part.items():
                table.setdefault(key, []).extend(values)
        if len(table) == 1:
            table.update(events_table([]))
        return table

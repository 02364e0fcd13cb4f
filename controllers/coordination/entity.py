"""One coordinator entity's set-up, last dispatch and conflict log (the adapter's state),
and how each output is read from it."""

from __future__ import annotations

from collections.abc import Callable
from keyword import iskeyword
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cosim.adapter_shortcuts import builds_dict

from .activations import ActivationBook
from .conflicts import Conflict, ConflictKind, count_by_kind
from .dispatch import Dispatch
from .elements import ElementHeadroom
from .headroom import ExAnteHeadroom, HeadroomMode
from .observation import CoordinationObservation
from .schemes import Scheme

__all__ = ["COUNT_ATTRS", "CoordinatorEntity", "output_reader", "outputs_dict"]

#: one output per conflict kind: how many of that kind the last step had
COUNT_ATTRS: tuple[str, ...] = tuple(f"n_{k.value}" for k in ConflictKind)


class CoordinatorEntity:
    """One coordinator's setup, last dispatch and conflict log."""

    def __init__(
        self,
        zone_of_charger: NDArray[np.int64],
        n_zone: int,
        scheme: Scheme,
        prices: dict[str, float],
        *,
        zone_names: list[str],
        charger_ids: list[Any],
        mode: HeadroomMode,
        exante: ExAnteHeadroom | None,
        elements: ElementHeadroom | None = None,
    ) -> None:
        self.mode = mode
        # the zone headroom's ex-ante correction; None with elements or without a background
        # (the measured headroom is the one acted on)
        self.exante = exante if exante is not None and exante.background is not None else None
        self.elements = elements
        # a traffic light acting on the measured headroom, corrected ex ante for its
        # conflicts: its quiet steps take one compiled call (controllers.coordination.quiet)
        self.quiet = (
            scheme is Scheme.TRAFFIC_LIGHT
            and mode is HeadroomMode.MEASURED
            and self.exante is not None
            and elements is None
        )
        self.zone_of_charger = zone_of_charger
        self.zone_names = zone_names
        self.charger_ids = charger_ids
        self.n_zone = n_zone
        self.scheme = scheme
        self.dispatch: Dispatch | None = None
        self.p_set_kw = np.zeros(zone_of_charger.size)  # of the last step
        self.log: list[Conflict] = []
        self.counts = count_by_kind([])
        self.activations = ActivationBook(zone_names)
        # the DSO request of a step without one: zeros made once (a step's observation and
        # its kernels only read its arrays). Writable like the requests the DSO sends: a
        # read-only array would give the lazily typed kernels that read the request
        # (quiet_light, values_ok, tso_aggravates) a second signature, compiled mid-run
        self.no_request = np.zeros(n_zone)
        n = zone_of_charger.size
        # zones and prices checked once here; each step checks only its values
        self.layout = CoordinationObservation(
            time_s=0,
            p_base_kw=np.zeros(n),
            p_up_kw=np.zeros(n),
            p_down_kw=np.zeros(n),
            fcr_req_kw=0.0,
            dso_req_kw=np.zeros(n_zone),
            zone_of_charger=zone_of_charger,
            congested_mask=np.zeros(n, dtype=bool),
            headroom_kw=np.full(n_zone, np.inf),
            fcr_band_kw=np.zeros(n),
            **prices,  # type: ignore[arg-type]  # the four prices, checked here
        )

    def record(self, dispatch: Dispatch) -> None:
        """Keep the step's dispatch and log its conflicts."""
        self.dispatch = dispatch
        if dispatch.conflicts:
            self.log.extend(dispatch.conflicts)
            for kind, count in count_by_kind(dispatch.conflicts).items():
                self.counts[kind] += count


Reader = Callable[[CoordinatorEntity, Any], Any]


def _p_set_kw(state: CoordinatorEntity, d: Any) -> Any:
    return state.p_set_kw


def _n_conflicts(state: CoordinatorEntity, d: Any) -> int:
    return len(d.conflicts)


def _conflict_mw(state: CoordinatorEntity, d: Any) -> float:
    return float(sum(c.mw for c in d.conflicts))


def output_reader(attr: str) -> Reader:
    """How output ``attr`` is read from an entity and its last dispatch."""
    if attr == "p_set_kw":
        return _p_set_kw
    if attr == "n_conflicts":
        return _n_conflicts
    if attr == "conflict_mw":
        return _conflict_mw
    if attr in COUNT_ATTRS:
        kind = attr[2:]
        return lambda state, d: state.counts[kind]
    return lambda state, d: getattr(d, attr)


def outputs_dict(attrs: list[str]) -> Callable[[CoordinatorEntity], dict[str, Any]]:
    """The entity's dict ``{attr: value}`` of ``attrs`` (distinct names) of its last step,
    each read as :func:`output_reader` reads it: one generated dict display, as
    ``cosim.adapter_base`` builds a plain state's (no Python reader per attribute, no
    tuple zipped into a dict at every get_data)."""
    values = []
    for a in attrs:
        if a == "p_set_kw":
            values.append(f"{a!r}: state.p_set_kw")
        elif a == "n_conflicts":
            values.append(f"{a!r}: len(d.conflicts)")
        elif a == "conflict_mw":  # the empty sum: float(0)
            values.append(f"{a!r}: _conflict_mw(state, d) if d.conflicts else 0.0")
        elif a in COUNT_ATTRS:
            values.append(f"{a!r}: state.counts[{a[2:]!r}]")
        elif a.isidentifier() and not iskeyword(a):
            values.append(f"{a!r}: d.{a}")
        else:  # not a name of the dispatch's: its reader (getattr) raises as before
            values.append(f"{a!r}: getattr(d, {a!r})")
    source = f"def build(state):\n    d = state.dispatch\n    return {{{', '.join(values)}}}"
    namespace: dict[str, Any] = {"_conflict_mw": _conflict_mw}
    exec(source, namespace)
    build: Callable[[CoordinatorEntity], dict[str, Any]] = namespace["build"]
    return builds_dict(build)  # AdapterBase.get_data takes its dict as it is

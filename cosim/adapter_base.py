"""One base for the mosaik adapters: time base, entity ids, META, input folding, get_data.

A model declares its ports once (:class:`ModelPorts`: what it reads and writes, by
catalogue name); :func:`build_meta` turns that into a typed mosaik ``Meta`` and
:class:`AdapterBase` does the rest every adapter needs. An adapter writes ``create`` and
``step``::

    class MySim(AdapterBase):
        NAME = "my_sim"
        PORTS = {"Thing": ModelPorts(inputs=("p_kw",), outputs=("soc",), params=("size",))}
        META = build_meta(PORTS)

        def create(self, num, model, **params):
            return [self.add_entity("Thing", ThingModel(**params)) for _ in range(num)]

        def step(self, time, inputs, max_advance=0):
            for eid, thing in self.models.items():
                p_kw = self.fold(eid, inputs, "p_kw", n=thing.n)
                self.states[eid] = thing.step(time, p_kw)
            return time + self.step_s

``get_data`` then reads each output from the entity's last state object (one attribute
per port; override :meth:`AdapterBase.output` for computed ones).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal, cast

import mosaik_api_v3
import numpy as np
from mosaik_api_v3.types import CreateResult, Meta, ModelDescription

from cosim.adapter_shortcuts import AS_SENT, dict_builder, is_dict_builder
from cosim.errors import ModelError
from cosim.fold import fold, fold_one
from cosim.ports import port
from cosim.ports_types import Combine
from cosim.timebase import check_time_base, parse_start
from cosim.wire import to_wire

__all__ = [
    "INPUTS_KEY",
    "OMIT",
    "OUTPUTS_KEY",
    "AdapterBase",
    "ModelPorts",
    "build_meta",
]

#: META model keys listing the model's inputs and outputs (mosaik ignores them; attrs holds
#: both; :func:`cosim.link.link` reads them)
INPUTS_KEY = "inputs"
OUTPUTS_KEY = "outputs"
#: returned by :meth:`AdapterBase.output` for an output that has no value this step
OMIT = object()
#: :meth:`AdapterBase.read`'s answer for rule ONE: any one sender's value as sent
_ANY_VALUE = object()


@dataclass(frozen=True)
class ModelPorts:
    """The ports of one model: direction, per-model combine rules and mosaik flags.

    Parameters
    ----------
    inputs, outputs : tuple of str
        Catalogue port names the model reads / writes (a port may be both).
    params : tuple of str
        ``create`` parameters.
    combine : mapping
        This model's own rule for an input, when it differs from the catalogue's.
    senders : mapping
        What sends an input (``"fleet"``, ``"grid Area"``), for error messages.
    trigger, non_persistent : tuple of str
        mosaik's trigger inputs and non-persistent outputs.
    public : bool
        Whether scenarios may create the model (children are not public).
    """

    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    combine: Mapping[str, Combine] = field(default_factory=dict)
    senders: Mapping[str, str] = field(default_factory=dict)
    trigger: tuple[str, ...] = ()
    non_persistent: tuple[str, ...] = ()
    public: bool = True

    def __post_init__(self) -> None:
        for name in (*self.inputs, *self.outputs):
            port(name)  # unknown names fail here, at import
        for name in (*self.combine, *self.senders, *self.trigger):
            if name not in self.inputs:
                raise ValueError(f"{name!r} is not an input of this model: {self.inputs}")

    def combine_of(self, name: str) -> Combine:
        """How the model combines several sources of input ``name``."""
        return self.combine.get(name, port(name).combine)


def build_meta(
    models: Mapping[str, ModelPorts],
    *,
    kind: Literal["time-based", "event-based", "hybrid"] = "time-based",
    extra_methods: Sequence[str] = (),
) -> Meta:
    """mosaik ``META`` of ``models``: attrs are the inputs then the outputs."""
    described: dict[str, ModelDescription] = {}
    for name, ports in models.items():
        desc: dict[str, Any] = {
            "public": ports.public,
            "params": list(ports.params),
            "attrs": list(dict.fromkeys((*ports.inputs, *ports.outputs))),
            INPUTS_KEY: list(ports.inputs),
            OUTPUTS_KEY: list(ports.outputs),
        }
        if ports.trigger:
            desc["trigger"] = list(ports.trigger)
        if ports.non_persistent:
            desc["non-persistent"] = list(ports.non_persistent)
        described[name] = cast(ModelDescription, desc)
    meta: Meta = {"api_version": "3.0", "type": kind, "models": described}
    if extra_methods:
        meta["extra_methods"] = list(extra_methods)
    return meta


class AdapterBase(mosaik_api_v3.Simulator):
    """What every adapter of this product does the same way.

    Subclasses set ``NAME`` (for messages), ``PORTS`` and ``META`` (from :func:`build_meta`),
    optionally ``DEFAULT_START``, and write ``create`` (registering entities with
    :meth:`add_entity`) and ``step`` (storing each entity's state in ``self.states``).
    Extra ``init`` keywords go to :meth:`setup`.

    Parameters
    ----------
    json_safe : bool
        Convert numpy outputs to plain lists/numbers (needed when started over ``cmd``).
    """

    NAME: ClassVar[str] = "adapter"
    PORTS: ClassVar[Mapping[str, ModelPorts]] = {}
    META: ClassVar[Meta]
    #: scenario time 0 when ``init`` gets no ``start`` (None: the model needs none)
    DEFAULT_START: ClassVar[str | None] = None

    def __init__(self, *, json_safe: bool = False) -> None:
        super().__init__(copy.deepcopy(self.META))
        self.json_safe = json_safe
        self.step_s = 900
        self.start: datetime | None = None
        self.start_text: str | None = None
        self.timezone: str | None = None
        self.seed: list[int] | int = 0
        #: eid -> model object of every entity with a state of its own
        self.models: dict[str, Any] = {}
        #: eid -> the entity's last state (read by get_data)
        self.states: dict[str, Any] = {}
        self._type: dict[str, str] = {}
        self._allowed = {m: frozenset(p.outputs) for m, p in self.PORTS.items()}
        #: the last request get_data checked (a copy), and how to answer it: each entity's
        #: attributes, getter and whether that builds the entity's dict itself
        self._request: dict[str, list[str]] | None = None
        self._plan: list[tuple[str, list[str], Any, bool]] = []
        #: model -> input -> (port, combine rule, sender), looked up once
        self._rules = {
            m: {a: (port(a), p.combine_of(a), p.senders.get(a, "source")) for a in p.inputs}
            for m, p in self.PORTS.items()
        }
        #: model -> input -> what :meth:`read` takes as sent from one sender: any value
        #: (rule ONE), a 1-D array of this dtype, or nothing (None); looked up once, as
        #: hashing a Combine runs Python code
        self._as_sent: dict[str, dict[str, Any]] = {
            m: {a: _ANY_VALUE if c is Combine.ONE else AS_SENT.get(c) for a, (_, c, _) in r.items()}
            for m, r in self._rules.items()
        }

    def init(  # type: ignore[override]  # explicit keyword-only parameters
        self,
        sid: str,
        time_resolution: float = 1.0,
        *,
        step_s: int = 900,
        step_size: int | None = None,
        start: str | None = None,
        timezone: str | None = None,
        seed: list[int] | int | None = None,
        **params: Any,
    ) -> Meta:
        """Set the time base: ``step_s`` (or the ecosystem's ``step_size``), ``start`` (ISO
        8601 with offset, or naive with ``timezone``, an IANA name) and the ``seed``."""
        self.step_s = check_time_base(self.NAME, time_resolution, step_s, step_size=step_size)
        self.start_text = start or self.DEFAULT_START
        self.timezone = timezone
        if self.start_text is not None:
            self.start = parse_start(self.start_text, timezone=timezone)
        self.seed = 0 if seed is None else seed
        self.setup(**params)
        return cast(Meta, self.meta)

    def setup(self, **params: Any) -> None:
        """Take the simulator's own ``init`` parameters (none by default)."""
        if params:
            raise ValueError(f"{self.NAME}: unknown init parameter(s) {sorted(params)}")

    @property
    def start_of_day_s(self) -> int:
        """Seconds from local midnight to scenario time 0 (0 without a start)."""
        t0 = self.start
        return 0 if t0 is None else t0.hour * 3600 + t0.minute * 60 + t0.second

    def check_model(self, model: str) -> None:
        """Raise for a model this simulator does not offer."""
        if model not in self.PORTS or not self.PORTS[model].public:
            offered = [m for m, p in self.PORTS.items() if p.public]
            raise ValueError(f"unknown model {model!r}; {self.NAME} offers {offered}")

    def add_entity(
        self,
        model: str,
        obj: Any = None,
        *,
        eid: str | None = None,
        extra_info: Mapping[str, Any] | None = None,
    ) -> CreateResult:
        """Register an entity of ``model`` (eid ``<model>_<n>`` unless given)."""
        if eid is None:
            eid = f"{model}_{sum(1 for t in self._type.values() if t == model)}"
        self._type[eid] = model
        if obj is not None:
            self.models[eid] = obj
        result: CreateResult = {"eid": eid, "type": model}
        if extra_info is not None:
            result["extra_info"] = dict(extra_info)
        return result

    def fold(
        self,
        eid: str,
        attrs: Mapping[str, Mapping[str, Any]],
        name: str,
        *,
        n: int | None = None,
        broadcast: bool = False,
    ) -> Any:
        """Input ``name`` of ``eid`` combined over its sources as declared (None: none)."""
        sources = attrs.get(name)
        if not sources:
            return None
        spec, combine, sender = self._rules[self._type[eid]][name]
        if len(sources) == 1:  # the usual case, per step
            value = next(iter(sources.values()))
            if combine is Combine.ONE:
                return value
            folded = fold_one(combine, value, n, spec.default)
            if folded is not None:
                return folded
        return fold(
            spec, sources, n=n, owner=eid, combine=combine, sender=sender, broadcast=broadcast
        )

    def read(
        self, eid: str, attrs: Mapping[str, Mapping[str, Any]], name: str, *, n: int | None = None
    ) -> Any:
        """:meth:`fold` for a step that only reads the input and keeps none of it: one
        source's value as sent wherever the fold's answer would equal it (rule ONE; a
        1-D float64 array of ``n`` values under ADD or MIN, a bool one under ANY, which
        the fold copies), else :meth:`fold`'s answer (None: unconnected)."""
        sources = attrs.get(name)
        if sources and len(sources) == 1:
            (value,) = sources.values()
            as_sent = self._as_sent[self._type[eid]][name]
            if as_sent is _ANY_VALUE:
                return value
            # one_sent_array's test of the value (cosim.adapter_shortcuts), here: its call
            # costs more than the test
            if (
                as_sent is not None
                and type(value) is np.ndarray
                and value.ndim == 1
                and (n is None or value.size == n)
                and value.dtype == as_sent
            ):
                return value
        return self.fold(eid, attrs, name, n=n)

    def output(self, eid: str, attr: str, state: Any) -> Any:
        """Value of output ``attr`` of ``eid`` (default: the state's attribute)."""
        return getattr(state, attr)

    def get_data(self, outputs: dict[str, list[str]]) -> dict[str, Any]:
        """The requested outputs of each entity's last state (lists if ``json_safe``).

        mosaik asks for the same outputs at every step: a request equal to the last one
        checked skips the checks of its entities and attributes (an entity, once added,
        and the outputs of its model stay valid). Its plan reads each attribute once
        (mosaik names one as often as connections read it).
        """
        if outputs != self._request:
            checked = self._checked_data(outputs)
            self._request = {eid: list(attrs) for eid, attrs in outputs.items()}
            plan = self._plan_for({eid: list(dict.fromkeys(a)) for eid, a in outputs.items()})
            self._plan = [(e, a, g, is_dict_builder(g)) for e, a, g in plan]
            return checked
        data: dict[str, Any] = {}
        states = self.states
        for eid, attrs, getter, builds in self._plan:
            state = states.get(eid)
            if state is None:
                raise ModelError(f"get_data for {eid} before its first step")
            if getter is None:
                data[eid] = self._outputs(eid, attrs, state)
            elif builds:
                data[eid] = getter(state)
            else:
                data[eid] = dict(zip(attrs, getter(state), strict=True))
        return data

    def _plan_for(self, outputs: dict[str, list[str]]) -> list[tuple[str, list[str], Any]]:
        """Each entity of ``outputs`` with its attributes and, where :meth:`output` is the
        state's attribute, one getter of all of them (a subclass's getter gives their
        values in order; this one, :func:`~cosim.adapter_shortcuts.dict_builder`, the
        entity's dict)."""
        plain = type(self).output is AdapterBase.output and not self.json_safe
        return [
            (eid, list(attrs), dict_builder(attrs) if plain and len(attrs) > 1 else None)
            for eid, attrs in outputs.items()
        ]

    def _outputs(self, eid: str, attrs: list[str], state: Any) -> dict[str, Any]:
        """The outputs ``attrs`` of ``eid`` by :meth:`output` (lists if ``json_safe``)."""
        out = {}
        for attr in attrs:
            value = self.output(eid, attr, state)
            if value is OMIT:
                continue
            out[attr] = to_wire(value) if self.json_safe else value
        return out

    def _checked_data(self, outputs: dict[str, list[str]]) -> dict[str, Any]:
        """:meth:`get_data` with every entity and attribute checked."""
        data: dict[str, Any] = {}
        for eid, attrs in outputs.items():
            model = self._type.get(eid)
            if model is None:
                raise ValueError(f"unknown entity {eid!r}; entities: {sorted(self._type)}")
            state = self.states.get(eid)
            if state is None:
                raise ModelError(f"get_data for {eid} before its first step")
            allowed = self._allowed[model]
            for attr in attrs:
                if attr not in allowed:
                    outs = self.PORTS[model].outputs
                    raise ValueError(f"{eid} has no output {attr!r}; outputs: {outs}")
            data[eid] = self._outputs(eid, attrs, state)
        return data

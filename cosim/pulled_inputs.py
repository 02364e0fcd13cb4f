"""mosaik's input dict of one simulator's step, built from its pulled connections directly.

mosaik's ``get_input_data`` walks a simulator's pulled connections one at a time, looking
each source's output up in its cache and writing it into ``{entity: {attribute: {source's
full id: value}}}`` with two ``setdefault`` calls. The connections do not change during a
run, so :class:`PulledInputs` works the shape of that dict out once (entities, attributes
and sources in the order mosaik inserts them) and builds it in one expression per step
(one generated dict display, while the sources' output caches are in time order: see
:func:`_display`): the sequential scheduler's largest share of its own time per step.
"""

from __future__ import annotations

from typing import Any

from mosaik.simmanager import FULL_ID

__all__ = ["OutputOrder", "PulledInputs"]

#: a pulled row: (source entity, source attribute, entity, attribute, source's full id,
#: transform or None)
Row = tuple[str, str, str, str, str, Any]
Plan = list[tuple[Any, int, tuple[Row, ...]]]
#: a value read: (source's full id, index of the source entity, source attribute)
Read = tuple[str, int, str]
#: entity -> attribute -> reads
Shape = tuple[tuple[str, tuple[tuple[str, tuple[Read, ...]], ...]], ...]


class PulledInputs:
    """The pulled inputs of ``runner``'s steps (mosaik's ``get_input_data`` without
    ``set_data`` and pushed inputs).

    With empty persistent inputs and no ``transform`` on a connection the dict is built
    from a layout worked out once; otherwise row by row as mosaik does.
    """

    def __init__(self, runner: Any, order: OutputOrder | None = None) -> None:
        self.runner = runner
        #: whether the sources' caches hold their outputs in time order (None: unknown)
        self.order = order
        self.plan = _pull_plan(runner)
        self.sources = tuple((src, delay) for src, delay, _ in self.plan)
        #: the source entities read, as (index into ``sources``, source entity)
        self.entities: tuple[tuple[int, str], ...] = ()
        #: entity -> attribute -> reads, when every attribute has one source
        self.single: tuple[tuple[str, tuple[tuple[str, str, int, str], ...]], ...] | None = None
        #: entity -> attribute -> reads, when some attribute has several
        self.nested: tuple[tuple[str, tuple[tuple[str, tuple[Read, ...]], ...]], ...] | None
        self.nested = None
        self._lay_out()
        #: the dict of the laid-out shape built by one function (see _display)
        self.build = _display(self.sources, self.entities, self._shape())

    def __call__(self, time: int) -> dict[str, Any] | None:
        """The inputs of the step at ``time``; None when a source lacks a value (mosaik's
        own function then warns and passes None)."""
        order, build = self.order, self.build
        if build is not None and order is not None and order.in_order:
            if not self.runner.persistent_inputs:
                try:
                    return build(time)
                except KeyError:  # no output at the read time, or a value missing
                    pass
        return self.by_rows(time)

    def by_rows(self, time: int) -> dict[str, Any] | None:
        """The inputs of the step at ``time`` without the display (:meth:`__call__`'s way
        when the display cannot build them)."""
        caches = [_output_at(src.outputs, time - delay) for src, delay in self.sources]
        try:
            if self.runner.persistent_inputs or (self.single is None and self.nested is None):
                return _merged(self.runner.persistent_inputs, caches, self.plan)
            entities = [caches[i][src_eid] for i, src_eid in self.entities]
            if self.single is not None:
                return {
                    eid: {attr: {fid: entities[k][sa]} for attr, fid, k, sa in attrs}
                    for eid, attrs in self.single
                }
            return {
                eid: {attr: {fid: entities[k][sa] for fid, k, sa in reads} for attr, reads in attrs}
                for eid, attrs in self.nested or ()
            }
        except KeyError:
            return None

    def _lay_out(self) -> None:
        """The dict mosaik builds from the plan on empty persistent inputs, as nested
        tuples. None (row by row) when a connection has a transform (mosaik calls those
        in connection order) or two write the same value (the later one wins, at the
        earlier one's place)."""
        shape: dict[str, dict[str, dict[str, Read]]] = {}
        entities: dict[tuple[int, str], int] = {}
        for i, (_, _, rows) in enumerate(self.plan):
            for src_eid, src_attr, eid, attr, full_id, transform in rows:
                reads = shape.setdefault(eid, {}).setdefault(attr, {})
                if transform is not None or full_id in reads:
                    return
                k = entities.setdefault((i, src_eid), len(entities))
                reads[full_id] = (full_id, k, src_attr)
        self.entities = tuple(entities)
        if all(len(reads) == 1 for attrs in shape.values() for reads in attrs.values()):
            self.single = tuple(
                (eid, tuple((attr, *next(iter(r.values()))) for attr, r in attrs.items()))
                for eid, attrs in shape.items()
            )
        else:
            self.nested = tuple(
                (eid, tuple((attr, tuple(r.values())) for attr, r in attrs.items()))
                for eid, attrs in shape.items()
            )

    def _shape(self) -> Shape | None:
        """The laid-out dict (entity -> attribute -> reads), or None if there is none."""
        if self.single is not None:
            return tuple(
                (eid, tuple((attr, ((fid, k, sa),)) for attr, fid, k, sa in attrs))
                for eid, attrs in self.single
            )
        return self.nested


class OutputOrder:
    """Whether every output cache of a world holds its outputs in time order (each added at
    a time not before any already cached), as the sequential scheduler's own steps add them
    (:meth:`cosim.sequential_sim.SimSteps.take` notes one that does not; a world
    with a simulator stepped by mosaik's functions is not known to).

    In such a cache an output at the read time itself is the newest at or before it
    (mosaik's ``get_output_for``), which a look-up finds without walking the cache.
    """

    def __init__(self) -> None:
        self.in_order = True


def _display(
    sources: tuple[tuple[Any, int], ...], entities: tuple[tuple[int, str], ...], shape: Shape | None
) -> Any | None:
    """A function ``build(time)`` of ``shape``'s dict as one dict display, each source's
    output read at ``time`` minus its delay (:func:`_read_code`; KeyError: no output to
    read, or a value missing), or None without a shape.

    In an output cache in time order (:class:`OutputOrder`) the output at the read time,
    or for a delayed read the newest at or before it, is the one mosaik's
    ``get_output_for`` reads. The display builds the dict of the
    comprehensions of :meth:`PulledInputs.__call__` (the same keys, in the same order)
    without their loops and look-ups of the layout, which cost more per step than the
    dict (its keys are the layout's strings as literals, equal to mosaik's).
    """
    if shape is None:
        return None
    names = [src for _, src in entities] + [k for eid, attrs in shape for k in _keys(eid, attrs)]
    if not all(type(name) is str for name in names):
        return None
    lines = ["def build(time):"]
    for i, (_, delay) in enumerate(sources):
        lines += _read_code(i, delay)
    lines += [f"    e{k} = c{i}[{src!r}]" for k, (i, src) in enumerate(entities)]
    value = _dict_code(
        (
            eid,
            _dict_code(
                (attr, _dict_code((fid, f"e{k}[{sa!r}]") for fid, k, sa in reads))
                for attr, reads in attrs
            ),
        )
        for eid, attrs in shape
    )
    lines.append(f"    return {value}")
    namespace: dict[str, Any] = {f"s{i}": src for i, (src, _) in enumerate(sources)}
    namespace["_output_at"] = _output_at
    exec("\n".join(lines), namespace)
    return namespace["build"]


def _read_code(i: int, delay: int) -> list[str]:
    """The code reading source ``i``'s output into ``c{i}``: the output at the read time
    for delay 0 (in a cache in time order the newest at or before it, if there is one);
    for a delayed read :func:`_output_at` ``time - delay`` (a time-shifted read, delay 1,
    falls between two steps of its source; ``{}`` when there is none, whose look-up then
    raises KeyError)."""
    if delay == 0:
        return [f"    c{i} = s{i}.outputs[time]"]
    return [f"    c{i} = _output_at(s{i}.outputs, time - {delay!r})"]


def _dict_code(items: Any) -> str:
    """The code of a dict display of ``(key, code of its value)`` pairs."""
    return "{" + ", ".join(f"{key!r}: {value}" for key, value in items) + "}"


def _keys(eid: str, attrs: tuple[tuple[str, tuple[Read, ...]], ...]) -> list[str]:
    """Every name an entity's part of a shape writes into the display's code."""
    return [eid] + [
        k for attr, reads in attrs for k in (attr, *(r[0] for r in reads), *(r[2] for r in reads))
    ]


def _pull_plan(runner: Any) -> Plan:
    """``runner``'s pulled connections, each as (source, delay, rows)."""
    return [
        (
            src,
            delay.tiers[0],
            tuple(
                (
                    *e.src_port,
                    *e.dest_port,
                    FULL_ID % (src.sid, e.src_port[0]),
                    None if _is_identity(e.transform) else e.transform,
                )
                for e in entries
            ),
        )
        for (src, delay), entries in runner.pulled_inputs.items()
    ]


def _output_at(outputs: dict[int, Any], time: int) -> Any:
    """mosaik's ``SimRunner.get_output_for``: the newest output at or before ``time``
    ({} if none), without its bound-method call and ``items`` pairs."""
    for t in reversed(outputs):
        if t <= time:
            return outputs[t]
    return {}


def _merged(persistent: dict[str, Any], caches: list[Any], plan: Plan) -> dict[str, Any]:
    """The pulled values written into a copy of the persistent inputs, row by row, as
    mosaik's ``get_input_data`` does: it merges the persistent inputs into an empty dict
    (a copy of the top level; the entities' dicts are shared), writes the pulled values
    into it and merges it back into the persistent inputs, which, with the same dicts on
    both sides, changes nothing (KeyError: a source lacks a value)."""
    data: dict[str, Any] = dict(persistent)
    for cache, (_, _, rows) in zip(caches, plan, strict=True):
        for src_eid, src_attr, eid, attr, full_id, transform in rows:
            val = cache[src_eid][src_attr]
            if transform is not None:
                val = transform(val)
            entity = data.get(eid)
            if entity is None:
                entity = data[eid] = {}
            values: dict[str, Any] | None = entity.get(attr)
            if values is None:
                values = entity[attr] = {}
            values[full_id] = val
    return data


def _identity(x: Any) -> Any:
    return x


def _is_identity(fn: Any) -> bool:
    """Whether ``fn`` is a plain ``lambda x: x`` (mosaik's default ``transform``, of which
    ``World.connect``, ``connect_one`` and their async twins each define their own)."""
    code = getattr(fn, "__code__", None)
    return (
        code is not None
        and code.co_code == _identity.__code__.co_code
        and code.co_argcount == 1
        and code.co_kwonlyargcount == 0
        and not code.co_flags & 0x0C  # no *args, **kwargs
        and getattr(fn, "__closure__", None) is None
    )

"""Connecting entities from their declared ports: :func:`link`.

A model built with :func:`cosim.adapter_base.build_meta` lists its inputs and outputs in
``META`` (a model without those lists counts every attribute as both). ``link(world, src,
dst)`` connects each output of ``src`` that ``dst`` takes as input, and for a time-shifted
connection it sizes the ``initial_data`` from the port catalogue (the default of each port,
one per element of the entities' ``extra_info`` lists), so scenarios stop typing attribute
lists and vectors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cosim.adapter_base import INPUTS_KEY, OUTPUTS_KEY
from cosim.ports import ALL_PORTS
from cosim.ports_types import Dim

__all__ = ["accepted", "initial_data", "link", "offered"]

Pair = str | tuple[str, str]


def link(
    world: Any,
    src: Any,
    dst: Any,
    *attrs: Pair,
    time_shifted: bool = False,
    weak: bool = False,
    exclude: Iterable[str] = (),
) -> list[Pair]:
    """Connect ``src`` to ``dst``; returns the attributes connected.

    Parameters
    ----------
    world : mosaik.World
        The world both entities live in.
    src, dst : mosaik Entity
        Sender and receiver.
    *attrs : str or (str, str)
        What to connect (``(src_attr, dst_attr)`` renames); default: every output of
        ``src`` that ``dst`` accepts, in ``src``'s order, less ``exclude``.
    time_shifted : bool
        Connect with mosaik's ``time_shifted``; the initial data is the ports' defaults,
        sized from the entities' ``extra_info`` (:func:`initial_data`).
    weak : bool
        mosaik's weak connection (a same-time loop).

    Raises
    ------
    ValueError
        ``src`` offers nothing ``dst`` accepts, or a time-shifted port cannot be sized.
    """
    if not attrs:
        skip = set(exclude)
        takes = set(accepted(dst))
        attrs = tuple(a for a in offered(src) if a in takes and a not in skip)
        if not attrs:
            raise ValueError(
                f"{src.full_id} ({src.type}) offers nothing {dst.full_id} ({dst.type}) "
                f"takes: outputs {offered(src)}, inputs {accepted(dst)}"
            )
    kwargs: dict[str, Any] = {}
    if time_shifted:
        names = [a if isinstance(a, str) else a[0] for a in attrs]
        kwargs = {"time_shifted": True, "initial_data": initial_data(src, dst, names)}
    if weak:
        kwargs["weak"] = True
    world.connect(src, dst, *attrs, **kwargs)
    return list(attrs)


def offered(entity: Any) -> list[str]:
    """The outputs of ``entity``'s model (every attribute when its META does not say)."""
    desc = _description(entity)
    return list(desc.get(OUTPUTS_KEY, desc.get("attrs", [])))


def accepted(entity: Any) -> list[str]:
    """The inputs of ``entity``'s model (every attribute when its META does not say)."""
    desc = _description(entity)
    return list(desc.get(INPUTS_KEY, desc.get("attrs", [])))


def initial_data(src: Any, dst: Any, names: Iterable[str]) -> dict[str, Any]:
    """Each port's default for the first step of a time-shifted connection.

    A scalar port sends its default; an array port one default per element, counted from
    the ``extra_info`` list its dimension names (of ``src``, else of ``dst``); an id port
    (``bus_id``) sends the ids themselves; a list port an empty list.
    """
    data: dict[str, Any] = {}
    for name in names:
        port = ALL_PORTS.get(name)
        if port is None:
            raise ValueError(
                f"{name!r} of {src.full_id} is not in the port catalogue, so its initial "
                "data is unknown: declare the port (cosim.ports.declare) or connect it "
                "with world.connect(..., initial_data=...)"
            )
        if port.dim is Dim.LIST:
            data[name] = []
            continue
        if port.dim is Dim.SCALAR:
            data[name] = port.default
            continue
        key = port.dim.info_key
        values = _listed(src, key) if key else None
        if values is None and key:
            values = _listed(dst, key)
        if values is None:
            raise ValueError(
                f"cannot size the initial {name!r} ({port.dim.label} array) from "
                f"{src.full_id} to {dst.full_id}: neither lists {key!r} in its extra_info; "
                "connect it with world.connect(..., initial_data=...)"
            )
        data[name] = list(values) if name == key else [port.default] * len(values)
    return data


def _listed(entity: Any, key: str) -> list[Any] | None:
    info = entity.extra_info
    value = info.get(key) if isinstance(info, Mapping) else None
    return list(value) if isinstance(value, list | tuple) else None


def _description(entity: Any) -> Mapping[str, Any]:
    """The META model description of ``entity`` (mosaik 3.7's private factory link)."""
    try:
        meta = entity.model_mock._factory.meta
    except AttributeError as err:
        raise RuntimeError(
            "mosaik's AsyncModelMock._factory.meta is gone; pin mosaik 3.7.x"
        ) from err
    return meta["models"][entity.type]

"""The results recorder: a mosaik simulator writing any entities' attributes to HDF5."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from operator import getitem
from typing import Any

import mosaik_api_v3
import numpy as np
from mosaik_api_v3.types import CreateResult, Meta
from numpy.typing import NDArray

from cosim import stop
from cosim.ports import ALL_PORTS
from results.writer import DEFAULT_FLUSH_S, RunStatus, RunWriter, SeriesSpec

__all__ = ["META", "RecorderSim", "describe_entity"]

log = logging.getLogger(__name__)

#: kinds of recorded inputs (see :meth:`RecorderSim._slot`)
_ARRAY, _SCALAR, _FAMILY = 0, 1, 2
#: what the plan's walk yields past its end: matches no input
_END = ("", "", _ARRAY, "", 0)
_NO_VALUES: dict[str, Any] = {}
_NDARRAY = {np.ndarray}
#: a plan's entry: (attribute, source, kind, series key, column)
Slot = tuple[str, str, int, str, int]

META: dict[str, Any] = {
    "api_version": "3.0",
    "type": "time-based",
    "models": {
        "Recorder": {"public": True, "params": [], "attrs": [], "any_inputs": True},
    },
    "extra_methods": ["describe", "add_table", "set_meta"],
}


def describe_entity(
    entity: Any, *, columns: Sequence[Any] | None = None, attrs: Sequence[str] | None = None
) -> dict[str, Any]:
    """What the recorder needs to know of a mosaik entity: id, model and column labels.

    Parameters
    ----------
    entity : mosaik entity
        The recorded entity.
    columns : sequence, optional
        Labels of the elements of its array-valued ports (bus ids, EV ids...); ``None``
        for scalar ports, which become one column per entity of the model.
    attrs : sequence of str, optional
        The ports ``columns`` labels; ``None`` labels every array port of the entity.
        One entity can be described several times, with other labels for other ports.
    """
    return {
        "full_id": entity.full_id,
        "model": entity.type,
        "columns": None if columns is None else [str(c) for c in columns],
        "attrs": None if attrs is None else list(attrs),
    }


class RecorderSim(mosaik_api_v3.Simulator):
    """Records every input it receives; one ``Recorder`` entity per run file.

    Array-valued attributes of one entity become a ``(T, n)`` dataset at
    ``/<sid>/<eid>/<attr>``; scalar attributes of many entities of one model become one
    ``(T, n_entities)`` dataset at ``/<sid>/<model>/<attr>``.
    """

    def __init__(self, *, json_safe: bool = False) -> None:
        super().__init__(META)
        self._writer: RunWriter | None = None
        self._described: dict[str, dict[str, Any]] = {}
        self._labels: dict[tuple[str, str | None], list[str]] = {}
        #: where each input goes: (kind, series key, column), see :meth:`_slot`
        self._slots: dict[tuple[str, str], tuple[int, str, int]] = {}
        self._n_scalars = 0  # one-column series of a scalar: the length of write_row's columns
        #: the slots of the last step's inputs, in the order of their walk (see _replay)
        self._plan: list[tuple[str, str, int, str, int]] = []
        #: the plan as one row per buffer matrix, when it allows that (see _Packed)
        self._packed: _Packed | None = None
        self._family_members: dict[str, list[str]] = {}
        self._step_s = 900
        self._until_s = 0

    def init(  # type: ignore[override]  # explicit keyword-only parameters
        self,
        sid: str,
        time_resolution: float = 1.0,
        *,
        path: str,
        step_s: int = 900,
        until_s: int = 0,
        record_from_s: int = 0,
        buffer_steps: int = 672,
        flush_s: float = DEFAULT_FLUSH_S,
        float32: bool = True,
        compression: str = "gzip",
        meta: dict[str, Any] | None = None,
    ) -> Meta:
        self._step_s = int(step_s)
        self._until_s = int(until_s)
        self._record_from_s = int(record_from_s)
        # HDF5 compresses and writes in a thread of its own while the simulation goes on
        self._writer = RunWriter(
            path,
            buffer_steps=buffer_steps,
            flush_s=flush_s,
            float32=float32,
            compression=compression,
            background=True,
            meta=meta or {},
        )
        return self.meta

    def create(self, num: int, model: str, **params: Any) -> list[CreateResult]:
        if num != 1 or self._described.get("__recorder__"):
            raise ValueError("a recorder holds exactly one Recorder entity; start another sim")
        self._described["__recorder__"] = {}
        return [{"eid": "recorder", "type": model}]

    # -- extra methods (called by the scenario before the run) ------------------------------
    def describe(self, entities: list[dict[str, Any]]) -> None:
        for item in entities:
            full_id = item["full_id"]
            self._described[full_id] = {"full_id": full_id, "model": item["model"]}
            if item.get("columns") is not None:
                for attr in item.get("attrs") or [None]:
                    self._labels[(full_id, attr)] = list(item["columns"])
                continue
            members = self._family_members.setdefault(self._family_key(full_id, item["model"]), [])
            if full_id not in members:
                members.append(full_id)

    def add_table(self, name: str, columns: dict[str, list[Any]]) -> None:
        self._require_writer().add_table(name, columns)

    def set_meta(self, items: dict[str, Any]) -> None:
        self._require_writer().set_meta(items)

    # -- stepping -------------------------------------------------------------------------
    def step(self, time: int, inputs: dict[str, Any], max_advance: int) -> int:
        stop.raise_if_requested()  # a Ctrl-C/SIGTERM that mosaik or C code swallowed
        if time < self._record_from_s:  # warm-up: simulated, not recorded
            return time + self._step_s
        writer = self._writer or self._require_writer()
        packed = None if self._packed is None else self._packed.rows(inputs)
        if packed is not None:
            scalars, arrays = packed
            writer.write_row(time, _NO_VALUES, scalars, arrays)
        else:
            self._record(writer, time, inputs)
        if time + self._step_s >= self._until_s:
            writer.sync()  # the last step: a failed write fails the run here, not silently
        return time + self._step_s

    def _record(self, writer: RunWriter, time: int, inputs: dict[str, Any]) -> None:
        """Record ``inputs`` by the last step's walk, or by a fresh walk (which also
        renews :attr:`_packed`) if they are laid out otherwise."""
        row: dict[str, Any] = {}
        scalars = [np.nan] * self._n_scalars
        families: dict[str, dict[int, Any]] = {}
        if not self._replay(inputs, row, scalars, families):
            row.clear()
            families.clear()
            scalars = self._walk(inputs, row, families)
            self._packed = _Packed.of(inputs, self._plan, writer, self._n_scalars)
        for key, cols in families.items():
            row[key] = self._family_row(key, cols)
        writer.write_row(time, row, scalars)

    def _replay(
        self,
        inputs: dict[str, Any],
        row: dict[str, Any],
        scalars: list[float],
        families: dict[str, dict[int, Any]],
    ) -> bool:
        """Sort ``inputs`` into ``row``, ``scalars`` and ``families`` by the last step's
        walk (:attr:`_plan`); False, with the outputs half filled, if they are laid out
        otherwise (another attribute or source, or another order).

        The input dict of a run has the same layout at every step: this walk compares
        each attribute and source with the plan's (the same str objects, mostly: ``is``
        first) instead of looking its slot up.
        """
        plan = iter(self._plan)
        for attrs in inputs.values():
            for attr, sources in attrs.items():
                for src, value in sources.items():
                    p_attr, p_src, kind, key, col = next(plan, _END)
                    if p_attr != attr or p_src != src:
                        return False
                    if kind == _SCALAR:
                        scalars[col] = np.nan if value is None else float(value)
                    elif kind == _ARRAY:
                        row[key] = _as_array(value)
                    else:
                        families.setdefault(key, {})[col] = value
        return next(plan, None) is None

    def _walk(
        self, inputs: dict[str, Any], row: dict[str, Any], families: dict[str, dict[int, Any]]
    ) -> list[float]:
        """Sort ``inputs`` by their slots (declaring new series), noting the walk as the
        plan of the next steps; returns the row of the one-column series."""
        plan: list[tuple[str, str, int, str, int]] = []
        for attrs in inputs.values():
            for attr, sources in attrs.items():
                for src, value in sources.items():
                    plan.append((attr, src, *self._slot(src, attr, value)))
        scalars = [np.nan] * self._n_scalars
        self._plan = plan
        self._replay(inputs, row, scalars, families)
        return scalars

    def get_data(self, outputs: dict[str, list[str]]) -> dict[str, Any]:
        return {}

    def finalize(self) -> None:
        """Flush and close the file; never raises (a failed write was reported already)."""
        if self._writer is None:
            return
        last = self._writer.last_time_s
        done = last is not None and last + self._step_s >= self._until_s
        status = RunStatus.COMPLETE if done else RunStatus.INCOMPLETE
        message = "" if done else f"stopped after t={last} s of {self._until_s} s"
        self._writer.close(status, message)

    # -- helpers --------------------------------------------------------------------------
    def _require_writer(self) -> RunWriter:
        if self._writer is None:
            raise RuntimeError("RecorderSim.init() was not called with a path")
        return self._writer

    @staticmethod
    def _family_key(full_id: str, model: str) -> str:
        return f"{full_id.split('.', 1)[0]}/{model}"

    def _slot(self, src: str, attr: str, value: Any) -> tuple[int, str, int]:
        """Where ``src.attr`` goes: ``(kind, key, column)``: an entity's array series
        (``_ARRAY``), the scalar of a family with one entity at its position in the
        writer's one-column series (``_SCALAR``), or a column of a family's row."""
        slot = self._slots.get((src, attr))
        if slot is None:
            writer = self._require_writer()
            key, col = self._declare(src, attr, value)
            if col is None:
                slot = (_ARRAY, key, 0)
            elif col == 0 and writer.width(key) == 1:
                # the writer's one-column series are shared by array series of one element
                position = writer.column(key)
                assert position is not None
                slot = (_SCALAR, key, position)
                self._n_scalars = max(self._n_scalars, position + 1)
            else:
                slot = (_FAMILY, key, col)
            self._slots[(src, attr)] = slot
        return slot

    def _declare(self, src: str, attr: str, value: Any) -> tuple[str, int | None]:
        writer = self._require_writer()
        info = self._described.get(src, {"full_id": src, "model": "Entity", "columns": None})
        sid, _, eid = src.partition(".")
        port = ALL_PORTS.get(attr)
        unit = port.unit if port else ""
        attrs = {"model": info["model"], "attr": attr}
        if np.ndim(value) == 0:
            family = self._family_key(src, info["model"])
            members = self._family_members.setdefault(family, [src])
            if src not in members:
                members.append(src)
                log.warning("recording %s.%s without describe(); its column may be late", src, attr)
            key = f"{family}/{attr}"
            labels = [m.partition(".")[2] for m in members]
            writer.declare(key, SeriesSpec(family, attr, len(labels), labels, unit, attrs))
            return key, members.index(src)
        n = int(np.size(value))
        given = self._labels.get((src, attr)) or self._labels.get((src, None))
        if given is not None and len(given) != n:
            log.warning("%s.%s has %d values but %d labels", src, attr, n, len(given))
        labels = given if given is not None and len(given) == n else [str(i) for i in range(n)]
        key = f"{sid}/{eid}/{attr}"
        writer.declare(key, SeriesSpec(f"{sid}/{eid}", attr, n, labels, unit, attrs), array=True)
        return key, None

    def _family_row(self, key: str, cols: dict[int, Any]) -> Any:
        """The row of a family's scalar series: each entity's value in its column."""
        row = np.full(self._require_writer().width(key), np.nan)
        row[list(cols)] = list(cols.values())
        return row


def _as_array(value: Any) -> Any:
    """An array port's value as the writer's buffer takes it."""
    if type(value) is np.ndarray and value.dtype.kind in "fb":
        return value  # the writer's buffer converts floats and flags as asarray would
    return np.asarray(value, dtype=float)


class _Packed:
    """A plan whose inputs fill both of the writer's matrices (:meth:`RunWriter.write_row`'s
    ``columns`` and ``arrays``) from one entity without families: each step's values are
    then looked up by attribute and source (C-level maps, no walk) and the array series
    stored as one concatenated row. Any input this does not cover (another layout, a value
    of another shape, type or dtype kind, a None) makes :meth:`rows` return None, and the
    step is recorded by the walk, as before.
    """

    def __init__(self, eid: str, arrays: list[Slot], widths: list[int], scalars: list[Slot]):
        self.eid = eid
        self.n_attrs = len({p[0] for p in arrays + scalars})
        self.n_values = len(arrays) + len(scalars)
        self.array_attrs = tuple(p[0] for p in arrays)
        self.array_srcs = tuple(p[1] for p in arrays)
        self.widths = widths
        self.shape = (sum(widths),)
        self.scalar_attrs = tuple(p[0] for p in scalars)
        self.scalar_srcs = tuple(p[1] for p in scalars)

    @classmethod
    def of(
        cls, inputs: dict[str, Any], plan: list[Slot], writer: RunWriter, n_scalars: int
    ) -> _Packed | None:
        """``plan`` packed: its array series in the order of their spans, its one-column
        series in the order of their columns; None unless they fill every column of both
        matrices exactly once (and come from one entity, without families)."""
        if len(inputs) != 1 or any(p[2] == _FAMILY for p in plan):
            return None
        arrays = [p for p in plan if p[2] == _ARRAY]
        spans = [writer.span(p[3]) for p in arrays]
        spanned = sorted(
            ((span, p) for span, p in zip(spans, arrays, strict=True) if span is not None),
            key=lambda sp: sp[0],
        )
        if len(spanned) != len(arrays):
            return None
        stops = [0] + [span[1] for span, _ in spanned]
        if any(span[0] != stop for (span, _), stop in zip(spanned, stops, strict=False)):
            return None
        scalars = sorted((p for p in plan if p[2] == _SCALAR), key=lambda p: p[4])
        if stops[-1] != writer.arrays_width or [p[4] for p in scalars] != list(range(n_scalars)):
            return None
        widths = [b - a for (a, b), _ in spanned]
        return cls(next(iter(inputs)), [p for _, p in spanned], widths, scalars)

    def rows(self, inputs: dict[str, Any]) -> tuple[list[float], NDArray[np.float64] | None] | None:
        """The step's row of the one-column series and of the array series, or None when
        ``inputs`` are not laid out as planned or hold a value the walk must convert.

        The arrays must be numpy arrays, 1-D of their series' widths (their lengths, and
        the length of the concatenation, which fails on mixed dimensions), whose
        concatenation to float64 is a safe cast (floats, flags, integers): the values are
        then the ones the walk stores (``_as_array``, then the buffer's dtype), each cast
        once to the buffer's dtype.
        """
        if len(inputs) != 1:
            return None
        try:
            attrs = inputs[self.eid]
            if len(attrs) != self.n_attrs or sum(map(len, attrs.values())) != self.n_values:
                return None
            arrays = list(map(getitem, map(attrs.__getitem__, self.array_attrs), self.array_srcs))
            if list(map(len, arrays)) != self.widths or not {*map(type, arrays)} <= _NDARRAY:
                return None
            scalars = list(
                map(getitem, map(attrs.__getitem__, self.scalar_attrs), self.scalar_srcs)
            )
            row = np.concatenate(arrays, dtype=np.float64, casting="safe") if arrays else None
        except (KeyError, TypeError, ValueError):  # a value missing, or of another kind
            return None
        if row is not None and row.shape != self.shape:  # (the arrays were not 1-D)
            return None
        try:
            return list(map(float, scalars)), row
        except TypeError:  # a None: NaN, as the walk stores it
            return [np.nan if v is None else float(v) for v in scalars], row

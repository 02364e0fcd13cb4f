"""What a KPI declares, and how the declared KPIs of a run are evaluated.

A KPI (:class:`KpiSpec`) names the recorded series it reads (:class:`results.series.Series`,
an adapter's model constant and a catalogue port) and the tables. ``needs``: the KPI is
left out of a run that did not record one of them; ``needs_any``: at least one of them;
``uses``: read when recorded, and a missing one counts as nothing (no revenue, no
conflict). While a KPI is computed it can read only what it declares, so the declarations
are complete. KPIs belong to a :class:`Group`, whose gate (any of its series recorded)
decides whether the comparison table shows the group at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from results.kpis import Kpi
from results.reader import Run
from results.series import Series

__all__ = ["Group", "KpiContext", "KpiSpec", "Source", "evaluate"]

#: a recorded series, or the name of an event or static table (``"conflicts"``)
Source = Series | str


@dataclass(frozen=True)
class Group:
    """KPIs shown together; ``gate``: any of these series recorded (empty: always shown)."""

    name: str
    doc: str
    gate: tuple[Series, ...] = ()

    def open(self, run: Run) -> bool:
        return not self.gate or any(run.has(*s) for s in self.gate)


@dataclass(frozen=True)
class KpiSpec:
    """One KPI of the registry.

    Parameters
    ----------
    name, unit : str
        Machine name (a column of the sweep tables) and unit.
    label : str
        For people; ``{dso_limit_pct:g}`` is the run's DSO loading limit.
    description : str
        What it measures and how.
    group : Group
    compute : callable
        ``compute(view) -> float`` (:class:`KpiContext`); None: not defined for this run.
    needs, needs_any, uses : tuple
        What it reads (see the module docstring).
    window_only : bool
        True: counts the recorded window only; False: a state at the last recorded step
        that includes the warm-up (battery fade).
    """

    name: str
    label: str
    unit: str
    description: str
    group: Group
    compute: Callable[[KpiContext], float | None]
    needs: tuple[Series, ...] = ()
    needs_any: tuple[Source, ...] = ()
    uses: tuple[Source, ...] = ()
    window_only: bool = True

    @property
    def sources(self) -> tuple[Source, ...]:
        """Every series and table the KPI reads."""
        return (*self.needs, *self.needs_any, *self.uses)

    @property
    def series(self) -> tuple[Series, ...]:
        """Every recorded series the KPI reads."""
        return tuple(s for s in self.sources if isinstance(s, Series))

    def applies(self, run: Run) -> bool:
        """Whether ``run`` recorded what the KPI needs."""
        if not all(run.has(*s) for s in self.needs):
            return False
        return not self.needs_any or any(_recorded(run, s) for s in self.needs_any)


def _recorded(run: Run, source: Source) -> bool:
    return run.has(*source) if isinstance(source, Series) else run.has_table(source)


class _DeclaredRun:
    """A run that lets one KPI read only the series and tables it declares."""

    def __init__(self, run: Run, spec: KpiSpec) -> None:
        self._run = run
        self._spec = spec
        self._allowed = set(spec.sources)

    def _check(self, source: Source) -> None:
        if source not in self._allowed:
            raise LookupError(
                f"KPI {self._spec.name!r} reads {source}, which it does not declare: add it "
                "to its needs or uses in results.kpi_registry"
            )

    def has(self, model: str, attr: str) -> bool:
        self._check(Series(model, attr))
        return self._run.has(model, attr)

    def get(self, model: str, attr: str) -> pd.DataFrame:
        self._check(Series(model, attr))
        return self._run.get(model, attr)

    def blocks(self, model: str, attr: str) -> Iterator[NDArray[np.floating]]:
        self._check(Series(model, attr))
        return self._run.blocks(model, attr)

    def last_row(self, model: str, attr: str) -> NDArray[np.floating]:
        self._check(Series(model, attr))
        return self._run.last_row(model, attr)  # type: ignore[no-any-return]

    def has_table(self, name: str) -> bool:
        self._check(name)
        return self._run.has_table(name)

    def table(self, name: str) -> pd.DataFrame:
        self._check(name)
        return self._run.table(name)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._run, name)


class KpiContext:
    """What a KPI's ``compute`` gets: the run (its declared part), time base and a memo.

    ``once(fn)`` computes ``fn(view)`` the first time and reuses it for the other KPIs of
    the same run (several KPIs of one read, e.g. minimum and maximum voltage).
    """

    def __init__(self, run: Run, memo: dict[Any, Any] | None = None) -> None:
        self.raw = run
        self.run: Any = run
        self.dt_h = run.step_s / 3600.0
        self._memo: dict[Any, Any] = {} if memo is None else memo
        self.config: dict[str, Any] = self._memo.setdefault("config", run.config)

    def view(self, spec: KpiSpec) -> KpiContext:
        """This context, reading through ``spec``'s declarations."""
        ctx = KpiContext.__new__(KpiContext)
        ctx.raw, ctx.dt_h, ctx._memo, ctx.config = self.raw, self.dt_h, self._memo, self.config
        ctx.run = _DeclaredRun(self.raw, spec)
        return ctx

    @property
    def dso_limit_pct(self) -> float:
        return float(self.config.get("dso", {}).get("loading_limit_pct", 100.0))

    def has(self, series: Series) -> bool:
        return bool(self.run.has(*series))

    def get(self, series: Series) -> pd.DataFrame:
        return self.run.get(*series)  # type: ignore[no-any-return]

    def values(self, series: Series) -> np.ndarray:
        return self.get(series).to_numpy()

    def blocks(self, series: Series) -> Iterator[NDArray[np.floating]]:
        """``series`` in blocks of rows (:meth:`results.reader.Run.blocks`): for reductions
        that need not hold a wide, long series in memory."""
        return self.run.blocks(*series)  # type: ignore[no-any-return]

    def once(self, fn: Callable[..., Any], *args: Any) -> Any:
        key = (fn, args)
        if key not in self._memo:
            self._memo[key] = fn(self, *args)
        return self._memo[key]


def evaluate(run: Run, specs: Iterable[KpiSpec], *, gated: bool = True) -> list[Kpi]:
    """The KPIs of ``specs`` that ``run`` recorded what they need for, in order.

    ``gated``: leave out the KPIs of a group whose gate is closed for the run.
    """
    ctx = KpiContext(run)
    kpis = []
    for spec in specs:
        if (gated and not spec.group.open(run)) or not spec.applies(run):
            continue
        value = spec.compute(ctx.view(spec))
        if value is None:
            continue
        label = spec.label.format(dso_limit_pct=ctx.dso_limit_pct)
        kpis.append(Kpi(spec.name, label, float(value), spec.unit))
    return kpis

"""Key performance indicators of a run, computed from its results file.

The KPIs are declared in :mod:`results.kpi_registry`; this module gives the run summary
and the plain-text table.
"""

from __future__ import annotations

from dataclasses import dataclass

from results.reader import Run

__all__ = ["EN50160_V_MAX_PU", "EN50160_V_MIN_PU", "Kpi", "format_kpis", "summary_kpis"]

#: EN 50160 supply voltage band for LV (±10 % of nominal)
EN50160_V_MIN_PU = 0.9
EN50160_V_MAX_PU = 1.1


@dataclass(frozen=True)
class Kpi:
    """One indicator: a machine name, a label for people, value and unit."""

    name: str
    label: str
    value: float
    unit: str


def summary_kpis(run: Run) -> list[Kpi]:
    """The backbone KPIs: loading, voltage band, EV energy, losses, convergence, and the
    voltage unbalance of a run on an unbalanced grid (registry groups ``summary`` and
    ``unbalance``)."""
    # the registry imports every adapter (their model constants): not at ``import results``
    from results.kpi_registry import SUMMARY, UNBALANCE, kpis_of

    return kpis_of(run, (SUMMARY, UNBALANCE))


def format_kpis(kpis: list[Kpi]) -> str:
    """A plain-text table of KPIs."""
    width = max((len(k.label) for k in kpis), default=10)
    lines = []
    for k in kpis:
        value = f"{k.value:,.4f}" if k.unit == "p.u." else f"{k.value:,.2f}"
        lines.append(f"  {k.label:<{width}}  {value:>12} {k.unit}")
    return "\n".join(lines)

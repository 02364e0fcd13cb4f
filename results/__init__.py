"""Results: the HDF5 recorder simulator, the run reader and KPIs."""

from results.kpis import Kpi, format_kpis, summary_kpis
from results.reader import Run, open_run

__all__ = ["Kpi", "Run", "format_kpis", "open_run", "summary_kpis"]

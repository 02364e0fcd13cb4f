"""matplotlib's pyplot on the file-only Agg backend, imported when a plot is drawn.

Reading KPIs (every ``cosim run`` prints them) needs no plotting: importing pyplot costs
~0.2 s, so modules that both compute and plot take it from here inside their plot functions.
"""

from __future__ import annotations

from types import ModuleType

__all__ = ["pyplot"]


def pyplot() -> ModuleType:
    """``matplotlib.pyplot`` with the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt

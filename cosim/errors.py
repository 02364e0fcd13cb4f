"""The one exception hierarchy of EV Grid Co-Sim."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "ConfigError",
    "ConfigProblem",
    "CosimError",
    "GridNotConvergedError",
    "ModelError",
]


class CosimError(Exception):
    """Base class of every error this product raises on purpose."""


@dataclass(frozen=True)
class ConfigProblem:
    """One problem found in a scenario configuration.

    Parameters
    ----------
    path : str
        Dotted path of the field, e.g. ``"fleet.evs_per_household"``.
    message : str
        What is wrong and what is allowed.
    value : object
        The offending value (``None`` when a field is missing).
    """

    path: str
    message: str
    value: object = None

    def __str__(self) -> str:
        shown = "" if self.value is None else f" (got {self.value!r})"
        return f"{self.path}: {self.message}{shown}"


class ConfigError(CosimError):
    """A scenario configuration is invalid; lists every problem at once."""

    def __init__(self, problems: Sequence[ConfigProblem], *, source: str = "config") -> None:
        self.problems = list(problems)
        self.source = source
        lines = [f"{source}: {len(self.problems)} problem(s) found"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class ModelError(CosimError):
    """A model received input it cannot handle (names entity, time, value and fix)."""


class GridNotConvergedError(CosimError):
    """The power flow did not converge and the scenario asked to stop on that."""

    def __init__(self, *, time_s: int, backend: str, detail: str = "") -> None:
        self.time_s = time_s
        self.backend = backend
        msg = (
            f"power flow did not converge at t={time_s} s (backend {backend!r}). "
            "Reduce the load (penetration, charger rating), check the grid data, or set "
            'grid.on_nonconvergence = "flag" to record the step and continue.'
        )
        if detail:
            msg += f" Detail: {detail}"
        super().__init__(msg)

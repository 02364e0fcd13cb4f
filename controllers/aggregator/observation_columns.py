"""The fleet observation's per-EV columns from the aggregator's inputs: the fleet's arrays
as sent when they are read-only and own their data, else copies of the column's dtype.

:class:`~controllers.aggregator.adapter.AggregatorSim` builds each step's
:class:`~controllers.aggregator.policy.FleetObservation` from them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["BOOL", "EV_COLUMNS", "F64", "I64", "column", "sent_columns"]

F64, I64, BOOL = np.dtype(np.float64), np.dtype(np.int64), np.dtype(np.bool_)
#: the observation's per-EV columns but ``plugged``: dtype, and the value when not connected
EV_COLUMNS: tuple[tuple[str, np.dtype[Any], float], ...] = (
    ("soc", F64, 0.0),
    ("e_need_kwh", F64, 0.0),
    ("e_capacity_kwh", F64, 0.0),
    ("departure_s", I64, -1),
    ("p_max_kw", F64, 0.0),
    ("soc_min", F64, 0.0),
    ("soc_target", F64, 1.0),
    ("opt_out", BOOL, False),
    ("charger_idx", I64, -1),
)
#: the dtype of each per-EV column, ``plugged`` first, by input name
_SENT_DTYPES: tuple[tuple[str, np.dtype[Any]], ...] = (
    ("plugged", BOOL),
    *((name, dtype) for name, dtype, _ in EV_COLUMNS),
)


def sent_columns(attrs: dict[str, dict[str, Any]]) -> dict[str, NDArray[Any]] | None:
    """The observation's per-EV columns when every input of
    :data:`~controllers.aggregator.adapter.EV_INPUTS` has one source that sent an array
    :func:`column` takes as sent (what the fleet sends at every step), else None: what
    :meth:`~controllers.aggregator.adapter.AggregatorSim._columns` gives then (the inputs'
    rule is ONE, so :meth:`~cosim.adapter_base.AdapterBase.read` gives each value as sent),
    without its calls per input."""
    col: dict[str, NDArray[Any]] = {}
    for name, dtype in _SENT_DTYPES:
        sources = attrs.get(name)
        if not sources or len(sources) != 1:
            return None
        (value,) = sources.values()
        if not (
            type(value) is np.ndarray
            and value.dtype == dtype
            and value.base is None
            and not value.flags.writeable
        ):
            return None
        col[name] = value
    return col


def column(value: NDArray[Any] | None, n: int, dtype: np.dtype[Any], fill: float) -> NDArray[Any]:
    """One per-EV column of the observation: the fleet's array as sent when it is read-only
    and owns its data (the fleet never changes an array it handed out, see
    :mod:`simulators.ev_fleet.outputs`), else a copy of it as ``dtype`` (another source may
    reuse its arrays: the services and the outputs read the observation after the step);
    ``fill`` when not connected."""
    if value is None:
        return np.full(n, fill, dtype=dtype)
    if value.dtype == dtype and value.base is None and not value.flags.writeable:
        return value
    return value.astype(dtype)

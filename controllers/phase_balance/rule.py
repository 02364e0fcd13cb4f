"""Grid-code cap on single-phase charging: at most a set unbalance per customer connection."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["THREE_PHASE", "VDE_4100_MAX_UNBALANCE_KVA", "grid_code_limits"]

#: ``phase`` of a charger connected to all three phases (0, 1, 2 are phases a, b, c)
THREE_PHASE = -1

#: VDE-AR-N 4100:2019 5.5.3: the unbalance of one customer connection stays within 4.6 kVA
VDE_4100_MAX_UNBALANCE_KVA = 4.6


def grid_code_limits(
    phase: ArrayLike,
    bus_id: ArrayLike,
    p_rated_kw: ArrayLike,
    *,
    max_unbalance_kva: float = VDE_4100_MAX_UNBALANCE_KVA,
) -> NDArray[np.float64]:
    """Per-charger power cap that keeps every connection within the unbalance limit.

    The single-phase chargers of one connection (one bus) on the same phase share
    ``max_unbalance_kva``; three-phase chargers load the phases equally and keep their
    rating. Since charging power is never negative, the difference between the most and
    the least loaded phase of a connection is then at most ``max_unbalance_kva``, whatever
    the chargers on the other phases draw. The cap is on active power at unity power factor
    (the charging mode of home chargers); a charger that also draws reactive power needs
    its apparent power checked as well.

    Parameters
    ----------
    phase : array_like of int (n,)
        Grid phase of each charger: 0, 1, 2 (a, b, c) or :data:`THREE_PHASE`.
    bus_id : array_like of int (n,)
        Bus (customer connection) of each charger.
    p_rated_kw : array_like (n,) or float
        Rating of each charger [kW].
    max_unbalance_kva : float
        Largest unbalance allowed per connection [kVA].

    Returns
    -------
    ndarray (n,)
        Cap per charger [kW], never above its rating.

    References
    ----------
    .. [1] VDE-AR-N 4100:2019-04, Technische Regeln für den Anschluss von Kundenanlagen an
       das Niederspannungsnetz (TAR Niederspannung), 5.5.3 Unsymmetrie.

    Examples
    --------
    >>> grid_code_limits([0, 0, 1, -1], [7, 7, 7, 8], 7.4).tolist()
    [2.3, 2.3, 4.6, 7.4]
    """
    ph = np.asarray(phase, dtype=np.int64).reshape(-1)
    bus = np.asarray(bus_id, dtype=np.int64).reshape(-1)
    rated = np.broadcast_to(np.asarray(p_rated_kw, dtype=float), ph.shape).astype(float)
    if bus.shape != ph.shape:
        raise ValueError(f"phase has {ph.size} chargers, bus_id {bus.size}; give one per charger")
    if not max_unbalance_kva > 0:
        raise ValueError(f"max_unbalance_kva={max_unbalance_kva!r} must be > 0 [kVA]")
    limit = rated.copy()
    single = ph != THREE_PHASE
    if single.any():
        # chargers sharing a connection and a phase: count each (bus, phase) group
        groups = np.stack([bus[single], ph[single]], axis=1)
        _, inverse, counts = np.unique(groups, axis=0, return_inverse=True, return_counts=True)
        share = max_unbalance_kva / counts[inverse.reshape(-1)]
        limit[single] = np.minimum(rated[single], share)
    return limit

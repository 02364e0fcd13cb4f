"""The charger's choices, light to import (stdlib only) so the ``[evse]`` config can use them.

The model (:mod:`simulators.evse.params`, :mod:`simulators.evse.qv`) and the config
(:mod:`simulators.evse.config`) share these enums.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["MODEL_CHARGER_BANK", "PQPriority", "QMode", "QVCurve"]

#: mosaik model name (``world.start(...).<name>``, the ``type`` of created entities)
MODEL_CHARGER_BANK = "ChargerBank"


class QMode(StrEnum):
    """Reactive power mode of a charger."""

    NONE = "none"  #: Q = 0
    COS_PHI = "cos_phi"  #: Q = ±|P| tan(acos|cos φ|), sign of ``cos_phi`` (>0 absorbs)
    QV = "qv"  #: Q = curve(V) x S_rated (Volt-VAr)
    Q_SET = "q_set"  #: Q = external ``q_set_kvar`` input
    PV = "pv"  #: Q = 0 and P limited by the P(V) droop (same as ``p_of_v=True``)


class PQPriority(StrEnum):
    """Which of P and Q keeps its value when |S| would exceed S_rated."""

    P = "p"
    Q = "q"


class QVCurve(StrEnum):
    """Q(V) presets (the names of :data:`~simulators.evse.qv.QV_CURVES`), in the order
    error messages list them."""

    IEEE1547_CAT_A = "ieee1547_cat_a"
    IEEE1547_CAT_B = "ieee1547_cat_b"
    EN50549 = "en50549"
    VDE4110 = "vde4110"

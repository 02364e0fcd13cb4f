"""Zero-sequence data SimBench lacks: configurable assumptions with their literature."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cosim.errors import ModelError

__all__ = ["VectorGroup", "ZeroSequenceParams"]


class VectorGroup(StrEnum):
    """Transformer winding connections modelled in the unbalanced power flow."""

    #: delta HV, earthed star LV (e.g. Dyn5, the usual MV/LV distribution transformer)
    DYN = "Dyn"
    #: earthed star on both sides
    YNYN = "YNyn"


@dataclass(frozen=True)
class ZeroSequenceParams:
    """Zero-sequence and source data for unbalanced LV power flow.

    SimBench (and most pandapower grids) give positive-sequence data only. The defaults
    below are typical values for German LV grids; every one can be changed per scenario.

    Attributes
    ----------
    line_r0_r1 : float
        Ratio of zero- to positive-sequence resistance of lines [-]. A four-core LV cable
        (e.g. NAYY 4x150 SE) returns zero-sequence current over its fourth (PEN) core of
        equal cross-section: ``R0 = R1 + 3 R_N = 4 R1`` when the earth path is neglected.
        Default 4.0.
    line_x0_x1 : float
        Ratio of zero- to positive-sequence reactance of lines [-]. Tabulated four-core
        PVC/XLPE cables give ``X0/X1`` of about 3.5 to 4.5; default 4.0.
    line_c0_c1 : float
        Ratio of zero- to positive-sequence capacitance [-]. LV cable capacitance moves
        voltages by less than 1e-5 p.u., so the value hardly matters; default 1.0.
    vector_group : VectorGroup
        Winding connection of every transformer. ``"Dyn"`` (default): the delta winding
        blocks zero-sequence current towards MV, the LV star point is solidly earthed
        (TN system), so LV zero-sequence current closes through the transformer's
        short-circuit impedance. The clock number comes from the grid's ``shift_degree``
        (150 deg = Dyn5 in SimBench).
    trafo_z0_z1 : float
        Ratio of zero- to positive-sequence short-circuit impedance of transformers [-].
        Dyn distribution transformers of the three-limb core type have ``Z0/Z1`` of about
        0.8 to 1.0; power-grid-model takes the zero-sequence series impedance equal to the
        positive-sequence one, so only 1.0 is accepted (kept explicit for pandapower's
        ``vk0_percent``).
    source_sk_mva : float
        Short-circuit power of the upstream grid at every ext_grid [MVA]. The default
        (1e12 MVA) is an ideal source, as in the balanced backends; a finite value (e.g.
        100 to 500 MVA for German 20 kV grids) adds the source impedance in every sequence.
    source_rx : float
        R/X ratio of the source impedance [-]; default 0.1.
    source_z0_z1 : float
        Ratio of zero- to positive-sequence source impedance [-]; default 1.0. Behind a
        Dyn transformer it does not reach the LV grid.

    References
    ----------
    .. [1] IEC TR 60909-2:2008, Short-circuit currents in three-phase a.c. systems - Part
       2: Data of electrical equipment for short-circuit current calculations (zero-sequence
       data of LV cables and distribution transformers).
    .. [2] D. Oeding and B. R. Oswald, *Elektrische Kraftwerke und Netze*, 8th ed.,
       Springer Vieweg, 2016, ch. 11 (zero-sequence impedances of cables with a neutral
       conductor; transformer vector groups).
    .. [3] G. Kerber, *Aufnahmefähigkeit von Niederspannungsverteilnetzen für die
       Einspeisung aus Photovoltaikkleinanlagen*, PhD thesis, TU München, 2011
       (reference LV grids, NAYY cables, Dyn5 transformers, TN earthing).

    Examples
    --------
    >>> ZeroSequenceParams().line_r0_r1
    4.0
    """

    line_r0_r1: float = 4.0
    line_x0_x1: float = 4.0
    line_c0_c1: float = 1.0
    vector_group: VectorGroup | str = VectorGroup.DYN
    trafo_z0_z1: float = 1.0
    source_sk_mva: float = 1e12
    source_rx: float = 0.1
    source_z0_z1: float = 1.0

    def __post_init__(self) -> None:
        problems = [
            f"{name}={getattr(self, name)!r} must be > 0"
            for name in ("line_r0_r1", "line_x0_x1", "line_c0_c1", "source_sk_mva")
            if not getattr(self, name) > 0.0
        ]
        problems += [
            f"{name}={getattr(self, name)!r} must be >= 0"
            for name in ("source_rx", "source_z0_z1")
            if not getattr(self, name) >= 0.0
        ]
        if self.trafo_z0_z1 != 1.0:
            problems.append(
                f"trafo_z0_z1={self.trafo_z0_z1!r}: power-grid-model models the transformer "
                "zero-sequence impedance equal to the positive-sequence one; use 1.0"
            )
        try:
            object.__setattr__(self, "vector_group", VectorGroup(self.vector_group))
        except ValueError:
            valid = ", ".join(repr(v.value) for v in VectorGroup)
            problems.append(f"vector_group={self.vector_group!r}; choose one of {valid}")
        if problems:
            raise ModelError("invalid zero-sequence parameters: " + "; ".join(problems))

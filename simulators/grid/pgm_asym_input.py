"""power-grid-model input for the unbalanced power flow: balanced data plus zero sequence."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from power_grid_model import ComponentType, WindingType, initialize_array

from cosim.errors import ModelError

from .asym_params import VectorGroup, ZeroSequenceParams
from .pgm_input import PgmInput, build_pgm_input

__all__ = ["build_pgm_asym_input"]

_TO_ASYM = {ComponentType.sym_load: ComponentType.asym_load}
_TO_ASYM[ComponentType.sym_gen] = ComponentType.asym_gen


def build_pgm_asym_input(net: Any, params: ZeroSequenceParams) -> PgmInput:
    """Convert a prepared pandapower net for power-grid-model's asymmetric calculation.

    Starts from :func:`~simulators.grid.pgm_input.build_pgm_input` and adds what the
    zero sequence needs (see :class:`~simulators.grid.asym_params.ZeroSequenceParams`):
    line ``r0``/``x0``/``c0`` as ratios of the positive sequence, transformer windings of
    the vector group with solidly earthed star points, and the source impedance. Loads and
    generators become ``asym_load``/``asym_gen`` (wye, phase-to-earth) with their
    set-points split equally over the phases.

    Raises
    ------
    ModelError
        As ``build_pgm_input``, or a transformer's phase shift does not fit the vector
        group (Dyn needs an odd clock number, YNyn an even one).
    """
    inp = build_pgm_input(net, sk_va=params.source_sk_mva * 1e6)
    data = dict(inp.data)
    _add_line_zero_sequence(data[ComponentType.line], params)
    _set_windings(data[ComponentType.transformer], params.vector_group)
    src = data[ComponentType.source]
    src["rx_ratio"] = params.source_rx
    src["z01_ratio"] = params.source_z0_z1
    for sym, asym in _TO_ASYM.items():
        data[asym] = _as_asym(data.pop(sym), asym)
    return replace(inp, data=data)


def _add_line_zero_sequence(line: NDArray[np.void], params: ZeroSequenceParams) -> None:
    line["r0"] = line["r1"] * params.line_r0_r1
    line["x0"] = line["x1"] * params.line_x0_x1
    line["c0"] = line["c1"] * params.line_c0_c1
    line["tan0"] = line["tan1"]


def _set_windings(tr: NDArray[np.void], group: VectorGroup | str) -> None:
    if not len(tr):
        return
    odd = tr["clock"] % 2 == 1
    want_odd = VectorGroup(group) is VectorGroup.DYN
    bad = np.flatnonzero(odd != want_odd)
    if len(bad):
        shifts = sorted({int(tr["clock"][i]) * 30 for i in bad})
        raise ModelError(
            f"{len(bad)} transformer(s) have phase shift(s) {shifts} deg, which vector group "
            f"{VectorGroup(group).value!r} cannot have (Dyn needs 30, 150, ... deg, YNyn 0, "
            "60, ... deg); set grid.zero_sequence.vector_group to match the grid"
        )
    tr["winding_from"] = WindingType.delta if want_odd else WindingType.wye_n
    tr["winding_to"] = WindingType.wye_n
    tr["i0_zero_sequence"] = 0.0
    tr["p0_zero_sequence"] = 0.0
    for side in ("from", "to"):
        tr[f"r_grounding_{side}"] = 0.0
        tr[f"x_grounding_{side}"] = 0.0


def _as_asym(sym: NDArray[np.void], kind: ComponentType) -> NDArray[np.void]:
    arr = initialize_array("input", kind, len(sym))
    for name in ("id", "node", "status", "type"):
        arr[name] = sym[name]
    arr["p_specified"] = sym["p_specified"][:, np.newaxis] / 3.0
    arr["q_specified"] = sym["q_specified"][:, np.newaxis] / 3.0
    return arr

"""Per-phase injections and results of the unbalanced power flow, and sequence quantities."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .backends import GridState, Injections

#: the backend name of an unbalanced (three-phase) grid
ASYM_BACKEND_NAME = "power_grid_model_asym"

__all__ = [
    "AREA_PHASE_INPUTS",
    "AREA_PHASE_OUTPUTS",
    "ASYM_BACKEND_NAME",
    "THREE_PHASE",
    "AsymGridState",
    "AsymInjections",
    "assign_phases",
    "phase_voltage_fields",
    "sequence_components",
    "spread_over_phases",
    "vuf_pct",
]

#: Phase code of a three-phase (balanced) connection; single-phase ones are 0, 1, 2 (a, b, c).
THREE_PHASE = -1
_A = np.exp(2j * np.pi / 3)

#: Per-phase array inputs of the grid ``Area`` (aligned with the source's ``bus_id``), ->
#: (p or q, phase index): extra load on phase a, b, c [kW], [kvar], consumer sign (>0
#: consumption/absorption). They add to the balanced ``p_kw``/``q_kvar`` (split equally).
AREA_PHASE_INPUTS: dict[str, tuple[str, int]] = {
    f"{pq}_{ph}_{unit}": (pq, k)
    for pq, unit in (("p", "kw"), ("q", "kvar"))
    for k, ph in enumerate("abc")
}
#: Per-bus array outputs of the grid ``Area`` -> (AsymGridState field, phase or None):
#: ``v_{a,b,c}_pu`` phase-to-earth voltage [p.u. of vn/sqrt(3)], ``vuf_pct`` |V2|/|V1| [%],
#: ``v0_pu`` zero-sequence voltage (neutral-point shift) [p.u.]. A balanced backend gives
#: its voltage on every phase and zero unbalance.
AREA_PHASE_OUTPUTS: dict[str, tuple[str, int | None]] = {
    "v_a_pu": ("vm_abc_pu", 0),
    "v_b_pu": ("vm_abc_pu", 1),
    "v_c_pu": ("vm_abc_pu", 2),
    "vuf_pct": ("vuf_pct", None),
    "v0_pu": ("v0_pu", None),
}


def spread_over_phases(p: NDArray[np.floating], phase: NDArray[np.integer]) -> NDArray[np.float64]:
    """Per-phase power of elements connected on one phase or on all three.

    Parameters
    ----------
    p : NDArray (n)
        Total power of each element (any unit; the result keeps it).
    phase : NDArray[int] (n)
        0, 1, 2 for a single-phase connection on a, b, c; ``THREE_PHASE`` (-1) for a
        three-phase connection (split equally).

    Returns
    -------
    NDArray (n, 3)
        Power per phase; each row sums to ``p``.

    Examples
    --------
    >>> spread_over_phases(np.array([3.0, 2.0]), np.array([-1, 2])).tolist()
    [[1.0, 1.0, 1.0], [0.0, 0.0, 2.0]]
    """
    p = np.asarray(p, dtype=np.float64)
    phase = np.asarray(phase)
    out = np.zeros((len(p), 3))
    three = phase == THREE_PHASE
    out[three] = p[three, np.newaxis] / 3.0
    single = np.flatnonzero(~three)
    out[single, phase[single]] = p[single]
    return out


def assign_phases(n: int, *, share_single: float, rng: np.random.Generator) -> NDArray[np.int8]:
    """Seeded phase connections: single-phase with probability ``share_single``.

    Parameters
    ----------
    n : int
        Number of elements.
    share_single : float
        Probability [0, 1] that an element is single-phase; its phase is then drawn
        uniformly from a, b, c. The others are ``THREE_PHASE``.
    rng : numpy.random.Generator
        The caller's child generator (one draw of ``2 n`` uniforms, whatever the share, so
        changing the share does not reshuffle later draws).

    Returns
    -------
    NDArray[int8] (n)
        0, 1, 2 (phase a, b, c) or ``THREE_PHASE`` (-1).

    Examples
    --------
    >>> assign_phases(4, share_single=0.0, rng=np.random.default_rng(1)).tolist()
    [-1, -1, -1, -1]
    """
    if not 0.0 <= share_single <= 1.0:
        raise ValueError(f"share_single={share_single!r} must be within [0, 1]")
    u = rng.random((2, n))
    phase = np.minimum((u[1] * 3.0).astype(np.int8), 2)
    return np.where(u[0] < share_single, phase, np.int8(THREE_PHASE)).astype(np.int8)


def sequence_components(v_abc: NDArray[np.complex128]) -> NDArray[np.complex128]:
    """Zero, positive and negative sequence of phase phasors (Fortescue).

    Parameters
    ----------
    v_abc : NDArray[complex] (..., 3)
        Phasors of phases a, b, c (any unit).

    Returns
    -------
    NDArray[complex] (..., 3)
        ``[V0, V1, V2]`` with ``V1 = (Va + a Vb + a^2 Vc) / 3``, ``a = exp(j 120 deg)``.

    Examples
    --------
    >>> v = np.array([1.0, np.exp(-2j * np.pi / 3), np.exp(2j * np.pi / 3)])
    >>> np.round(np.abs(sequence_components(v)), 12).tolist()
    [0.0, 1.0, 0.0]
    """
    va, vb, vc = v_abc[..., 0], v_abc[..., 1], v_abc[..., 2]
    v0 = (va + vb + vc) / 3.0
    v1 = (va + _A * vb + _A**2 * vc) / 3.0
    v2 = (va + _A**2 * vb + _A * vc) / 3.0
    return np.stack([v0, v1, v2], axis=-1)


def vuf_pct(v_abc: NDArray[np.complex128]) -> NDArray[np.float64]:
    """Voltage unbalance factor ``|V2| / |V1|`` [%] as EN 50160 and IEC 61000-4-30 define it.

    Parameters
    ----------
    v_abc : NDArray[complex] (..., 3)
        Phase-to-neutral (or phase-to-earth) phasors; the zero sequence does not enter.

    References
    ----------
    .. [1] EN 50160:2010, Voltage characteristics of electricity supplied by public
       electricity networks, 4.2.5 (supply voltage unbalance).
    """
    seq = sequence_components(v_abc)
    return 100.0 * np.abs(seq[..., 2]) / np.abs(seq[..., 1])


def phase_voltage_fields(v_abc: NDArray[np.complex128]) -> dict[str, NDArray[np.float64]]:
    """The voltage fields of :class:`AsymGridState` from complex phase voltages (n_bus, 3)."""
    seq = sequence_components(v_abc)
    return {
        "vm_pu": np.abs(seq[:, 1]),
        "va_deg": np.rad2deg(np.angle(seq[:, 1])),
        "vm_abc_pu": np.abs(v_abc),
        "va_abc_deg": np.rad2deg(np.angle(v_abc)),
        "vuf_pct": vuf_pct(v_abc),
        "v0_pu": np.abs(seq[:, 0]),
    }


@dataclass(frozen=True)
class AsymInjections:
    """Per-phase element injections for one unbalanced power flow (pandapower units, signs).

    Attributes
    ----------
    load_p_mw, load_q_mvar : NDArray (n_load, 3)
        Every load of the prepared net per phase a, b, c [MW], [Mvar], >0 consumption.
    sgen_p_mw : NDArray (n_sgen, 3)
        Every static generator per phase [MW], >0 generation (unity power factor).
    p_load_bg_kw, p_gen_bg_kw : float
        Background totals passed through to the state [kW].
    """

    load_p_mw: NDArray[np.floating]
    load_q_mvar: NDArray[np.floating]
    sgen_p_mw: NDArray[np.floating]
    p_load_bg_kw: float = 0.0
    p_gen_bg_kw: float = 0.0

    def as_balanced(self) -> Injections:
        """The same totals as balanced injections (for summary fields)."""
        return Injections(
            load_p_mw=self.load_p_mw.sum(axis=1),
            load_q_mvar=self.load_q_mvar.sum(axis=1),
            sgen_p_mw=self.sgen_p_mw.sum(axis=1),
            p_load_bg_kw=self.p_load_bg_kw,
            p_gen_bg_kw=self.p_gen_bg_kw,
        )


@dataclass(frozen=True, kw_only=True)
class AsymGridState(GridState):
    """Unbalanced power-flow result; the balanced fields summarise it.

    ``vm_pu``/``va_deg`` are the positive-sequence voltage (magnitude [p.u.], angle
    [deg]), so consumers of :class:`GridState` see the balanced equivalent; loadings use
    the most loaded phase; powers and losses are sums over the phases.

    Attributes
    ----------
    vm_abc_pu : NDArray (n_bus, 3)
        Phase-to-earth voltage magnitude of phases a, b, c [p.u. of ``vn_kv / sqrt(3)``].
    va_abc_deg : NDArray (n_bus, 3)
        Phase voltage angles [deg].
    vuf_pct : NDArray (n_bus)
        Voltage unbalance factor ``|V2| / |V1|`` [%].
    v0_pu : NDArray (n_bus)
        Zero-sequence voltage magnitude [p.u.]: the neutral-point shift against earth.
    """

    vm_abc_pu: NDArray[np.float64]
    va_abc_deg: NDArray[np.float64]
    vuf_pct: NDArray[np.float64]
    v0_pu: NDArray[np.float64]

    @classmethod
    def failed_asym(
        cls, n_bus: int, n_line: int, n_trafo: int, inj: AsymInjections
    ) -> AsymGridState:
        """A non-converged state: every result NaN, ``converged=False``."""
        base = GridState.failed(n_bus, n_line, n_trafo, inj.as_balanced())
        fields = {k: getattr(base, k) for k in base.__dataclass_fields__}
        nan3 = np.full((n_bus, 3), np.nan)
        return cls(
            **fields,
            vm_abc_pu=nan3,
            va_abc_deg=nan3.copy(),
            vuf_pct=np.full(n_bus, np.nan),
            v0_pu=np.full(n_bus, np.nan),
        )

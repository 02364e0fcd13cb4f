"""Per-charger parameters of a charge-point bank, validated and broadcast to arrays."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from simulators.evse.choices import PQPriority, QMode
from simulators.evse.dynamics import BelowMin
from simulators.evse.efficiency import EFFICIENCY_CURVES, LossCurve, efficiency
from simulators.evse.qv import PV_CURVES, QV_CURVES, Curve, PVCurves, parse_curve
from simulators.grid.asym_state import assign_phases

__all__ = ["EVSEParams", "PQPriority", "QMode", "draw_charger_phases"]


def _arr(value: Any, n: int, name: str, dtype: Any, problems: list[str]) -> NDArray[Any]:
    arr = np.asarray(value, dtype=dtype)
    if arr.ndim == 0:
        return np.full(n, arr.item(), dtype=dtype)
    if arr.shape != (n,):
        problems.append(f"{name} has {arr.size} values for {n} chargers (give 1 or {n})")
        return np.zeros(n, dtype=dtype)
    return arr.copy()


def _per_charger(value: Any, n: int) -> list[Any]:
    """A scalar (or a single mapping/name) repeated, or a list of one per charger."""
    if isinstance(value, (str, dict, int, float, Curve, PVCurves)) or value is None:
        return [value] * n
    items = list(value)
    return items if len(items) != 1 else items * n


def _choices(value: Any, n: int, enum: type[StrEnum], name: str, problems: list[str]) -> list[Any]:
    items = _per_charger(value, n)
    if len(items) != n:
        problems.append(f"{name} has {len(items)} values for {n} chargers")
        return [next(iter(enum))] * n
    try:
        return [enum(v) for v in items]
    except ValueError:
        bad = sorted({str(v) for v in items} - {e.value for e in enum})
        problems.append(f"{name} {bad} not one of {[e.value for e in enum]}")
        return [next(iter(enum))] * n


def _loss_curves(
    eff: Any, eff_dis: Any, n: int, problems: list[str]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Charge/discharge loss coefficients, shape (3, n), from names or nominal efficiencies."""
    ch = np.zeros((3, n))
    dis = np.zeros((3, n))
    items, items_dis = _per_charger(eff, n), _per_charger(eff_dis, n)
    if len(items) != n or len(items_dis) != n:
        problems.append(f"efficiency/efficiency_dis need 1 or {n} values")
        return ch, dis
    for i, (e, ed) in enumerate(zip(items, items_dis, strict=True)):
        try:
            if isinstance(e, str):
                c, d = EFFICIENCY_CURVES[e]
            elif not 0.5 <= float(e) <= 1.0:
                raise ValueError(f"efficiency {e} outside [0.5, 1]")
            else:
                c, d = LossCurve.flat_charge(float(e)), LossCurve.flat_discharge(float(e))
            if ed is not None:
                if not 0.5 <= float(ed) <= 1.0:
                    raise ValueError(f"efficiency_dis {ed} outside [0.5, 1]")
                d = LossCurve.flat_discharge(float(ed))
        except KeyError:
            problems.append(
                f"efficiency {e!r} of charger {i} unknown; curves: {sorted(EFFICIENCY_CURVES)} "
                "or a nominal value in [0.5, 1]"
            )
            return ch, dis
        except (TypeError, ValueError) as err:
            problems.append(f"charger {i}: {err}")
            return ch, dis
        ch[:, i] = (c.c0, c.c1, c.c2)
        dis[:, i] = (d.c0, d.c1, d.c2)
    return ch, dis


def _curves(
    spec: Any, n: int, presets: dict[str, Any], name: str, problems: list[str]
) -> tuple[list[Any], NDArray[np.int64]]:
    """Distinct curves and each charger's index into them."""
    items = _per_charger(spec, n)
    if len(items) != n:
        problems.append(f"{name} has {len(items)} values for {n} chargers")
        items = [next(iter(presets))] * n
    curves: list[Any] = []
    idx = np.zeros(n, dtype=np.int64)
    keys: dict[str, int] = {}
    for i, item in enumerate(items):
        key = repr(item)
        if key not in keys:
            try:
                curves.append(parse_curve(item, presets, name))
            except ValueError as err:
                problems.append(str(err))
                return [next(iter(presets.values()))], np.zeros(n, dtype=np.int64)
            keys[key] = len(curves) - 1
        idx[i] = keys[key]
    return curves, idx


@dataclass(frozen=True)
class EVSEParams:
    """Per-charger parameters (scalars broadcast to every charger; lists give one each).

    Parameters
    ----------
    bus_id : array_like of int (n,)
        Grid bus (pandapower index) of each charger; defines the number of chargers.
    p_rated_kw : float or array_like
        Rated AC active power [kW] (default 11 kW), also the per-unit base of the losses.
    s_rated_kva : float or array_like, optional
        Rated apparent power [kVA], ``>= p_rated_kw``; defaults to ``p_rated_kw``.
    phases : int or array_like
        1 or 3 (default 3): power per ampere of pilot current ``v_phase_v * phases``.
    phase : int or array_like, optional
        Grid phase of each single-phase charger: 0, 1, 2 for a, b, c (default 0); -1 for a
        three-phase charger (the only value they take). The per-phase outputs
        ``p_a_kw``... put a charger's power on its phase (three-phase: a third on each).
    bidirectional : bool or array_like
        True: negative setpoints discharge the EV (V2G); False: they are clipped to 0.
    efficiency : float, str or list
        Nominal (flat) efficiency in [0.5, 1] (default 0.92, both directions), or a
        part-load curve name of ``EFFICIENCY_CURVES`` (e.g. ``"obc_typical"``).
    efficiency_dis : float, optional
        Flat discharge efficiency overriding the discharge side of ``efficiency``.
    ramp_kw_per_s : float or array_like
        Ramp limit of the step-mean power [kW/s] (default inf).
    delay_s : float or array_like
        Response dead time to setpoints [s] (default 0).
    current_step_a, i_min_a : float or array_like
        Pilot current resolution and minimum [A] (default 0 and 0: ideal tracking;
        IEC 61851-1 behaviour is 1 A steps and 6 A).
    below_min : str or list
        ``"off"`` (default) or ``"min"``: what a command below ``i_min_a`` does.
    v_phase_v : float
        Phase voltage [V] for current <-> power (default 230).
    q_mode : str or list
        ``QMode`` per charger (default ``"none"``).
    cos_phi : float or array_like
        Fixed power factor for ``q_mode="cos_phi"``: ``|cos_phi|`` in (0, 1], >0 absorbs Q
        (inductive), <0 injects (default 1).
    qv_curve : str, mapping or list
        Q(V) preset name (default ``"ieee1547_cat_b"``) or ``{"v_pu": [...], "y": [...]}``
        with y = Q/S_rated (consumer sign).
    pv_curve : str, mapping or list
        P(V) preset (default ``"default"``) or ``{"charge": {...}, "discharge": {...}}``.
    p_of_v : bool or array_like
        Apply the P(V) droop (in addition to any ``q_mode``); default False.
    pq_priority : str or list
        ``"p"`` (default) or ``"q"``.
    uv_protection : bool or array_like
        Undervoltage protection on (default True; inert without a connected voltage),
        see :mod:`simulators.evse.protection`.
    uv_trip_pu, uv_trip_delay_s : float or array_like
        Trip below this voltage [p.u.] (default 0.85) held for this time [s] (default 0).
    uv_reconnect_pu, uv_reconnect_delay_s : float or array_like
        Reconnect at or above this voltage [p.u.] (default 0.90, >= ``uv_trip_pu``) held
        for this time [s] (default 60).
    """

    bus_id: ArrayLike
    p_rated_kw: ArrayLike = 11.0
    s_rated_kva: ArrayLike | None = None
    phases: ArrayLike = 3
    phase: ArrayLike | None = None
    bidirectional: ArrayLike = False
    efficiency: Any = 0.92
    efficiency_dis: Any = None
    ramp_kw_per_s: ArrayLike = np.inf
    delay_s: ArrayLike = 0.0
    current_step_a: ArrayLike = 0.0
    i_min_a: ArrayLike = 0.0
    below_min: Any = BelowMin.OFF
    v_phase_v: float = 230.0
    q_mode: Any = QMode.NONE
    cos_phi: ArrayLike = 1.0
    qv_curve: Any = "ieee1547_cat_b"
    pv_curve: Any = "default"
    p_of_v: ArrayLike = False
    pq_priority: Any = PQPriority.P
    uv_protection: ArrayLike = True
    uv_trip_pu: ArrayLike = 0.85
    uv_trip_delay_s: ArrayLike = 0.0
    uv_reconnect_pu: ArrayLike = 0.90
    uv_reconnect_delay_s: ArrayLike = 60.0
    # derived, filled in __post_init__
    c_ch: NDArray[np.float64] = field(init=False, repr=False)
    c_dis: NDArray[np.float64] = field(init=False, repr=False)
    qv_curves: list[Curve] = field(init=False, repr=False)
    qv_idx: NDArray[np.int64] = field(init=False, repr=False)
    pv_curves: list[PVCurves] = field(init=False, repr=False)
    pv_idx: NDArray[np.int64] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        bus = np.asarray(self.bus_id, dtype=np.int64).reshape(-1)
        n = bus.size
        if n < 1:
            raise ValueError("EVSEParams.bus_id must list at least one charger")
        problems: list[str] = []
        f = np.float64
        p = _arr(self.p_rated_kw, n, "p_rated_kw", f, problems)
        s_in = self.p_rated_kw if self.s_rated_kva is None else self.s_rated_kva
        values = {
            "bus_id": bus,
            "p_rated_kw": p,
            "s_rated_kva": _arr(s_in, n, "s_rated_kva", f, problems),
            "phases": _arr(self.phases, n, "phases", np.int64, problems),
            "phase": _phase(self.phase, self.phases, n, problems),
            "bidirectional": _arr(self.bidirectional, n, "bidirectional", bool, problems),
            "ramp_kw_per_s": _arr(self.ramp_kw_per_s, n, "ramp_kw_per_s", f, problems),
            "delay_s": _arr(self.delay_s, n, "delay_s", f, problems),
            "current_step_a": _arr(self.current_step_a, n, "current_step_a", f, problems),
            "i_min_a": _arr(self.i_min_a, n, "i_min_a", f, problems),
            "cos_phi": _arr(self.cos_phi, n, "cos_phi", f, problems),
            "p_of_v": _arr(self.p_of_v, n, "p_of_v", bool, problems),
            "below_min": _choices(self.below_min, n, BelowMin, "below_min", problems),
            "q_mode": _choices(self.q_mode, n, QMode, "q_mode", problems),
            "pq_priority": _choices(self.pq_priority, n, PQPriority, "pq_priority", problems),
            "uv_protection": _arr(self.uv_protection, n, "uv_protection", bool, problems),
        }
        for name in ("uv_trip_pu", "uv_trip_delay_s", "uv_reconnect_pu", "uv_reconnect_delay_s"):
            values[name] = _arr(getattr(self, name), n, name, f, problems)
        c_ch, c_dis = _loss_curves(self.efficiency, self.efficiency_dis, n, problems)
        qv, qv_idx = _curves(self.qv_curve, n, QV_CURVES, "qv_curve", problems)
        pv, pv_idx = _curves(self.pv_curve, n, PV_CURVES, "pv_curve", problems)
        problems += _range_problems(values, float(self.v_phase_v))
        if problems:
            raise ValueError("invalid EVSEParams: " + "; ".join(problems))
        for name, value in values.items():
            if isinstance(value, np.ndarray):
                value.flags.writeable = False
            object.__setattr__(self, name, value)
        for name, value in (
            ("c_ch", c_ch),
            ("c_dis", c_dis),
            ("qv_idx", qv_idx),
            ("pv_idx", pv_idx),
        ):
            value.flags.writeable = False
            object.__setattr__(self, name, value)
        object.__setattr__(self, "qv_curves", qv)
        object.__setattr__(self, "pv_curves", pv)

    @property
    def n(self) -> int:
        """Number of chargers."""
        return int(np.asarray(self.bus_id).size)

    def extra_info(self) -> dict[str, list[Any]]:
        """JSON-safe per-charger parameters for the entity's ``extra_info``."""
        keys = ("bus_id", "p_rated_kw", "s_rated_kva", "phases", "phase", "bidirectional", "q_mode")
        info: dict[str, list[Any]] = {}
        for k in keys:
            value = getattr(self, k)
            info[k] = (
                [str(v) for v in value] if isinstance(value, list) else np.asarray(value).tolist()
            )
        # what a planner needs: the power levels the charger can hold, and a charging
        # efficiency it can count on from the lowest level up (part-load curves fall there)
        p_rated = np.broadcast_to(np.asarray(self.p_rated_kw, dtype=float), np.shape(self.bus_id))
        kw_per_a = np.asarray(self.phases, dtype=float) * self.v_phase_v / 1000.0
        p_min = np.minimum(np.asarray(self.i_min_a, dtype=float) * kw_per_a, p_rated)
        p_low = np.maximum(p_min, 0.25 * p_rated)
        step_a = np.asarray(self.current_step_a, dtype=float)
        info["p_step_kw"] = np.broadcast_to(step_a * kw_per_a, p_rated.shape).tolist()
        info["p_min_kw"] = np.broadcast_to(p_min, p_rated.shape).tolist()
        info["eta_plan"] = efficiency(p_low, p_rated, self.c_ch, self.c_dis).tolist()
        return info


def draw_charger_phases(
    n: int, *, share_single: float, rng: np.random.Generator
) -> dict[str, list[int]]:
    """Seeded ``phases`` and ``phase`` of ``n`` chargers, ``share_single`` of them single-phase.

    A single-phase charger sits on phase a, b or c (uniform), the others are three-phase.

    Examples
    --------
    >>> draw_charger_phases(3, share_single=0.0, rng=np.random.default_rng(0))
    {'phases': [3, 3, 3], 'phase': [-1, -1, -1]}
    """
    phase = assign_phases(n, share_single=share_single, rng=rng).astype(np.int64)
    return {"phases": np.where(phase >= 0, 1, 3).tolist(), "phase": phase.tolist()}


def _phase(value: Any, phases: Any, n: int, problems: list[str]) -> NDArray[np.int64]:
    """Phase index per charger: given, else 0 for single-phase and -1 for three-phase."""
    n_ph = _arr(phases, n, "phases", np.int64, [])
    if value is None:
        return np.where(n_ph == 1, 0, -1).astype(np.int64)
    phase = _arr(value, n, "phase", np.int64, problems)
    single = n_ph == 1
    bad = (single & ~np.isin(phase, (0, 1, 2))) | (~single & (phase != -1))
    if bad.any():
        where = np.flatnonzero(bad)[:5].tolist()
        problems.append(
            "phase must be 0, 1 or 2 (a, b, c) for single-phase and -1 for three-phase "
            f"chargers (got {phase[bad][:5].tolist()} at charger(s) {where})"
        )
    return phase


def _range_problems(v: dict[str, Any], v_phase_v: float) -> list[str]:
    """Every out-of-range value, one message each (field, value, allowed range)."""
    checks: Sequence[tuple[str, Any, str]] = (
        ("p_rated_kw", v["p_rated_kw"] > 0, "> 0 kW"),
        ("s_rated_kva", v["s_rated_kva"] >= v["p_rated_kw"], ">= p_rated_kw"),
        ("phases", np.isin(v["phases"], (1, 3)), "1 or 3"),
        ("ramp_kw_per_s", v["ramp_kw_per_s"] > 0, "> 0 kW/s (inf for none)"),
        ("delay_s", (v["delay_s"] >= 0) & np.isfinite(v["delay_s"]), ">= 0 s, finite"),
        ("current_step_a", v["current_step_a"] >= 0, ">= 0 A"),
        ("i_min_a", v["i_min_a"] >= 0, ">= 0 A"),
        ("cos_phi", (np.abs(v["cos_phi"]) > 0) & (np.abs(v["cos_phi"]) <= 1), "0 < |cos_phi| <= 1"),
        ("bus_id", v["bus_id"] >= 0, ">= 0"),
        ("uv_trip_pu", (v["uv_trip_pu"] > 0) & (v["uv_trip_pu"] < 1.0), "in (0, 1) p.u."),
        (
            "uv_reconnect_pu",
            (v["uv_reconnect_pu"] >= v["uv_trip_pu"]) & (v["uv_reconnect_pu"] <= 1.1),
            "in [uv_trip_pu, 1.1] p.u.",
        ),
        (
            "uv_trip_delay_s",
            (v["uv_trip_delay_s"] >= 0) & np.isfinite(v["uv_trip_delay_s"]),
            ">= 0 s, finite",
        ),
        (
            "uv_reconnect_delay_s",
            (v["uv_reconnect_delay_s"] >= 0) & np.isfinite(v["uv_reconnect_delay_s"]),
            ">= 0 s, finite",
        ),
    )
    problems = []
    for name, ok, allowed in checks:
        ok = np.asarray(ok)
        if not ok.all():
            bad = np.asarray(v[name])[~ok]
            problems.append(f"{name} must be {allowed} (got {bad[:5].tolist()})")
    if not v_phase_v > 0:
        problems.append(f"v_phase_v must be > 0 V (got {v_phase_v})")
    return problems

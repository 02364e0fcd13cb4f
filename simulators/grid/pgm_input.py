"""power-grid-model input data built from a prepared pandapower net (numpy only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from power_grid_model import ComponentType, LoadGenType, WindingType, initialize_array
from power_grid_model.enum import BranchSide

from cosim.errors import ModelError

__all__ = ["SOURCE_SK_VA", "PgmInput", "build_pgm_input"]

#: Short-circuit power of the sources [VA], so large that they act as pandapower's ideal
#: slack: 1e15 VA still moved MV voltages by 1.2e-8 p.u., 1e18 VA by < 1e-9 (measured).
SOURCE_SK_VA = 1e18
# Elements pandapower would solve that this conversion does not model.
_UNSUPPORTED: tuple[str, ...] = ("gen", "shunt", "ward", "xward", "impedance", "trafo3w")
_UNSUPPORTED += ("dcline", "motor", "asymmetric_load", "asymmetric_sgen", "svc", "tcsc")
_UNSUPPORTED += ("ssc", "vsc")
_CONST_ZI = ("const_z_p_percent", "const_i_p_percent", "const_z_q_percent", "const_i_q_percent")


@dataclass(frozen=True)
class PgmInput:
    """Input data of one ``PowerGridModel`` plus what reading its results needs.

    Attributes
    ----------
    data : dict
        Row-based input arrays per component type (node, line, transformer, sym_load,
        sym_gen, source).
    bus_off : NDArray[np.bool_] (n_bus)
        Out-of-service buses (their results are NaN).
    n_storage : int
        Storage units appended to ``sym_load`` after the loads (constant injections).
    """

    data: dict[ComponentType, NDArray[np.void]]
    bus_off: NDArray[np.bool_]
    n_storage: int


def build_pgm_input(net: Any, *, sk_va: float = SOURCE_SK_VA) -> PgmInput:
    """Convert a prepared pandapower net (see :func:`~simulators.grid.network.prepare`).

    Node ids are bus rows; every other component gets ids after the nodes, so ids stay
    unique across types as power-grid-model requires.

    Parameters
    ----------
    net : pandapowerNet
        Prepared: continuous bus index, no switches, numeric columns as float.
    sk_va : float
        Short-circuit power of every ext_grid source [VA].

    Raises
    ------
    ModelError
        The net holds elements or transformer settings power-grid-model cannot represent
        exactly (the message names them; use ``backend='pandapower'`` for such grids).
    """
    _check_supported(net)
    bus_on = net.bus["in_service"].to_numpy(bool)
    ids = _IdCounter(len(net.bus))
    node = initialize_array("input", ComponentType.node, len(net.bus))
    node["id"] = np.arange(len(net.bus))
    node["u_rated"] = net.bus["vn_kv"].to_numpy(float) * 1e3
    storage = net.storage if "storage" in net and len(net.storage) else None
    data = {
        ComponentType.node: node,
        ComponentType.line: _lines(net, ids, bus_on),
        ComponentType.transformer: _transformers(net, ids, bus_on),
        ComponentType.sym_load: _sym_loads(net.load, storage, ids, bus_on),
        ComponentType.sym_gen: _injectors(net.sgen, ComponentType.sym_gen, ids, bus_on),
        ComponentType.source: _sources(net.ext_grid, ids, bus_on, sk_va),
    }
    n_storage = 0 if storage is None else len(storage)
    return PgmInput(data=data, bus_off=~bus_on, n_storage=n_storage)


class _IdCounter:
    """Hands out consecutive component ids."""

    def __init__(self, start: int) -> None:
        self.next = start

    def take(self, n: int) -> NDArray[np.int64]:
        out = np.arange(self.next, self.next + n, dtype=np.int64)
        self.next += n
        return out


def _check_supported(net: Any) -> None:
    problems = [
        f"{len(net[t])} {t}(s)"
        for t in _UNSUPPORTED
        if t in net and len(net[t]) and net[t]["in_service"].astype(bool).any()
    ]
    zi = [c for c in _CONST_ZI if c in net.load and (net.load[c].fillna(0.0) != 0.0).any()]
    if zi:
        problems.append(f"voltage-dependent loads ({', '.join(zi)})")
    if problems:
        raise ModelError(
            "backend 'power_grid_model' cannot represent this grid exactly: "
            f"{'; '.join(problems)} in service; use backend='pandapower' or 'lightsim2grid'"
        )


def _status(on: NDArray[np.bool_], *buses: NDArray[np.int64], bus_on: NDArray[np.bool_]) -> Any:
    for b in buses:
        on = on & bus_on[b]
    return on.astype(np.int8)


def _lines(net: Any, ids: _IdCounter, bus_on: NDArray[np.bool_]) -> NDArray[np.void]:
    ln = net.line
    arr = initialize_array("input", ComponentType.line, len(ln))
    fb, tb = ln["from_bus"].to_numpy(np.int64), ln["to_bus"].to_numpy(np.int64)
    length, par = ln["length_km"].to_numpy(float), ln["parallel"].to_numpy(float)
    g_s = _col(ln, "g_us_per_km", 0.0) * 1e-6 * length * par
    c_f = ln["c_nf_per_km"].to_numpy(float) * 1e-9 * length * par
    b_s = 2.0 * np.pi * float(net.f_hz) * c_f
    if np.any((g_s != 0.0) & (b_s == 0.0)):
        raise ModelError(
            "a line has shunt conductance g_us_per_km but no capacitance; "
            "power-grid-model expresses G as tan(delta)·B: use backend='pandapower'"
        )
    arr["id"] = ids.take(len(ln))
    arr["from_node"], arr["to_node"] = fb, tb
    st = _status(ln["in_service"].to_numpy(bool), fb, tb, bus_on=bus_on)
    arr["from_status"] = arr["to_status"] = st
    arr["r1"] = ln["r_ohm_per_km"].to_numpy(float) * length / par
    arr["x1"] = ln["x_ohm_per_km"].to_numpy(float) * length / par
    arr["c1"] = c_f
    arr["tan1"] = np.divide(g_s, b_s, out=np.zeros_like(g_s), where=b_s != 0.0)
    arr["i_n"] = ln["max_i_ka"].to_numpy(float) * 1e3 * par
    return arr


def _col(df: pd.DataFrame, name: str, default: float) -> NDArray[np.float64]:
    if name not in df.columns:
        return np.full(len(df), default)
    return df[name].to_numpy(float, na_value=default)


def _tapped_voltages(tr: pd.DataFrame) -> tuple[NDArray, NDArray, NDArray]:
    """Rated voltages [kV] and shift [deg] at the tap position, as pandapower computes them.

    pandapower moves the rated voltage of the tapped side (``"Ratio"``/``"Symmetrical"``,
    with an angle when ``tap_step_degree`` is set); ``"Ideal"`` only shifts the angle.
    The tap is folded into ``u1``/``u2`` rather than given to power-grid-model's tap
    changer, which clamps ``tap_pos`` to ``[tap_min, tap_max]`` and stores it as int8.
    """
    vn = np.stack([tr["vn_hv_kv"].to_numpy(float), tr["vn_lv_kv"].to_numpy(float)])
    shift = tr["shift_degree"].to_numpy(float, na_value=0.0).copy()
    diff = _col(tr, "tap_pos", np.nan) - _col(tr, "tap_neutral", 0.0)
    kind = tr.get("tap_changer_type", pd.Series([None] * len(tr), index=tr.index))
    kind = kind.astype(object).where(kind.notna(), "").astype(str).to_numpy()
    if "tap_dependency_table" in tr and tr["tap_dependency_table"].fillna(False).astype(bool).any():
        raise ModelError(
            "transformers with tap_dependency_table=True are not supported by "
            "backend 'power_grid_model'; use backend='pandapower'"
        )
    step_pct = np.nan_to_num(_col(tr, "tap_step_percent", 0.0))
    step_deg = np.nan_to_num(_col(tr, "tap_step_degree", 0.0))
    side = tr.get("tap_side", pd.Series([""] * len(tr), index=tr.index)).fillna("").to_numpy()
    active = np.isfinite(diff) & (diff != 0.0)
    for k, (name, direction) in enumerate((("hv", 1.0), ("lv", -1.0))):
        m = active & (side == name)
        ideal = m & (kind == "Ideal")
        shift[ideal] += direction * np.where(
            step_deg[ideal] != 0.0,
            diff[ideal] * step_deg[ideal],
            2.0 * np.rad2deg(np.arcsin(diff[ideal] * step_pct[ideal] / 200.0)),
        )
        cx = m & np.isin(kind, ("Ratio", "Symmetrical"))
        du = vn[k, cx] * step_pct[cx] * diff[cx] / 100.0
        ang = np.deg2rad(step_deg[cx])
        re, im = vn[k, cx] + du * np.cos(ang), du * np.sin(ang)
        shift[cx] += np.rad2deg(np.arctan(direction * im / re))
        vn[k, cx] = np.hypot(re, im)
    return vn[0], vn[1], shift


def _transformers(net: Any, ids: _IdCounter, bus_on: NDArray[np.bool_]) -> NDArray[np.void]:
    tr = net.trafo
    arr = initialize_array("input", ComponentType.transformer, len(tr))
    if not len(tr):
        return arr
    for col in ("leakage_resistance_ratio_hv", "leakage_reactance_ratio_hv"):
        if col in tr and not np.allclose(_col(tr, col, 0.5), 0.5):
            raise ModelError(
                f"trafo.{col} other than 0.5 makes an asymmetric pi model, which "
                "backend 'power_grid_model' cannot represent; use 'pandapower'"
            )
    u1_kv, u2_kv, shift = _tapped_voltages(tr)
    clock = shift / 30.0
    if not np.allclose(clock, np.round(clock), atol=1e-9):
        bad = sorted(set(np.round(shift[~np.isclose(clock, np.round(clock))], 3)))
        raise ModelError(
            f"transformer phase shift(s) {bad[:5]} deg are not multiples of 30 deg "
            "(a clock number); use backend='pandapower'"
        )
    clock_i = (np.round(clock).astype(np.int64) % 12).astype(np.int8)
    hv, lv = tr["hv_bus"].to_numpy(np.int64), tr["lv_bus"].to_numpy(np.int64)
    arr["id"] = ids.take(len(tr))
    arr["from_node"], arr["to_node"] = hv, lv
    st = _status(tr["in_service"].to_numpy(bool), hv, lv, bus_on=bus_on)
    arr["from_status"] = arr["to_status"] = st
    arr["u1"], arr["u2"] = u1_kv * 1e3, u2_kv * 1e3
    sn = tr["sn_mva"].to_numpy(float) * tr["parallel"].to_numpy(float) * 1e6
    arr["sn"] = sn
    uk, pk, i0, p0 = _pi_equivalent(tr, u2_kv * 1e3, sn)
    arr["uk"], arr["pk"], arr["i0"], arr["p0"] = uk, pk, i0, p0
    odd = clock_i % 2 == 1
    arr["winding_from"] = np.where(odd, WindingType.delta, WindingType.wye_n)
    arr["winding_to"] = WindingType.wye_n
    arr["clock"] = clock_i
    arr["tap_side"] = BranchSide.from_side
    arr["tap_pos"] = arr["tap_min"] = arr["tap_max"] = arr["tap_nom"] = 0
    arr["tap_size"] = 0.0
    return arr


def _pi_equivalent(
    tr: pd.DataFrame, u2_v: NDArray[np.float64], sn_va: NDArray[np.float64]
) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """uk, pk [W], i0, p0 [W] of the pi model equal to pandapower's default T model.

    pandapower (``trafo_model="t"``) splits the series impedance Z evenly around the
    magnetising admittance Y; power-grid-model uses a pi model (Y split evenly between the
    ends). The wye-delta transform gives the exact pi: ``Z' = Z (1 + Z Y / 4)`` and
    ``Y' = Y / (1 + Z Y / 4)``; both are mapped back to the datasheet quantities on the
    to-side base ``u2**2 / sn``. Without it voltages differ by ~1e-6 p.u. (measured).
    """
    par = tr["parallel"].to_numpy(float)
    vk, vkr = tr["vk_percent"].to_numpy(float) / 100.0, tr["vkr_percent"].to_numpy(float) / 100.0
    z_base = u2_v**2 / sn_va
    z = (vkr + 1j * np.sqrt(np.maximum(vk**2 - vkr**2, 0.0))) * z_base
    pfe_w = tr["pfe_kw"].to_numpy(float) * 1e3 * par
    ym_va = tr["i0_percent"].to_numpy(float) / 100.0 * sn_va
    y = (pfe_w - 1j * np.sqrt(np.maximum(ym_va**2 - pfe_w**2, 0.0))) / u2_v**2
    f = 1.0 + z * y / 4.0
    z_pi, y_pi = z * f, y / f
    uk = np.abs(z_pi) / z_base
    pk = z_pi.real / z_base * sn_va
    i0 = np.abs(y_pi) * z_base
    p0 = y_pi.real * u2_v**2
    return uk, pk, i0, p0


def _injectors(
    df: pd.DataFrame, kind: ComponentType, ids: _IdCounter, bus_on: NDArray[np.bool_]
) -> NDArray[np.void]:
    arr = initialize_array("input", kind, len(df))
    bus = df["bus"].to_numpy(np.int64)
    arr["id"] = ids.take(len(df))
    arr["node"] = bus
    arr["status"] = _status(df["in_service"].to_numpy(bool), bus, bus_on=bus_on)
    arr["type"] = LoadGenType.const_power
    arr["p_specified"] = df["p_mw"].to_numpy(float) * 1e6
    arr["q_specified"] = df["q_mvar"].to_numpy(float) * 1e6
    return arr


def _sym_loads(
    load: pd.DataFrame, storage: pd.DataFrame | None, ids: _IdCounter, bus_on: NDArray[np.bool_]
) -> NDArray[np.void]:
    loads = _injectors(load, ComponentType.sym_load, ids, bus_on)
    if storage is None:
        return loads
    # pandapower storage uses the load sign convention (>0 charging)
    return np.concatenate([loads, _injectors(storage, ComponentType.sym_load, ids, bus_on)])


def _sources(
    ext: pd.DataFrame, ids: _IdCounter, bus_on: NDArray[np.bool_], sk_va: float
) -> NDArray[np.void]:
    arr = initialize_array("input", ComponentType.source, len(ext))
    bus = ext["bus"].to_numpy(np.int64)
    arr["id"] = ids.take(len(ext))
    arr["node"] = bus
    arr["status"] = _status(ext["in_service"].to_numpy(bool), bus, bus_on=bus_on)
    arr["u_ref"] = ext["vm_pu"].to_numpy(float)
    arr["u_ref_angle"] = np.deg2rad(ext["va_degree"].to_numpy(float, na_value=0.0))
    arr["sk"] = sk_va
    return arr

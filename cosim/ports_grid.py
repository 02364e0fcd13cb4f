"""Catalogue ports of the grid, its operator (DSO) and its per-phase and same-step exchange."""

from __future__ import annotations

import math

from cosim.ports_types import Combine, Dim, Port, group

__all__ = ["GRID_PORTS"]

_D, _C = Dim, Combine
_NAN = math.nan


GRID_PORTS: tuple[Port, ...] = (
    # --- grid ----------------------------------------------------------------------------
    *group(
        (_D.BUS, _C.ONE, 1.0),
        ("v_pu", "p.u.", "Voltage magnitude."),
    ),
    *group(
        (_D.BUS, _C.ONE, 0.0),
        ("va_deg", "deg", "Voltage angle."),
    ),
    *group(
        (_D.SCALAR, _C.ONE, 0.0),
        ("loading_pct", "%", "Loading of a line or transformer relative to its rating."),
        ("p_from_kw", "kW", "Active power entering a branch at its from/hv side."),
        ("losses_kw", "kW", "Active power losses of the area."),
        ("p_slack_kw", "kW", "Active power drawn from the upstream grid (>0 import)."),
        ("q_slack_kvar", "kvar", "Reactive power drawn from the upstream grid."),
    ),
    *group(
        (_D.LINE, _C.ONE, 0.0),
        ("line_loading_pct", "%", "Loading of every line of an area."),
    ),
    *group(
        (_D.TRAFO, _C.ONE, 0.0),
        ("trafo_loading_pct", "%", "Loading of every transformer of an area."),
    ),
    *group(
        (_D.SCALAR, _C.SUM, 0.0),
        ("p_load_bg_kw", "kW", "Background (household/commercial) active load of the area."),
        ("p_gen_bg_kw", "kW", "Background generation (PV...) of the area (>0 generation)."),
    ),
    *group(
        (_D.SCALAR, _C.ONE, 1),
        ("converged", "bool", "1 when the power flow of this step converged."),
    ),
    # pandapower-adapter compatible names used by the mosaik ecosystem (generator sign for gen)
    *group(
        (_D.SCALAR, _C.SUM, 0.0),
        ("P_load[MW]", "MW", "Active load (mosaik-pandapower compatible, >0 consumption)."),
        ("Q_load[MVar]", "MVar", "Reactive load (mosaik-pandapower compatible)."),
        ("P_gen[MW]", "MW", "Active generation (mosaik-pandapower compatible, >0 injection)."),
        ("Q_gen[MVar]", "MVar", "Reactive generation (mosaik-pandapower compatible)."),
    ),
    *group(
        (_D.SCALAR, _C.ONE, _NAN),
        ("Vm[pu]", "p.u.", "Bus voltage magnitude (mosaik-pandapower-2 name of v_pu)."),
        ("Va[deg]", "deg", "Bus voltage angle (mosaik-pandapower-2 name of va_deg)."),
        ("loading[%]", "%", "Line/trafo loading (mosaik-pandapower-2 name of loading_pct)."),
        ("I[kA]", "kA", "Line current at the from side, trafo current at the hv side."),
    ),
    # --- dso (per operator) ---------------------------------------------------------------
    *group(
        (_D.SCALAR, _C.SUM, 0),
        ("n_congested", "1", "Lines and trafos above the DSO's loading limit (as observed)."),
        ("n_v_violations", "1", "Buses outside the DSO's voltage band (as observed)."),
    ),
    *group(
        (_D.SCALAR, _C.SUM, 0.0),
        ("p_curtail_req_kw", "kW", "Total charger power the DSO's limits ask to shed (>=0)."),
    ),
    # --- three-phase (per charger, or per bus of the grid Area) -----------------------
    *group(
        (_D.CHARGER, _C.SUM, 0.0),
        ("p_a_kw", "kW", "Active power on grid phase a (>0 consumption)."),
        ("p_b_kw", "kW", "Active power on grid phase b (>0 consumption)."),
        ("p_c_kw", "kW", "Active power on grid phase c (>0 consumption)."),
        ("q_a_kvar", "kvar", "Reactive power on grid phase a (>0 absorption)."),
        ("q_b_kvar", "kvar", "Reactive power on grid phase b (>0 absorption)."),
        ("q_c_kvar", "kvar", "Reactive power on grid phase c (>0 absorption)."),
    ),
    *group(
        (_D.BUS, _C.ONE, 1.0),
        ("v_a_pu", "p.u.", "Phase-to-earth voltage of phase a (base vn_kv / sqrt(3))."),
        ("v_b_pu", "p.u.", "Phase-to-earth voltage of phase b (base vn_kv / sqrt(3))."),
        ("v_c_pu", "p.u.", "Phase-to-earth voltage of phase c (base vn_kv / sqrt(3))."),
    ),
    *group(
        (_D.BUS, _C.ONE, 0.0),
        ("vuf_pct", "%", "Voltage unbalance factor |V2| / |V1| (EN 50160)."),
        ("v0_pu", "p.u.", "Zero-sequence voltage: the neutral-point shift against earth."),
    ),
    # --- same-step loop of the chargers' voltage control and the grid ------------------------
    *group(
        (_D.BUS, _C.EACH, 1.0),
        ("v_loop_pu", "p.u.", "Bus voltages of this step, from the grid Area (weak connection)."),
    ),
    *group(
        (_D.BUS, _C.EACH, None),
        ("bus_id_loop", "1", "Bus ids of v_loop_pu, from the grid Area (weak connection)."),
    ),
    *group(
        (_D.SCALAR, _C.ANY, 0),
        ("resolve", "bool", "Event: a charger's P or Q moved; solve the grid again now."),
    ),
    *group(
        (_D.SCALAR, _C.ONE, 0),
        ("loop_iter", "1", "Re-steps of the charger bank at this time (same_step loop)."),
    ),
)

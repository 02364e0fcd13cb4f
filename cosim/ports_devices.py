"""Catalogue ports of the EV fleet and the chargers (per EV, per charger, per segment)."""

from __future__ import annotations

import math

from cosim.ports_types import Combine, Dim, Port, group

__all__ = ["DEVICE_PORTS"]

_D, _C = Dim, Combine
_NAN, _INF = math.nan, math.inf


DEVICE_PORTS: tuple[Port, ...] = (
    # --- EV fleet (per EV) ---------------------------------------------------------------
    *group(
        (_D.EV, _C.ONE, 0),
        ("plugged", "bool", "1 while the EV is connected to its charger, else 0."),
        ("opt_out", "bool", "1 when the driver refuses controlled charging this session."),
    ),
    *group(
        (_D.EV, _C.ONE, _NAN),
        ("soc", "1", "State of charge as a fraction of usable capacity, in [0, 1]."),
        ("e_capacity_kwh", "kWh", "Usable battery capacity (shrinks with ageing)."),
        ("soc_target", "1", "SoC the driver wants at departure."),
    ),
    *group(
        (_D.EV, _C.ONE, 0.0),
        ("e_need_kwh", "kWh", "Energy still to charge to reach the target SoC at departure."),
        ("soc_min", "1", "Minimum SoC the driver accepts (V2G floor)."),
    ),
    *group(
        (_D.EV, _C.ONE, -1),
        ("departure_s", "s", "Scenario time of the next departure (-1 when unknown)."),
        ("charger_idx", "1", "Index of the charger the EV uses in its EVSE bank (-1: none)."),
    ),
    *group(
        (_D.EV, _C.ONE, _INF),
        ("p_max_kw", "kW", "Maximum AC charging power the EV's on-board charger accepts."),
    ),
    *group(
        (_D.EV, _C.SUM, 0.0),
        ("e_unserved_kwh", "kWh", "Energy short of the target at departures in the last step."),
        ("e_trip_kwh", "kWh", "Energy driven in the last step (taken from the battery)."),
        (
            "e_trip_unmet_kwh",
            "kWh",
            "Trip energy the battery could not supply in the last step (charged elsewhere).",
        ),
    ),
    # --- EVSE (per charger) --------------------------------------------------------------
    *group(
        (_D.CHARGER, _C.SUM, _NAN),
        ("p_set_kw", "kW", "AC active power setpoint from a controller (>0 charge)."),
        ("q_set_kvar", "kvar", "External reactive power setpoint (>0 absorb)."),
    ),
    *group(
        (_D.CHARGER, _C.MIN, _NAN),
        ("p_limit_kw", "kW", "Maximum AC charging power allowed (contract limit)."),
    ),
    *group(
        (_D.CHARGER, _C.SUM, 0.0),
        ("p_kw", "kW", "AC active power at the grid connection (>0 consumption)."),
        ("q_kvar", "kvar", "AC reactive power at the grid connection (>0 absorption)."),
    ),
    *group(
        (_D.EV, _C.SUM, 0.0),
        ("p_batt_kw", "kW", "Battery-side power of each EV (>0 charging)."),
    ),
    *group(
        (_D.BUS, _C.EACH, None),
        ("bus_id", "1", "pandapower bus index of each element of an array port."),
    ),
    # --- ev_fleet: ageing (per EV) and user segments (per segment) ------------------------
    *group(
        (_D.EV, _C.SUM, 0.0),
        ("capacity_fade", "1", "Battery capacity lost to calendar + cycle ageing, fraction."),
    ),
    *group(
        (_D.SEGMENT, _C.SUM, 0),
        ("n_plugins", "1", "Plug-in sessions started in the last step, per segment."),
        ("n_plugged", "1", "EVs connected now, per segment."),
    ),
    *group(
        (_D.SEGMENT, _C.SUM, 0.0),
        ("p_flex_max_kw", "kW", "Battery power if every plugged EV charged now, per segment."),
        ("p_flex_min_kw", "kW", "Battery power needed now to meet every need by departure."),
        ("e_flex_need_kwh", "kWh", "Energy the plugged EVs still need, per segment."),
    ),
    # --- evse dynamics (per charger) ------------------------------------------------------
    *group(
        (_D.CHARGER, _C.MIN, _NAN),
        ("p_dis_limit_kw", "kW", "Maximum AC discharging (V2G) power allowed (>=0, contract)."),
    ),
    *group(
        (_D.CHARGER, _C.SUM, 0.0),
        ("p_loss_kw", "kW", "Conversion losses of each charger, AC minus battery side (>=0)."),
        (
            "p_curtailed_kw",
            "kW",
            "Power without the contract limits minus power drawn (>0 less charging).",
        ),
        (
            "p_tripped_kw",
            "kW",
            "Power the charger would draw without its protection trip (>0 not delivered).",
        ),
    ),
    *group(
        (_D.CHARGER, _C.ANY, 0),
        ("tripped", "bool", "Charger disconnected by its undervoltage protection this step."),
    ),
    *group(
        (_D.CHARGER, _C.SUM, 0),
        ("n_trips", "1", "Undervoltage trips of each charger since the start (cumulative)."),
    ),
    # --- phase balancer ------------------------------------------------------------------
    *group(
        (_D.CAP, _C.MIN, _INF),
        ("cap_kw", "kW", "Phase balancer caps: single-phase a, b, c and three-phase (inf: none)."),
    ),
    *group(
        (_D.SCALAR, _C.SUM, 0),
        ("n_limited", "1", "Chargers the phase balancer caps below their rating."),
    ),
    *group(
        (_D.SCALAR, _C.SUM, 0.0),
        ("p_shed_kw", "kW", "Charger power the phase balancer's caps shed vs the last draw (>=0)."),
    ),
)

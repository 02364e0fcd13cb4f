"""The port catalogue: every data port of the simulators, declared once.

A port declares its unit, the index of its values (one per EV, charger, bus, zone... or a
scalar), the value that stands for "nothing received" and how an entity combines the values
of several sources on it (:class:`Combine`). Which ports a model reads and which it writes
(the direction) is declared by the model, see :class:`cosim.adapter_base.ModelPorts`; its
mosaik ``META`` is built from those declarations.

Sign convention (consumer): ``p_kw > 0`` draws active power from the grid (charging),
``p_kw < 0`` injects it (V2G); ``q_kvar > 0`` absorbs reactive power (inductive), ``< 0``
injects it. Array-valued ports carry one value per element of the sending entity (per EV,
per charger, per bus...); the order is fixed at creation and recorded in ``extra_info``
(under :attr:`Dim.info_key`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Any

__all__ = ["ALL_PORTS", "Combine", "Dim", "Port", "declare", "port"]


class Dim(Enum):
    """What the values of an array port are indexed by, and where ``extra_info`` lists it.

    ``info_key`` names the list in an entity's ``extra_info`` with one entry per element
    (``None``: not listed; the port's length is not known before the first step).
    """

    SCALAR = ("scalar", None)
    EV = ("EV", "ev_ids")
    CHARGER = ("charger", "charger_ids")
    SEGMENT = ("segment", "segment_names")
    BUS = ("bus", "bus_id")
    LINE = ("line", "line_id")
    TRAFO = ("trafo", "trafo_id")
    ZONE = ("zone", "zone_names")
    HOME = ("home", "bus_id")
    #: one per element of the sending entity, labelled by a bus-id port of the same source
    ELEMENT = ("element", None)
    #: the next steps of a forecast or plan (element 0: this step)
    HORIZON = ("horizon step", None)
    #: the sub-steps of one step (e.g. the frequency's f_step_s)
    SUBSTEP = ("sub-step", None)
    #: caps of the phase balancer: single-phase a, b, c and three-phase
    CAP = ("cap", None)
    #: a list of records (order dicts)
    LIST = ("record", None)

    def __init__(self, label: str, info_key: str | None) -> None:
        self.label = label
        self.info_key = info_key


class Combine(Enum):
    """How an entity combines one port's values from several sources."""

    #: added element-wise; NaN is "no value" (an element nobody sets keeps the default)
    SUM = "sum"
    #: added element-wise, NaN kept: for a receiver that rejects a NaN as a sender's error
    ADD = "add"
    #: element-wise minimum; NaN is "no limit"
    MIN = "min"
    #: element-wise logical or
    ANY = "any"
    #: exactly one source may be connected
    ONE = "one"
    #: lists concatenated in source-id order
    CONCAT = "concat"
    #: kept per source: it labels the source's other arrays (bus ids)
    EACH = "each"


@dataclass(frozen=True)
class Port:
    """A named, unit-carrying data port.

    Parameters
    ----------
    name : str
        The mosaik attribute name (units in the name).
    unit : str
        Physical unit, ``"1"`` for dimensionless, ``"bool"`` for flags.
    dim : Dim
        What its values are indexed by (``Dim.SCALAR``: one number).
    combine : Combine
        How a receiver combines several sources.
    default : Any
        The value of an element no source sends (per element for array ports); ``None``
        when there is none (ids, forecasts).
    doc : str
        Meaning and sign.
    """

    name: str
    unit: str
    dim: Dim
    combine: Combine
    default: Any
    doc: str


_D, _C = Dim, Combine
_NAN, _INF = math.nan, math.inf


def _group(kind: tuple[Dim, Combine, Any], *rows: tuple[str, str, str]) -> tuple[Port, ...]:
    """Ports of one kind: (dim, combine, default) and rows (name, unit, doc)."""
    dim, combine, default = kind
    return tuple(Port(name, unit, dim, combine, default, doc) for name, unit, doc in rows)


_DEFS: tuple[Port, ...] = (
    # --- EV fleet (per EV) ---------------------------------------------------------------
    *_group(
        (_D.EV, _C.ONE, 0),
        ("plugged", "bool", "1 while the EV is connected to its charger, else 0."),
        ("opt_out", "bool", "1 when the driver refuses controlled charging this session."),
    ),
    *_group(
        (_D.EV, _C.ONE, _NAN),
        ("soc", "1", "State of charge as a fraction of usable capacity, in [0, 1]."),
        ("e_capacity_kwh", "kWh", "Usable battery capacity (shrinks with ageing)."),
        ("soc_target", "1", "SoC the driver wants at departure."),
    ),
    *_group(
        (_D.EV, _C.ONE, 0.0),
        ("e_need_kwh", "kWh", "Energy still to charge to reach the target SoC at departure."),
        ("soc_min", "1", "Minimum SoC the driver accepts (V2G floor)."),
    ),
    *_group(
        (_D.EV, _C.ONE, -1),
        ("departure_s", "s", "Scenario time of the next departure (-1 when unknown)."),
        ("charger_idx", "1", "Index of the charger the EV uses in its EVSE bank (-1: none)."),
    ),
    *_group(
        (_D.EV, _C.ONE, _INF),
        ("p_max_kw", "kW", "Maximum AC charging power the EV's on-board charger accepts."),
    ),
    *_group(
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
    *_group(
        (_D.CHARGER, _C.SUM, _NAN),
        ("p_set_kw", "kW", "AC active power setpoint from a controller (>0 charge)."),
        ("q_set_kvar", "kvar", "External reactive power setpoint (>0 absorb)."),
    ),
    *_group(
        (_D.CHARGER, _C.MIN, _NAN),
        ("p_limit_kw", "kW", "Maximum AC charging power allowed (contract limit)."),
    ),
    *_group(
        (_D.CHARGER, _C.SUM, 0.0),
        ("p_kw", "kW", "AC active power at the grid connection (>0 consumption)."),
        ("q_kvar", "kvar", "AC reactive power at the grid connection (>0 absorption)."),
    ),
    *_group(
        (_D.EV, _C.SUM, 0.0),
        ("p_batt_kw", "kW", "Battery-side power of each EV (>0 charging)."),
    ),
    *_group(
        (_D.BUS, _C.EACH, None),
        ("bus_id", "1", "pandapower bus index of each element of an array port."),
    ),
    # --- grid ----------------------------------------------------------------------------
    *_group(
        (_D.BUS, _C.ONE, 1.0),
        ("v_pu", "p.u.", "Voltage magnitude."),
    ),
    *_group(
        (_D.BUS, _C.ONE, 0.0),
        ("va_deg", "deg", "Voltage angle."),
    ),
    *_group(
        (_D.SCALAR, _C.ONE, 0.0),
        ("loading_pct", "%", "Loading of a line or transformer relative to its rating."),
        ("p_from_kw", "kW", "Active power entering a branch at its from/hv side."),
        ("losses_kw", "kW", "Active power losses of the area."),
        ("p_slack_kw", "kW", "Active power drawn from the upstream grid (>0 import)."),
        ("q_slack_kvar", "kvar", "Reactive power drawn from the upstream grid."),
    ),
    *_group(
        (_D.LINE, _C.ONE, 0.0),
        ("line_loading_pct", "%", "Loading of every line of an area."),
    ),
    *_group(
        (_D.TRAFO, _C.ONE, 0.0),
        ("trafo_loading_pct", "%", "Loading of every transformer of an area."),
    ),
    *_group(
        (_D.SCALAR, _C.SUM, 0.0),
        ("p_load_bg_kw", "kW", "Background (household/commercial) active load of the area."),
        ("p_gen_bg_kw", "kW", "Background generation (PV...) of the area (>0 generation)."),
    ),
    *_group(
        (_D.SCALAR, _C.ONE, 1),
        ("converged", "bool", "1 when the power flow of this step converged."),
    ),
    # --- tariff (per tariff entity) ------------------------------------------------------
    *_group(
        (_D.SCALAR, _C.ONE, _NAN),
        ("price_eur_mwh", "EUR/MWh", "Energy price incl. network component for this step."),
    ),
    *_group(
        (_D.HORIZON, _C.ONE, None),
        (
            "price_forecast_eur_mwh",
            "EUR/MWh",
            "Prices of the next H steps (element 0 is this step's price).",
        ),
    ),
    *_group(
        (_D.SCALAR, _C.ONE, 0),
        ("period", "1", "ToU period rank of this step (0 = cheapest period of the day)."),
    ),
    *_group(
        (_D.SCALAR, _C.SUM, 0.0),
        ("cost_eur", "EUR", "Cumulative cost of the energy drawn (+ capacity charges)."),
        ("cost_step_eur", "EUR", "Cost of the last billed step (<0: net revenue)."),
        ("cost_capacity_eur", "EUR", "Cumulative capacity charges (subscription, overrun, peak)."),
        ("p_peak_kw", "kW", "Highest 15-min mean power of the current billing month."),
    ),
    # pandapower-adapter compatible names used by the mosaik ecosystem (generator sign for gen)
    *_group(
        (_D.SCALAR, _C.SUM, 0.0),
        ("P_load[MW]", "MW", "Active load (mosaik-pandapower compatible, >0 consumption)."),
        ("Q_load[MVar]", "MVar", "Reactive load (mosaik-pandapower compatible)."),
        ("P_gen[MW]", "MW", "Active generation (mosaik-pandapower compatible, >0 injection)."),
        ("Q_gen[MVar]", "MVar", "Reactive generation (mosaik-pandapower compatible)."),
    ),
    *_group(
        (_D.SCALAR, _C.ONE, _NAN),
        ("Vm[pu]", "p.u.", "Bus voltage magnitude (mosaik-pandapower-2 name of v_pu)."),
        ("Va[deg]", "deg", "Bus voltage angle (mosaik-pandapower-2 name of va_deg)."),
        ("loading[%]", "%", "Line/trafo loading (mosaik-pandapower-2 name of loading_pct)."),
        ("I[kA]", "kA", "Line current at the from side, trafo current at the hv side."),
    ),
    # --- dso (per operator) ---------------------------------------------------------------
    *_group(
        (_D.SCALAR, _C.SUM, 0),
        ("n_congested", "1", "Lines and trafos above the DSO's loading limit (as observed)."),
        ("n_v_violations", "1", "Buses outside the DSO's voltage band (as observed)."),
    ),
    *_group(
        (_D.SCALAR, _C.SUM, 0.0),
        ("p_curtail_req_kw", "kW", "Total charger power the DSO's limits ask to shed (>=0)."),
    ),
    # --- aggregator (per aggregator) ------------------------------------------------------
    *_group(
        (_D.HORIZON, _C.SUM, 0.0),
        ("p_plan_kw", "kW", "Aggregate planned AC power of the next steps (element 0 = now)."),
    ),
    *_group(
        (_D.SCALAR, _C.SUM, 0.0),
        ("e_flex_kwh", "kWh", "Energy the controlled EVs need that could wait past this step."),
    ),
    # --- flex_market (one Market entity) -------------------------------------------------
    *_group(
        (_D.LIST, _C.CONCAT, ()),
        ("flex_requests", "list", "DSO flexibility requests (dicts; see flex_market.orders)."),
        ("flex_bids", "list", "Aggregator location-specific bids (dicts; flex_market.orders)."),
        ("flex_awards", "list", "Awards cleared in the last step (dicts, kW and EUR/MWh)."),
        ("flex_activations", "list", "Awards whose delivery window starts now (dicts)."),
        ("flex_settlements", "list", "Awards settled against the baseline this step (dicts)."),
    ),
    *_group(
        (_D.ZONE, _C.SUM, 0.0),
        ("p_baseline_kw", "kW", "Declared baseline per meter key (>0 consumption)."),
        ("p_metered_kw", "kW", "Metered power per meter key (>0 consumption)."),
    ),
    *_group(
        (_D.SCALAR, _C.SUM, 0.0),
        ("p_requested_kw", "kW", "Flexibility requested for this step (sum of live requests)."),
        ("p_awarded_kw", "kW", "Flexibility awarded for this step (sum of live awards)."),
        ("p_delivered_kw", "kW", "Flexibility delivered vs baseline in the metered step."),
        ("penalty_eur", "EUR", "Cumulative non-delivery penalties charged to providers."),
    ),
    # --- ev_fleet: ageing (per EV) and user segments (per segment) ------------------------
    *_group(
        (_D.EV, _C.SUM, 0.0),
        ("capacity_fade", "1", "Battery capacity lost to calendar + cycle ageing, fraction."),
    ),
    *_group(
        (_D.SEGMENT, _C.SUM, 0),
        ("n_plugins", "1", "Plug-in sessions started in the last step, per segment."),
        ("n_plugged", "1", "EVs connected now, per segment."),
    ),
    *_group(
        (_D.SEGMENT, _C.SUM, 0.0),
        ("p_flex_max_kw", "kW", "Battery power if every plugged EV charged now, per segment."),
        ("p_flex_min_kw", "kW", "Battery power needed now to meet every need by departure."),
        ("e_flex_need_kwh", "kWh", "Energy the plugged EVs still need, per segment."),
    ),
    # --- tso (per provider account; *_sub: one value per f_step_s sub-step) ---------------
    *_group(
        (_D.SCALAR, _C.ONE, 50.0),
        ("f_hz", "Hz", "System frequency, mean over the step."),
    ),
    *_group(
        (_D.SUBSTEP, _C.ONE, None),
        ("f_hz_sub", "Hz", "System frequency of each sub-step of the step (array)."),
        ("fcr_activation_sub", "1", "FCR activation in [-1, 1] per sub-step (>0 upward)."),
        ("afrr_activation_sub", "1", "aFRR setpoint fraction in [-1, 1] per sub-step."),
    ),
    *_group(
        (_D.SCALAR, _C.ONE, 0.0),
        ("fcr_activation", "1", "FCR activation, step mean of the sub-steps, >0 upward."),
        ("afrr_activation", "1", "aFRR setpoint fraction, step mean (>0 upward)."),
    ),
    *_group(
        (_D.SCALAR, _C.SUM, 0.0),
        ("fcr_p_req_kw", "kW", "Requested FCR power change, step mean (<0: reduce draw)."),
        ("e_fcr_req_kwh", "kWh", "Requested FCR energy change over the step (<0: less drawn)."),
        ("fcr_capacity_kw", "kW", "Symmetric FCR capacity offered / held in the 4-h block."),
        ("afrr_p_req_kw", "kW", "Requested aFRR power change, step mean (<0: reduce draw)."),
        ("e_afrr_req_kwh", "kWh", "Requested aFRR energy change over the step."),
        ("afrr_capacity_kw", "kW", "Symmetric aFRR capacity offered / held in the 4-h block."),
        (
            "p_fcr_delivered_kw",
            "kW",
            "FCR power change the provider achieved: step mean or sub-step array (<0: less drawn).",
        ),
        (
            "p_afrr_delivered_kw",
            "kW",
            "aFRR power change the provider achieved: step mean or sub-step array.",
        ),
        ("e_fcr_delivered_kwh", "kWh", "Delivered FCR energy change of the verified step."),
        ("fcr_shortfall_kwh", "kWh", "FCR energy short of the request in the verified step."),
        ("e_afrr_delivered_kwh", "kWh", "Delivered aFRR energy change of the verified step."),
        ("afrr_shortfall_kwh", "kWh", "aFRR energy short of the request in the verified step."),
        ("fcr_revenue_eur", "EUR", "Cumulative FCR capacity remuneration."),
        ("afrr_revenue_eur", "EUR", "Cumulative aFRR capacity + energy remuneration."),
        ("fcr_penalty_eur", "EUR", "Cumulative FCR non-delivery penalties."),
        ("afrr_penalty_eur", "EUR", "Cumulative aFRR non-delivery penalties."),
    ),
    *_group(
        (_D.SCALAR, _C.ONE, _NAN),
        ("fcr_price_eur_mw_h", "EUR/(MW·h)", "FCR capacity price of the current block."),
    ),
    # --- evse dynamics (per charger) ------------------------------------------------------
    *_group(
        (_D.CHARGER, _C.MIN, _NAN),
        ("p_dis_limit_kw", "kW", "Maximum AC discharging (V2G) power allowed (>=0, contract)."),
    ),
    *_group(
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
    *_group(
        (_D.CHARGER, _C.ANY, 0),
        ("tripped", "bool", "Charger disconnected by its undervoltage protection this step."),
    ),
    *_group(
        (_D.CHARGER, _C.SUM, 0),
        ("n_trips", "1", "Undervoltage trips of each charger since the start (cumulative)."),
    ),
    # --- coordination (DSO-TSO coordinator; per charger / per zone / per coordinator) -----
    *_group(
        (_D.CHARGER, _C.SUM, 0.0),
        ("p_base_kw", "kW", "Baseline AC power of each charger before flexibility (>0 charge)."),
        ("p_up_kw", "kW", "Available increase of each charger's consumption this step (>=0)."),
        ("p_down_kw", "kW", "Available decrease of each charger's consumption this step (>=0)."),
        ("p_adj_kw", "kW", "Coordinated adjustment added to each charger's baseline (>0 more)."),
        ("fcr_band_kw", "kW", "Symmetric FCR band reserved on each charger (>=0)."),
        ("afrr_band_kw", "kW", "Symmetric aFRR band reserved on each charger (>=0)."),
    ),
    *_group(
        (_D.ZONE, _C.SUM, 0.0),
        ("dso_req_kw", "kW", "DSO's requested change per zone, awarded/activated (<0: reduce)."),
        ("dso_served_kw", "kW", "DSO change delivered per zone (<0: less drawn)."),
    ),
    *_group(
        (_D.CHARGER, _C.ANY, 0),
        ("congested_mask", "bool", "1 for chargers behind a congested element (red)."),
    ),
    *_group(
        (_D.ZONE, _C.MIN, _INF),
        ("headroom_kw", "kW", "Extra consumption per zone before violation (<0: violated)."),
    ),
    *_group(
        (_D.SCALAR, _C.SUM, 0.0),
        ("fcr_served_kw", "kW", "FCR change delivered by the coordinated fleet (<0: less drawn)."),
        ("fcr_blocked_kw", "kW", "FCR the fleet could deliver but the scheme did not (>=0)."),
        (
            "afrr_served_kw",
            "kW",
            "aFRR change delivered by the coordinated fleet (<0: less drawn).",
        ),
        (
            "afrr_blocked_kw",
            "kW",
            "aFRR the fleet could deliver after FCR but the scheme did not (>=0).",
        ),
        ("conflict_mw", "MW", "Total size of the conflicts detected in the last step."),
    ),
    *_group(
        (_D.SCALAR, _C.SUM, 0),
        ("n_conflicts", "1", "DSO-TSO conflicts detected in the last step."),
        ("n_tso_aggravates_dso", "1", "Cumulative conflicts: FCR worsens a DSO zone."),
        ("n_dso_counteracts_tso", "1", "Cumulative conflicts: DSO activation against FCR."),
        ("n_double_claim", "1", "Cumulative conflicts: FCR band + DSO award beyond capacity."),
        ("n_afrr_aggravates_dso", "1", "Cumulative conflicts: aFRR worsens a DSO zone."),
        ("n_dso_counteracts_afrr", "1", "Cumulative conflicts: DSO activation against aFRR."),
        (
            "n_afrr_double_claim",
            "1",
            "Cumulative conflicts: FCR + aFRR band + DSO award beyond capacity.",
        ),
    ),
    # --- three-phase (per charger, or per bus of the grid Area) -----------------------
    *_group(
        (_D.CHARGER, _C.SUM, 0.0),
        ("p_a_kw", "kW", "Active power on grid phase a (>0 consumption)."),
        ("p_b_kw", "kW", "Active power on grid phase b (>0 consumption)."),
        ("p_c_kw", "kW", "Active power on grid phase c (>0 consumption)."),
        ("q_a_kvar", "kvar", "Reactive power on grid phase a (>0 absorption)."),
        ("q_b_kvar", "kvar", "Reactive power on grid phase b (>0 absorption)."),
        ("q_c_kvar", "kvar", "Reactive power on grid phase c (>0 absorption)."),
    ),
    *_group(
        (_D.BUS, _C.ONE, 1.0),
        ("v_a_pu", "p.u.", "Phase-to-earth voltage of phase a (base vn_kv / sqrt(3))."),
        ("v_b_pu", "p.u.", "Phase-to-earth voltage of phase b (base vn_kv / sqrt(3))."),
        ("v_c_pu", "p.u.", "Phase-to-earth voltage of phase c (base vn_kv / sqrt(3))."),
    ),
    *_group(
        (_D.BUS, _C.ONE, 0.0),
        ("vuf_pct", "%", "Voltage unbalance factor |V2| / |V1| (EN 50160)."),
        ("v0_pu", "p.u.", "Zero-sequence voltage: the neutral-point shift against earth."),
    ),
    # --- same-step loop of the chargers' voltage control and the grid ------------------------
    *_group(
        (_D.BUS, _C.EACH, 1.0),
        ("v_loop_pu", "p.u.", "Bus voltages of this step, from the grid Area (weak connection)."),
    ),
    *_group(
        (_D.BUS, _C.EACH, None),
        ("bus_id_loop", "1", "Bus ids of v_loop_pu, from the grid Area (weak connection)."),
    ),
    *_group(
        (_D.SCALAR, _C.ANY, 0),
        ("resolve", "bool", "Event: a charger's P or Q moved; solve the grid again now."),
    ),
    *_group(
        (_D.SCALAR, _C.ONE, 0),
        ("loop_iter", "1", "Re-steps of the charger bank at this time (same_step loop)."),
    ),
    # --- phase balancer ------------------------------------------------------------------
    *_group(
        (_D.CAP, _C.MIN, _INF),
        ("cap_kw", "kW", "Phase balancer caps: single-phase a, b, c and three-phase (inf: none)."),
    ),
    *_group(
        (_D.SCALAR, _C.SUM, 0),
        ("n_limited", "1", "Chargers the phase balancer caps below their rating."),
    ),
    *_group(
        (_D.SCALAR, _C.SUM, 0.0),
        ("p_shed_kw", "kW", "Charger power the phase balancer's caps shed vs the last draw (>=0)."),
    ),
)


ALL_PORTS: dict[str, Port] = {p.name: p for p in _DEFS}


def port(name: str) -> Port:
    """Return the port called ``name``.

    >>> port("p_kw").unit
    'kW'
    """
    try:
        return ALL_PORTS[name]
    except KeyError as err:
        raise KeyError(
            f"unknown port {name!r}: declare it (cosim.ports.declare) or use one of "
            f"{sorted(ALL_PORTS)}"
        ) from err


def declare(*ports: Port) -> tuple[Port, ...]:
    """Add a simulator's own ports to the catalogue; returns them.

    A port already in the catalogue must be declared identically: one name, one meaning.
    """
    for p in ports:
        known = ALL_PORTS.setdefault(p.name, p)
        if repr(known) != repr(p):  # repr: a NaN default equals itself
            raise ValueError(
                f"port {p.name!r} is already declared as {known}; give the new one another "
                "name, or use cosim.ports.port(name) to reuse it"
            )
    return ports

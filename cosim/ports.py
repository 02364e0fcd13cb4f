"""Port names shared by all simulators: one definition each, with unit and sign.

Sign convention (consumer): ``p_kw > 0`` draws active power from the grid (charging),
``p_kw < 0`` injects it (V2G); ``q_kvar > 0`` absorbs reactive power (inductive), ``< 0``
injects it. Array-valued ports carry one value per element of the sending entity (per EV,
per charger, per bus...); the order is fixed at creation and recorded in ``extra_info``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ALL_PORTS", "Port", "attr_names", "port"]


@dataclass(frozen=True)
class Port:
    """A named, unit-carrying data port.

    Parameters
    ----------
    name : str
        The mosaik attribute name (units in the name).
    unit : str
        Physical unit, ``"1"`` for dimensionless, ``"bool"`` for flags.
    doc : str
        Meaning and sign.
    """

    name: str
    unit: str
    doc: str


_DEFS: tuple[Port, ...] = (
    # --- EV fleet (per EV) ---------------------------------------------------------------
    Port("plugged", "bool", "1 while the EV is connected to its charger, else 0."),
    Port("soc", "1", "State of charge as a fraction of usable capacity, in [0, 1]."),
    Port("e_need_kwh", "kWh", "Energy still to charge to reach the target SoC at departure."),
    Port("e_capacity_kwh", "kWh", "Usable battery capacity (shrinks with ageing)."),
    Port("departure_s", "s", "Scenario time of the next departure (-1 when unknown)."),
    Port("p_max_kw", "kW", "Maximum AC charging power the EV's on-board charger accepts."),
    Port("soc_min", "1", "Minimum SoC the driver accepts (V2G floor)."),
    Port("soc_target", "1", "SoC the driver wants at departure."),
    Port("opt_out", "bool", "1 when the driver refuses controlled charging this session."),
    Port("charger_idx", "1", "Index of the charger the EV uses in its EVSE bank (-1: none)."),
    Port("e_unserved_kwh", "kWh", "Energy short of the target at departures in the last step."),
    Port("e_trip_kwh", "kWh", "Energy driven in the last step (taken from the battery)."),
    Port(
        "e_trip_unmet_kwh",
        "kWh",
        "Trip energy the battery could not supply in the last step (charged elsewhere).",
    ),
    # --- EVSE (per charger) --------------------------------------------------------------
    Port("p_set_kw", "kW", "AC active power setpoint from a controller (>0 charge)."),
    Port("p_limit_kw", "kW", "Maximum AC charging power allowed (contract limit)."),
    Port("q_set_kvar", "kvar", "External reactive power setpoint (>0 absorb)."),
    Port("p_kw", "kW", "AC active power at the grid connection (>0 consumption)."),
    Port("q_kvar", "kvar", "AC reactive power at the grid connection (>0 absorption)."),
    Port("p_batt_kw", "kW", "Battery-side power of each EV (>0 charging)."),
    Port("bus_id", "1", "pandapower bus index of each element of an array port."),
    # --- grid ----------------------------------------------------------------------------
    Port("v_pu", "p.u.", "Voltage magnitude."),
    Port("va_deg", "deg", "Voltage angle."),
    Port("loading_pct", "%", "Loading of a line or transformer relative to its rating."),
    Port("line_loading_pct", "%", "Loading of every line of an area."),
    Port("trafo_loading_pct", "%", "Loading of every transformer of an area."),
    Port("p_from_kw", "kW", "Active power entering a branch at its from/hv side."),
    Port("losses_kw", "kW", "Active power losses of the area."),
    Port("p_slack_kw", "kW", "Active power drawn from the upstream grid (>0 import)."),
    Port("q_slack_kvar", "kvar", "Reactive power drawn from the upstream grid."),
    Port("p_load_bg_kw", "kW", "Background (household/commercial) active load of the area."),
    Port("p_gen_bg_kw", "kW", "Background generation (PV...) of the area (>0 generation)."),
    Port("converged", "bool", "1 when the power flow of this step converged."),
    # --- tariff (per tariff entity) ------------------------------------------------------
    Port("price_eur_mwh", "EUR/MWh", "Energy price incl. network component for this step."),
    Port(
        "price_forecast_eur_mwh",
        "EUR/MWh",
        "Prices of the next H steps (element 0 is this step's price).",
    ),
    Port("period", "1", "ToU period rank of this step (0 = cheapest period of the day)."),
    Port("cost_eur", "EUR", "Cumulative cost of the energy drawn (+ capacity charges)."),
    Port("cost_step_eur", "EUR", "Cost of the last billed step (<0: net revenue)."),
    Port("cost_capacity_eur", "EUR", "Cumulative capacity charges (subscription, overrun, peak)."),
    Port("p_peak_kw", "kW", "Highest 15-min mean power of the current billing month."),
    # pandapower-adapter compatible names used by the mosaik ecosystem (generator sign for gen)
    Port("P_load[MW]", "MW", "Active load (mosaik-pandapower compatible, >0 consumption)."),
    Port("Q_load[MVar]", "MVar", "Reactive load (mosaik-pandapower compatible)."),
    Port("P_gen[MW]", "MW", "Active generation (mosaik-pandapower compatible, >0 injection)."),
    Port("Q_gen[MVar]", "MVar", "Reactive generation (mosaik-pandapower compatible)."),
    Port("Vm[pu]", "p.u.", "Bus voltage magnitude (mosaik-pandapower-2 name of v_pu)."),
    Port("Va[deg]", "deg", "Bus voltage angle (mosaik-pandapower-2 name of va_deg)."),
    Port("loading[%]", "%", "Line/trafo loading (mosaik-pandapower-2 name of loading_pct)."),
    Port("I[kA]", "kA", "Line current at the from side, trafo current at the hv side."),
    # --- dso (per operator) ---------------------------------------------------------------
    Port("n_congested", "1", "Lines and trafos above the DSO's loading limit (as observed)."),
    Port("n_v_violations", "1", "Buses outside the DSO's voltage band (as observed)."),
    Port("p_curtail_req_kw", "kW", "Total charger power the DSO's limits ask to shed (>=0)."),
    # --- aggregator (per aggregator) ------------------------------------------------------
    Port("p_plan_kw", "kW", "Aggregate planned AC power of the next steps (element 0 = now)."),
    Port("e_flex_kwh", "kWh", "Energy the controlled EVs need that could wait past this step."),
    # --- flex_market (one Market entity) -------------------------------------------------
    Port("flex_requests", "list", "DSO flexibility requests (dicts; see flex_market.orders)."),
    Port("flex_bids", "list", "Aggregator location-specific bids (dicts; flex_market.orders)."),
    Port("flex_awards", "list", "Awards cleared in the last step (dicts, kW and EUR/MWh)."),
    Port("flex_activations", "list", "Awards whose delivery window starts now (dicts)."),
    Port("flex_settlements", "list", "Awards settled against the baseline this step (dicts)."),
    Port("p_baseline_kw", "kW", "Declared baseline per meter key (>0 consumption)."),
    Port("p_metered_kw", "kW", "Metered power per meter key (>0 consumption)."),
    Port("p_requested_kw", "kW", "Flexibility requested for this step (sum of live requests)."),
    Port("p_awarded_kw", "kW", "Flexibility awarded for this step (sum of live awards)."),
    Port("p_delivered_kw", "kW", "Flexibility delivered vs baseline in the metered step."),
    Port("penalty_eur", "EUR", "Cumulative non-delivery penalties charged to providers."),
    # --- ev_fleet: ageing (per EV) and user segments (per segment) ------------------------
    Port("capacity_fade", "1", "Battery capacity lost to calendar + cycle ageing, fraction."),
    Port("n_plugins", "1", "Plug-in sessions started in the last step, per segment."),
    Port("n_plugged", "1", "EVs connected now, per segment."),
    Port("p_flex_max_kw", "kW", "Battery power if every plugged EV charged now, per segment."),
    Port("p_flex_min_kw", "kW", "Battery power needed now to meet every need by departure."),
    Port("e_flex_need_kwh", "kWh", "Energy the plugged EVs still need, per segment."),
    # --- tso (per provider account; *_sub: one value per f_step_s sub-step) ---------------
    Port("f_hz", "Hz", "System frequency, mean over the step."),
    Port("f_hz_sub", "Hz", "System frequency of each sub-step of the step (array)."),
    Port("fcr_activation", "1", "FCR activation, step mean of the sub-steps, >0 upward."),
    Port("fcr_activation_sub", "1", "FCR activation in [-1, 1] per sub-step (>0 upward)."),
    Port("fcr_p_req_kw", "kW", "Requested FCR power change, step mean (<0: reduce draw)."),
    Port("e_fcr_req_kwh", "kWh", "Requested FCR energy change over the step (<0: less drawn)."),
    Port("fcr_capacity_kw", "kW", "Symmetric FCR capacity offered / held in the 4-h block."),
    Port("fcr_price_eur_mw_h", "EUR/(MW·h)", "FCR capacity price of the current block."),
    Port("afrr_activation", "1", "aFRR setpoint fraction, step mean (>0 upward)."),
    Port("afrr_activation_sub", "1", "aFRR setpoint fraction in [-1, 1] per sub-step."),
    Port("afrr_p_req_kw", "kW", "Requested aFRR power change, step mean (<0: reduce draw)."),
    Port("e_afrr_req_kwh", "kWh", "Requested aFRR energy change over the step."),
    Port("afrr_capacity_kw", "kW", "Symmetric aFRR capacity offered / held in the 4-h block."),
    Port(
        "p_fcr_delivered_kw",
        "kW",
        "FCR power change the provider achieved: step mean or sub-step array (<0: less drawn).",
    ),
    Port(
        "p_afrr_delivered_kw",
        "kW",
        "aFRR power change the provider achieved: step mean or sub-step array.",
    ),
    Port("e_fcr_delivered_kwh", "kWh", "Delivered FCR energy change of the verified step."),
    Port("fcr_shortfall_kwh", "kWh", "FCR energy short of the request in the verified step."),
    Port("e_afrr_delivered_kwh", "kWh", "Delivered aFRR energy change of the verified step."),
    Port("afrr_shortfall_kwh", "kWh", "aFRR energy short of the request in the verified step."),
    Port("fcr_revenue_eur", "EUR", "Cumulative FCR capacity remuneration."),
    Port("afrr_revenue_eur", "EUR", "Cumulative aFRR capacity + energy remuneration."),
    Port("fcr_penalty_eur", "EUR", "Cumulative FCR non-delivery penalties."),
    Port("afrr_penalty_eur", "EUR", "Cumulative aFRR non-delivery penalties."),
    # --- evse dynamics (per charger) ------------------------------------------------------
    Port("p_dis_limit_kw", "kW", "Maximum AC discharging (V2G) power allowed (>=0, contract)."),
    Port("p_loss_kw", "kW", "Conversion losses of each charger, AC minus battery side (>=0)."),
    Port(
        "p_curtailed_kw",
        "kW",
        "Power without the contract limits minus power drawn (>0 less charging).",
    ),
    Port("tripped", "bool", "Charger disconnected by its undervoltage protection this step."),
    Port("n_trips", "1", "Undervoltage trips of each charger since the start (cumulative)."),
    Port(
        "p_tripped_kw",
        "kW",
        "Power the charger would draw without its protection trip (>0 not delivered).",
    ),
    # --- coordination (DSO-TSO coordinator; per charger / per zone / per coordinator) -----
    Port("p_base_kw", "kW", "Baseline AC power of each charger before flexibility (>0 charge)."),
    Port("p_up_kw", "kW", "Available increase of each charger's consumption this step (>=0)."),
    Port("p_down_kw", "kW", "Available decrease of each charger's consumption this step (>=0)."),
    Port("p_adj_kw", "kW", "Coordinated adjustment added to each charger's baseline (>0 more)."),
    Port("fcr_band_kw", "kW", "Symmetric FCR band reserved on each charger (>=0)."),
    Port("dso_req_kw", "kW", "DSO's requested change per zone, awarded/activated (<0: reduce)."),
    Port("congested_mask", "bool", "1 for chargers behind a congested element (red)."),
    Port("headroom_kw", "kW", "Extra consumption per zone before violation (<0: violated)."),
    Port("fcr_served_kw", "kW", "FCR change delivered by the coordinated fleet (<0: less drawn)."),
    Port("fcr_blocked_kw", "kW", "FCR the fleet could deliver but the scheme did not (>=0)."),
    Port("dso_served_kw", "kW", "DSO change delivered per zone (<0: less drawn)."),
    Port("n_conflicts", "1", "DSO-TSO conflicts detected in the last step."),
    Port("conflict_mw", "MW", "Total size of the conflicts detected in the last step."),
    Port("n_tso_aggravates_dso", "1", "Cumulative conflicts: FCR worsens a DSO zone."),
    Port("n_dso_counteracts_tso", "1", "Cumulative conflicts: DSO activation against FCR."),
    Port("n_double_claim", "1", "Cumulative conflicts: FCR band + DSO award beyond capacity."),
    # --- three-phase (per charger, or per bus of the grid Area) -----------------------
    Port("p_a_kw", "kW", "Active power on grid phase a (>0 consumption)."),
    Port("p_b_kw", "kW", "Active power on grid phase b (>0 consumption)."),
    Port("p_c_kw", "kW", "Active power on grid phase c (>0 consumption)."),
    Port("q_a_kvar", "kvar", "Reactive power on grid phase a (>0 absorption)."),
    Port("q_b_kvar", "kvar", "Reactive power on grid phase b (>0 absorption)."),
    Port("q_c_kvar", "kvar", "Reactive power on grid phase c (>0 absorption)."),
    Port("v_a_pu", "p.u.", "Phase-to-earth voltage of phase a (base vn_kv / sqrt(3))."),
    Port("v_b_pu", "p.u.", "Phase-to-earth voltage of phase b (base vn_kv / sqrt(3))."),
    Port("v_c_pu", "p.u.", "Phase-to-earth voltage of phase c (base vn_kv / sqrt(3))."),
    Port("vuf_pct", "%", "Voltage unbalance factor |V2| / |V1| (EN 50160)."),
    Port("v0_pu", "p.u.", "Zero-sequence voltage: the neutral-point shift against earth."),
    # --- same-step loop of the chargers' voltage control and the grid ------------------------
    Port("v_loop_pu", "p.u.", "Bus voltages of this step, from the grid Area (weak connection)."),
    Port("bus_id_loop", "1", "Bus ids of v_loop_pu, from the grid Area (weak connection)."),
    Port("resolve", "bool", "Event: a charger's P or Q moved; solve the grid again now."),
    Port("loop_iter", "1", "Re-steps of the charger bank at this time (same_step loop)."),
    # --- phase balancer ------------------------------------------------------------------
    Port("cap_kw", "kW", "Phase balancer caps: single-phase a, b, c and three-phase (inf: none)."),
    Port("n_limited", "1", "Chargers the phase balancer caps below their rating."),
    Port("p_shed_kw", "kW", "Charger power the phase balancer's caps shed vs the last draw (>=0)."),
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
        raise KeyError(f"unknown port {name!r}; known ports: {sorted(ALL_PORTS)}") from err


def attr_names(*names: str) -> list[str]:
    """Validate port names and return them as a META ``attrs`` list."""
    return [port(n).name for n in names]

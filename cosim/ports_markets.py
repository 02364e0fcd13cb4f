"""Catalogue ports of prices and services: tariff, aggregator, flex market, TSO, coordination."""

from __future__ import annotations

import math

from cosim.ports_types import Combine, Dim, Port, group

__all__ = ["MARKET_PORTS"]

_D, _C = Dim, Combine
_NAN, _INF = math.nan, math.inf


MARKET_PORTS: tuple[Port, ...] = (
    # --- tariff (per tariff entity) ------------------------------------------------------
    *group(
        (_D.SCALAR, _C.ONE, _NAN),
        ("price_eur_mwh", "EUR/MWh", "Energy price incl. network component for this step."),
    ),
    *group(
        (_D.HORIZON, _C.ONE, None),
        (
            "price_forecast_eur_mwh",
            "EUR/MWh",
            "Prices of the next H steps (element 0 is this step's price).",
        ),
    ),
    *group(
        (_D.SCALAR, _C.ONE, 0),
        ("period", "1", "ToU period rank of this step (0 = cheapest period of the day)."),
    ),
    *group(
        (_D.SCALAR, _C.SUM, 0.0),
        ("cost_eur", "EUR", "Cumulative cost of the energy drawn (+ capacity charges)."),
        ("cost_step_eur", "EUR", "Cost of the last billed step (<0: net revenue)."),
        ("cost_capacity_eur", "EUR", "Cumulative capacity charges (subscription, overrun, peak)."),
        ("p_peak_kw", "kW", "Highest 15-min mean power of the current billing month."),
    ),
    # --- aggregator (per aggregator) ------------------------------------------------------
    *group(
        (_D.HORIZON, _C.SUM, 0.0),
        ("p_plan_kw", "kW", "Aggregate planned AC power of the next steps (element 0 = now)."),
    ),
    *group(
        (_D.SCALAR, _C.SUM, 0.0),
        ("e_flex_kwh", "kWh", "Energy the controlled EVs need that could wait past this step."),
    ),
    # --- flex_market (one Market entity) -------------------------------------------------
    *group(
        (_D.LIST, _C.CONCAT, ()),
        ("flex_requests", "list", "DSO flexibility requests (dicts; see flex_market.orders)."),
        ("flex_bids", "list", "Aggregator location-specific bids (dicts; flex_market.orders)."),
        ("flex_awards", "list", "Awards cleared in the last step (dicts, kW and EUR/MWh)."),
        ("flex_activations", "list", "Awards whose delivery window starts now (dicts)."),
        ("flex_settlements", "list", "Awards settled against the baseline this step (dicts)."),
    ),
    *group(
        (_D.ZONE, _C.SUM, 0.0),
        ("p_baseline_kw", "kW", "Declared baseline per meter key (>0 consumption)."),
        ("p_metered_kw", "kW", "Metered power per meter key (>0 consumption)."),
    ),
    *group(
        (_D.SCALAR, _C.SUM, 0.0),
        ("p_requested_kw", "kW", "Flexibility requested for this step (sum of live requests)."),
        ("p_awarded_kw", "kW", "Flexibility awarded for this step (sum of live awards)."),
        ("p_delivered_kw", "kW", "Flexibility delivered vs baseline in the metered step."),
        ("penalty_eur", "EUR", "Cumulative non-delivery penalties charged to providers."),
    ),
    # --- tso (per provider account; *_sub: one value per f_step_s sub-step) ---------------
    *group(
        (_D.SCALAR, _C.ONE, 50.0),
        ("f_hz", "Hz", "System frequency, mean over the step."),
    ),
    *group(
        (_D.SUBSTEP, _C.ONE, None),
        ("f_hz_sub", "Hz", "System frequency of each sub-step of the step (array)."),
        ("fcr_activation_sub", "1", "FCR activation in [-1, 1] per sub-step (>0 upward)."),
        ("afrr_activation_sub", "1", "aFRR setpoint fraction in [-1, 1] per sub-step."),
    ),
    *group(
        (_D.SCALAR, _C.ONE, 0.0),
        ("fcr_activation", "1", "FCR activation, step mean of the sub-steps, >0 upward."),
        ("afrr_activation", "1", "aFRR setpoint fraction, step mean (>0 upward)."),
    ),
    *group(
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
    *group(
        (_D.SCALAR, _C.ONE, _NAN),
        ("fcr_price_eur_mw_h", "EUR/(MW·h)", "FCR capacity price of the current block."),
    ),
    # --- coordination (DSO-TSO coordinator; per charger / per zone / per coordinator) -----
    *group(
        (_D.CHARGER, _C.SUM, 0.0),
        ("p_base_kw", "kW", "Baseline AC power of each charger before flexibility (>0 charge)."),
        ("p_up_kw", "kW", "Available increase of each charger's consumption this step (>=0)."),
        ("p_down_kw", "kW", "Available decrease of each charger's consumption this step (>=0)."),
        ("p_adj_kw", "kW", "Coordinated adjustment added to each charger's baseline (>0 more)."),
        ("fcr_band_kw", "kW", "Symmetric FCR band reserved on each charger (>=0)."),
        ("afrr_band_kw", "kW", "Symmetric aFRR band reserved on each charger (>=0)."),
    ),
    *group(
        (_D.ZONE, _C.SUM, 0.0),
        ("dso_req_kw", "kW", "DSO's requested change per zone, awarded/activated (<0: reduce)."),
        ("dso_served_kw", "kW", "DSO change delivered per zone (<0: less drawn)."),
    ),
    *group(
        (_D.CHARGER, _C.ANY, 0),
        ("congested_mask", "bool", "1 for chargers behind a congested element (red)."),
    ),
    *group(
        (_D.ZONE, _C.MIN, _INF),
        ("headroom_kw", "kW", "Extra consumption per zone before violation (<0: violated)."),
    ),
    *group(
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
    *group(
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
)

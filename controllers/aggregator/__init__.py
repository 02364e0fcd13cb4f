"""Aggregator: fleet charging policies (pure) behind a mosaik adapter (``AggregatorSim``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cosim.lazy import attach_stub

if TYPE_CHECKING:  # loaded on first use (cosim.lazy); listed here for type checkers
    from controllers.aggregator.adapter import AggregatorSim
    from controllers.aggregator.availability import Availability, BaseShape, charger_availability
    from controllers.aggregator.baseline import ToUDelayedPolicy, UncontrolledPolicy
    from controllers.aggregator.fcr import FCROffer, FCRProvision, offer_band
    from controllers.aggregator.fleet_forecast import availability_forecast
    from controllers.aggregator.flex_offers import FlexProvision, build_bids
    from controllers.aggregator.policy import FleetObservation, Policy, Setpoints
    from controllers.aggregator.registry import POLICIES, make_policy
    from controllers.aggregator.scheduling import CostMinPolicy, LPParams
    from controllers.aggregator.services import FleetServices, ServiceOutputs
    from controllers.aggregator.valley import ValleyFillingParams, ValleyFillingPolicy

__all__ = [
    "POLICIES",
    "AggregatorSim",
    "Availability",
    "BaseShape",
    "CostMinPolicy",
    "FCROffer",
    "FCRProvision",
    "FleetObservation",
    "FleetServices",
    "FlexProvision",
    "LPParams",
    "Policy",
    "ServiceOutputs",
    "Setpoints",
    "ToUDelayedPolicy",
    "UncontrolledPolicy",
    "ValleyFillingParams",
    "ValleyFillingPolicy",
    "availability_forecast",
    "build_bids",
    "charger_availability",
    "make_policy",
    "offer_band",
]

__getattr__, __dir__ = attach_stub(__name__, __file__)

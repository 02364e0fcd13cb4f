"""Aggregator: fleet charging policies (pure) behind a mosaik adapter (``AggregatorSim``)."""

from __future__ import annotations

from controllers.aggregator.adapter import AggregatorSim
from controllers.aggregator.baseline import ToUDelayedPolicy, UncontrolledPolicy
from controllers.aggregator.policy import FleetObservation, Policy, Setpoints
from controllers.aggregator.registry import POLICIES, make_policy
from controllers.aggregator.scheduling import CostMinPolicy, LPParams
from controllers.aggregator.valley import ValleyFillingParams, ValleyFillingPolicy

__all__ = [
    "POLICIES",
    "AggregatorSim",
    "CostMinPolicy",
    "FleetObservation",
    "LPParams",
    "Policy",
    "Setpoints",
    "ToUDelayedPolicy",
    "UncontrolledPolicy",
    "ValleyFillingParams",
    "ValleyFillingPolicy",
    "make_policy",
]

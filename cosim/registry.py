"""The simulators this product ships, by name: where mosaik finds each of them.

A scenario names simulators by these names (or by ``package.module:Class`` for a user's own
one); the world builder turns a name into a mosaik sim_config entry for the chosen starter.
"""

from __future__ import annotations

__all__ = ["ROLES", "SIMULATORS", "sim_config_entry"]

#: name -> (python "module:Class" for the in-process starter, module for ``python -m``)
SIMULATORS: dict[str, tuple[str, str]] = {
    "ev_fleet": ("simulators.ev_fleet.adapter:EVFleetSim", "simulators.ev_fleet"),
    "evse": ("simulators.evse.adapter:EVSESim", "simulators.evse"),
    "grid": ("simulators.grid.adapter:GridSim", "simulators.grid"),
    "tariff": ("simulators.tariff.adapter:TariffSim", "simulators.tariff"),
    "tso": ("simulators.tso.adapter:TSOSim", "simulators.tso"),
    "aggregator": ("controllers.aggregator.adapter:AggregatorSim", "controllers.aggregator"),
    "dso": ("controllers.dso.adapter:DSOSim", "controllers.dso"),
    "coordination": (
        "controllers.coordination.adapter:CoordinatorSim",
        "controllers.coordination",
    ),
    "flex_market": ("simulators.flex_market.adapter:FlexMarketSim", "simulators.flex_market"),
    "recorder": ("results.recorder:RecorderSim", "results"),
}

#: the roles a scenario fills; each defaults to the simulator of the same name
ROLES: tuple[str, ...] = (
    "ev_fleet",
    "evse",
    "grid",
    "tariff",
    "tso",
    "aggregator",
    "dso",
    "coordination",
    "flex_market",
    "recorder",
)


def sim_config_entry(impl: str, starter: str) -> dict[str, str]:
    """mosaik ``sim_config`` entry for simulator ``impl`` started with ``starter``.

    >>> sim_config_entry("evse", "cmd")["cmd"]
    '%(python)s -m simulators.evse %(addr)s'
    """
    if impl in SIMULATORS:
        python_path, module = SIMULATORS[impl]
    else:
        python_path, module = impl, impl.split(":", 1)[0]
    if starter == "cmd":
        return {"cmd": f"%(python)s -m {module} %(addr)s"}
    return {"python": python_path}

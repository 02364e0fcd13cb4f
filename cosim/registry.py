"""The simulators this product ships, by name: where mosaik finds each of them.

A scenario names simulators by these names (or by ``package.module:Class`` for a user's own
one); the world builder turns a name into a mosaik sim_config entry for the chosen starter.
"""

from __future__ import annotations

import importlib
import inspect
import re

__all__ = ["ROLES", "SIMULATORS", "check_importable", "sim_config_entry"]

_DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")

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
    "phase_balance": (
        "controllers.phase_balance.adapter:PhaseBalanceSim",
        "controllers.phase_balance",
    ),
    "recorder": ("results.recorder:RecorderSim", "results"),
    # no role of ours: a scenario TOML adds it ([simulators.<name>] impl = "home_energy")
    "home_energy": ("simulators.home_energy.adapter:HomeEnergySim", "simulators.home_energy"),
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
    "phase_balance",
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


def check_importable(impl: str) -> str | None:
    """Say why ``'package.module:Class'`` cannot be started, or ``None`` if it can.

    Imports the module (as mosaik's ``python`` starter would) and looks the class up,
    without instantiating it.

    >>> check_importable("collections:OrderedDict") is None
    True
    >>> check_importable("json:Nope")
    "module 'json' has no class 'Nope'; it defines: JSONDecodeError, JSONDecoder, JSONEncoder"
    """
    module_name, _, class_name = impl.partition(":")
    if not (_DOTTED.match(module_name) and class_name.isidentifier()):
        return "write 'package.module:Class', e.g. 'mysims.pv:PVSim'"
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        return (
            f"cannot import module {module_name!r} ({err}); install the package or add its "
            "folder to PYTHONPATH"
        )
    except Exception as err:  # the user's module raised while importing: say so, not where
        return f"importing module {module_name!r} failed: {type(err).__name__}: {err}"
    cls = getattr(module, class_name, None)
    if not inspect.isclass(cls):
        defined = sorted(n for n, v in vars(module).items() if inspect.isclass(v))
        offer = f"; it defines: {', '.join(defined)}" if defined else ""
        return f"module {module_name!r} has no class {class_name!r}{offer}"
    return None

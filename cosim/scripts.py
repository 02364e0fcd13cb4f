"""The scenario scripts a config can name, and the optional sections each one reads.

Held here as data (not by importing ``scenarios``) so that cosim keeps its place at the
bottom of the dependency rule; ``tests/unit/test_config_scripts.py`` reads the scripts'
source and keeps this table in step with them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["OPTIONAL_SECTIONS", "SCRIPTS", "ScriptInfo", "scripts_using"]

#: config sections with ``enabled``: each runs a simulator only if the script wires it
OPTIONAL_SECTIONS: tuple[str, ...] = (
    "tariff",
    "aggregator",
    "dso",
    "tso",
    "market",
    "coordination",
)


@dataclass(frozen=True)
class ScriptInfo:
    """A runnable scenario script ``scenarios/<name>.py``.

    Parameters
    ----------
    sections : frozenset of str
        The optional sections (:data:`OPTIONAL_SECTIONS`) the script honours when enabled.
    example : str
        A shipped scenario file that runs the script.
    """

    sections: frozenset[str]
    example: str


SCRIPTS: dict[str, ScriptInfo] = {
    "base": ScriptInfo(frozenset(), "scenarios/base.toml"),
    "frameworks": ScriptInfo(
        frozenset({"tariff", "aggregator", "dso"}), "scenarios/frameworks.toml"
    ),
    "dso_tso": ScriptInfo(frozenset(OPTIONAL_SECTIONS), "scenarios/dso_tso.toml"),
    "phases": ScriptInfo(frozenset(), "scenarios/phases.toml"),
}


def scripts_using(section: str) -> list[str]:
    """Names of the scripts that honour ``section``.

    >>> scripts_using("tso")
    ['dso_tso']
    """
    return [name for name, info in SCRIPTS.items() if section in info.sections]

"""The scale cases of ``benchmarks/bench.py`` (``make bench``): each target of issue 8 as a
scenario file, its overrides, a horizon and the target it is measured against."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CASES", "LV", "MVLV", "STEP_S", "YEAR_S", "Case"]

YEAR_S = 365 * 86_400
STEP_S = 900
MVLV = "simbench:1-MVLV-semiurb-all-0-sw"
LV = "simbench:1-LV-rural2--0-sw"
_DYNAMIC = ['tariff.kind="dynamic"', "tariff.network_eur_mwh=100.0", "aggregator.enabled=true"]


@dataclass(frozen=True)
class Case:
    """One benchmark case: a scenario file, overrides, a horizon and its target."""

    name: str
    config: str
    grid: str
    until: str
    sets: tuple[str, ...] = ()
    target: str = ""
    quick_until: str = "7d"


CASES: tuple[Case, ...] = (
    Case("base-lv", "scenarios/base.toml", LV, "1y", target="<= 20 s/yr"),
    Case("full-lv", "scenarios/dso_tso.toml", LV, "1y", target="<= 30 s/yr"),
    Case(
        "costmin-lv",
        "scenarios/frameworks.toml",
        LV,
        "1y",
        (*_DYNAMIC, 'aggregator.policy="cost_min"'),
        target="<= 60 s/yr",
    ),
    Case(
        "valley-lv",
        "scenarios/frameworks.toml",
        LV,
        "1y",
        (*_DYNAMIC, 'aggregator.policy="valley_filling"'),
        target="<= 60 s/yr",
    ),
    Case(
        "base-mvlv",
        "scenarios/base.toml",
        MVLV,
        "14d",
        (  # the fleet of scenarios/mvlv.toml, uncontrolled, nothing else
            f'grid.network="{MVLV}"',
            'grid.on_nonconvergence="flag"',
            'scenario.start="2016-01-11T00:00:00+01:00"',
            "fleet.evs_per_household=1.25",
            "fleet.workplace_evs=150",
            "fleet.company_evs=40",
            "fleet.public_chargers=30",
            "fleet.visitor_sessions_per_day=2.0",
            "record.buffer_steps=96",
        ),
        target="<= 300 s/yr, set-up <= 15 s, <= 4 GiB",
        quick_until="2d",
    ),
    Case("full-mvlv", "scenarios/mvlv.toml", MVLV, "7d", target="<= 900 s/yr", quick_until="2d"),
    Case(
        "costmin-mvlv",
        "scenarios/mvlv.toml",
        MVLV,
        "2d",
        ('aggregator.policy="cost_min"', 'tariff.kind="dynamic"', "tariff.enabled=true"),
        target="<= 1800 s/yr",
        quick_until="1d",
    ),
    Case(  # the LP-policy target on that grid, for the coupled policy
        "valley-mvlv",
        "scenarios/mvlv.toml",
        MVLV,
        "2d",
        ('aggregator.policy="valley_filling"', 'tariff.kind="dynamic"', "tariff.enabled=true"),
        target="<= 1800 s/yr",
        quick_until="1d",
    ),
)

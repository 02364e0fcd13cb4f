"""User segments of a fleet: who drives when, where they charge and how they decide to plug in.

Each persistent segment is a :class:`FleetParams` (vehicle mix, schedule, plug-in model,
charging location) plus a number of EVs; :func:`segment_defaults` gives documented
defaults per :class:`SegmentKind`, which a scenario overrides field by field. Public
charging visitors are not persistent vehicles: they arrive as sessions
(:mod:`simulators.ev_fleet.visitors`).

Defaults and where they come from:

- ``home_commuter``: weekday round trip (MiD 2017 / UK NTS commute peaks, ~37 km), charges
  at home, non-systematic plug-in (Gonzalez Venegas et al. 2021, calibrated here so a
  home fleet plugs in ~0.45 times a day, see :mod:`simulators.ev_fleet.calibration`).
- ``non_commuter``: drives on 60 % of weekdays, mid-morning to early afternoon, ~20 km
  (MiD 2017: people not in work make shorter, later trips), charges at home,
  non-systematic.
- ``workplace``: commuters who charge at work (charger at a commercial bus) during the
  weekday stay, non-systematic; weekend trips never charge at work.
- ``company_fleet``: depot-based vans/cars on fixed weekday shifts (07:00-16:30, ~80 km,
  little jitter, no weekend trips), charge at the depot and plug in systematically
  (LITERATURE.md: company fleets plug in systematically).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from simulators.ev_fleet.params import ChargeLocation, FleetParams
from simulators.ev_fleet.plugin import PluginMode
from simulators.ev_fleet.schedule import ScheduleParams

__all__ = ["Segment", "SegmentKind", "make_segment", "segment_defaults"]


class SegmentKind(StrEnum):
    """User segments (``public_visitor`` sessions live in ``visitors.py``)."""

    HOME_COMMUTER = "home_commuter"
    NON_COMMUTER = "non_commuter"
    WORKPLACE = "workplace"
    COMPANY_FLEET = "company_fleet"
    PUBLIC_VISITOR = "public_visitor"


_NON_COMMUTER = ScheduleParams(
    weekday_trip_prob=0.6,
    weekday_dep_mean_h=10.0,
    weekday_dep_sd_h=1.5,
    weekday_ret_mean_h=14.0,
    weekday_ret_sd_h=2.0,
    weekday_km_mean=20.0,
    weekday_km_cv=0.8,
)
_COMPANY = ScheduleParams(
    weekday_trip_prob=1.0,
    weekday_dep_mean_h=7.0,
    weekday_dep_sd_h=0.5,
    weekday_ret_mean_h=16.5,
    weekday_ret_sd_h=0.5,
    weekday_km_mean=80.0,
    weekday_km_cv=0.4,
    weekend_trip_prob=0.0,
    jitter_time_sd_h=0.1,
    jitter_km_cv=0.1,
)


def segment_defaults(kind: SegmentKind | str) -> FleetParams:
    """Documented default parameters of a persistent segment (module docstring)."""
    kind = SegmentKind(kind)
    if kind is SegmentKind.HOME_COMMUTER:
        return FleetParams()
    if kind is SegmentKind.NON_COMMUTER:
        return FleetParams(schedule=_NON_COMMUTER)
    if kind is SegmentKind.WORKPLACE:
        return FleetParams(location=ChargeLocation.DESTINATION)
    if kind is SegmentKind.COMPANY_FLEET:
        return FleetParams(
            schedule=_COMPANY,
            plugin=PluginMode.DAILY,
            battery_kwh=(50.0, 75.0),
            battery_share=(0.5, 0.5),
            p_max_kw=(11.0,),
            p_max_share=(1.0,),
        )
    raise ValueError(
        f"{kind.value!r} is not a persistent segment; public visitors arrive as sessions "
        "(VisitorParams)"
    )


@dataclass(frozen=True)
class Segment:
    """A named group of ``n_ev`` persistent EVs sharing one parameter set."""

    name: str
    kind: SegmentKind
    n_ev: int
    params: FleetParams

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", SegmentKind(self.kind))
        if self.n_ev < 0:
            raise ValueError(f"segment {self.name!r}: n_ev={self.n_ev} must be >= 0")


def make_segment(kind: SegmentKind | str, n_ev: int, **overrides: Any) -> Segment:
    """A segment of ``kind`` with its defaults, overridden field by field.

    ``overrides`` are :class:`FleetParams` fields; ``schedule`` may be a dict of
    :class:`ScheduleParams` fields that override the segment's default schedule, and
    ``name`` names the segment (default: the kind).

    >>> seg = make_segment("company_fleet", 3, p_opt_out=0.0)
    >>> seg.params.plugin.value, seg.params.schedule.weekend_trip_prob
    ('daily', 0.0)
    """
    kind = SegmentKind(kind)
    name = str(overrides.pop("name", kind.value))
    base = segment_defaults(kind)
    sched = overrides.pop("schedule", None)
    if isinstance(sched, dict):
        overrides["schedule"] = replace(base.schedule, **sched)
    elif sched is not None:
        overrides["schedule"] = sched
    for key in ("battery_kwh", "battery_share", "p_max_share", "consumption_kwh_km", "soc_init"):
        if key in overrides:
            overrides[key] = tuple(overrides[key])
    if "p_max_kw" in overrides and "p_max_share" not in overrides:
        values = overrides["p_max_kw"]
        n = 1 if isinstance(values, int | float) else len(values)
        overrides["p_max_share"] = tuple([1.0 / n] * n)
    if "battery_kwh" in overrides and "battery_share" not in overrides:
        n = len(overrides["battery_kwh"])
        overrides["battery_share"] = tuple([1.0 / n] * n)
    return Segment(name, kind, int(n_ev), replace(base, **overrides))

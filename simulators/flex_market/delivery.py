"""Metering of awards: each award's share of the meter readings, step by step over its window."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from simulators.flex_market.meters import meter_key
from simulators.flex_market.orders import Award, Direction

__all__ = ["Metering", "read_meters"]


@dataclass
class Metering:
    """Per-step readings collected for one award until its window ends."""

    award: Award
    baseline_kw: list[float] = field(default_factory=list)
    metered_kw: list[float] = field(default_factory=list)
    overlap_s: list[int] = field(default_factory=list)


def read_meters(
    metering: Sequence[Metering],
    *,
    tau: int,
    step_s: int,
    baseline_kw: Mapping[str, float],
    metered_kw: Mapping[str, float],
) -> float:
    """Record each award's readings for the interval ``[tau, tau + step_s)``.

    Parameters
    ----------
    metering : sequence of Metering
        The awards being metered; each one whose window overlaps the interval gets its
        share of the readings and the overlap appended.
    tau : int
        Start of the metered interval [s].
    step_s : int
        Market step [s].
    baseline_kw, metered_kw : mapping of str to float
        Declared baseline and metered power [kW, consumer sign] per meter key:
        ``"<zone>"`` or ``"<bidder>@<zone>"`` (the latter wins for that bidder's awards).

    Returns
    -------
    float
        Power delivered over all awards in the interval [kW]; a missing reading counts as
        no delivery.
    """
    live = []
    for m in metering:
        a = m.award
        overlap = min(tau + step_s, a.t_end_s) - max(tau, a.t_start_s)
        if overlap > 0:
            key = meter_key(a.bidder, a.zone)
            key = key if key in baseline_kw or key in metered_kw else a.zone
            live.append((m, key, overlap))
    # several awards read one meter: each is credited its share of the awarded power
    total_kw: dict[str, float] = {}
    for m, key, _ in live:
        total_kw[key] = total_kw.get(key, 0.0) + m.award.p_kw
    p_delivered_kw = 0.0
    for m, key, overlap in live:
        share = m.award.p_kw / total_kw[key]
        base = float(baseline_kw.get(key, math.nan)) * share
        meter = float(metered_kw.get(key, math.nan)) * share
        m.baseline_kw.append(base)
        m.metered_kw.append(meter)
        m.overlap_s.append(overlap)
        diff = base - meter if m.award.direction == Direction.DOWN else meter - base
        p_delivered_kw += 0.0 if math.isnan(diff) else diff * overlap / step_s
    return p_delivered_kw

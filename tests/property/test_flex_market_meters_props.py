"""Invariants of the market's own metering: a provider's delivery is its chargers' baseline
minus their meters in the award's zone, and nothing outside them changes its settlement."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulators.flex_market.adapter import FlexMarketSim

STEP_S = 900
N = 6
ZONES = ["f1", "f2"]
WINDOW = (3600, 5400)  # two steps


def _settle(
    zone_of: list[int], provider_of: list[str], base: np.ndarray, meter: np.ndarray
) -> dict[str, dict[str, Any]]:
    """One 10-kW down award per provider in f1; ``base``/``meter`` (2, N) in the window."""
    sim = FlexMarketSim()
    sim.init("M", step_s=STEP_S, start="2024-01-08T00:00:00+01:00")
    (ent,) = sim.create(
        1, "Market", zones=ZONES, zone_of_charger=zone_of, provider_of_charger=provider_of
    )
    eid = ent["eid"]
    settled: dict[str, dict[str, Any]] = {}
    for t in range(0, WINDOW[1] + 1, STEP_S):
        k, k_metered = (t - WINDOW[0]) // STEP_S, (t - STEP_S - WINDOW[0]) // STEP_S
        attrs: dict[str, Any] = {
            "p_base_kw": {"agg": base[k] if 0 <= k < 2 else np.zeros(N)},
            "p_kw": {"bank": meter[k_metered] if 0 <= k_metered < 2 else np.zeros(N)},
        }
        if t == 0:
            attrs["flex_requests"] = {
                "dso": [
                    {"id": "r", "zone": "f1", "buses": [1], "t_start_s": WINDOW[0],
                     "t_end_s": WINDOW[1], "p_kw": 20.0, "direction": "down",
                     "price_cap_eur_mwh": 500.0, "gate": "intraday"}
                ]
            }  # fmt: skip
            attrs["flex_bids"] = {
                "agg": [
                    {"id": p, "bidder": p, "zone": "f1", "t_start_s": WINDOW[0],
                     "t_end_s": WINDOW[1], "p_kw": 10.0, "price_eur_mwh": 100.0}
                    for p in ("a", "b")
                ]
            }  # fmt: skip
        sim.step(t, {eid: attrs}, 10**9)
        for s in sim.get_data({eid: ["flex_settlements"]})[eid]["flex_settlements"]:
            settled[s["bidder"]] = s
    return settled


kw = st.floats(-11.0, 22.0, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(
    zone_of=st.lists(st.integers(-1, 1), min_size=N, max_size=N),
    provider_of=st.lists(st.sampled_from(["a", "b", ""]), min_size=N, max_size=N),
    base=st.lists(kw, min_size=2 * N, max_size=2 * N),
    meter=st.lists(kw, min_size=2 * N, max_size=2 * N),
    other=st.lists(kw, min_size=2 * N, max_size=2 * N),
)
def test_delivery_is_the_providers_own_chargers_and_nothing_else_counts(
    zone_of: list[int],
    provider_of: list[str],
    base: list[float],
    meter: list[float],
    other: list[float],
) -> None:
    b, m = np.reshape(base, (2, N)), np.reshape(meter, (2, N))
    settled = _settle(zone_of, provider_of, b, m)
    own_a = (np.array(zone_of) == 0) & (np.array(provider_of) == "a")
    expected = ((b - m)[:, own_a].sum(axis=1) * 0.25).sum()
    assert settled["a"]["delivered_kwh"] == pytest.approx(expected, abs=1e-9)
    # chargers that are not a's in f1 (b's, unzoned, without provider) change nothing for a
    m2 = np.where(own_a, m, np.reshape(other, (2, N)))
    b2 = np.where(own_a, b, np.reshape(other, (2, N))[::-1])
    assert _settle(zone_of, provider_of, b2, m2)["a"] == settled["a"]

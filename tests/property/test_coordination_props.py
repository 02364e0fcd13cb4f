"""Invariants of every coordination scheme on random fleets, zones and requests."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from controllers.coordination import (
    CoordinationObservation,
    Scheme,
    dispatch_cost,
    resolve,
    zone_sum,
)

TOL = 1e-6


@st.composite
def observations(draw: st.DrawFn) -> CoordinationObservation:
    n = draw(st.integers(1, 8))
    nz = draw(st.integers(0, 3))
    kw = st.floats(0.0, 11.0, allow_nan=False)
    zone = draw(st.lists(st.integers(-1, nz - 1), min_size=n, max_size=n))
    head = st.one_of(st.just(np.inf), st.floats(-10.0, 20.0, allow_nan=False))
    return CoordinationObservation(
        time_s=0,
        p_base_kw=draw(st.lists(kw, min_size=n, max_size=n)),
        p_up_kw=draw(st.lists(kw, min_size=n, max_size=n)),
        p_down_kw=draw(st.lists(kw, min_size=n, max_size=n)),
        fcr_req_kw=draw(st.floats(-40.0, 40.0, allow_nan=False)),
        dso_req_kw=draw(st.lists(st.floats(-15.0, 15.0), min_size=nz, max_size=nz)),
        zone_of_charger=zone,
        congested_mask=draw(st.lists(st.booleans(), min_size=n, max_size=n)),
        headroom_kw=draw(st.lists(head, min_size=nz, max_size=nz)),
        fcr_band_kw=draw(st.lists(kw, min_size=n, max_size=n)),
    )


@settings(max_examples=150, deadline=None)
@given(obs=observations(), scheme=st.sampled_from(list(Scheme)))
def test_dispatch_respects_limits_and_accounting(
    obs: CoordinationObservation, scheme: Scheme
) -> None:
    d = resolve(obs, scheme)
    assert np.all(d.p_adj_kw <= obs.p_up_kw + TOL)
    assert np.all(d.p_adj_kw >= -obs.p_down_kw - TOL)
    # served never beyond the request nor against it, for either operator
    assert 0.0 - TOL <= d.fcr_served_kw * np.sign(obs.fcr_req_kw) <= abs(obs.fcr_req_kw) + TOL
    if obs.fcr_req_kw == 0:
        assert abs(d.fcr_served_kw) <= TOL
    served_dir = d.dso_served_kw * np.sign(obs.dso_req_kw)
    assert np.all(served_dir >= -TOL) and np.all(
        np.abs(d.dso_served_kw) <= np.abs(obs.dso_req_kw) + TOL
    )
    assert np.all(np.abs(d.dso_served_kw[obs.dso_req_kw == 0]) <= TOL)
    # every kW of adjustment is served to exactly one operator
    assert abs(d.p_adj_kw.sum() - d.fcr_served_kw - d.dso_served_kw.sum()) <= 1e-6 * (
        1 + abs(d.p_adj_kw).sum()
    )
    np.testing.assert_allclose(d.p_fcr_kw + d.p_dso_kw, d.p_adj_kw, atol=TOL)
    assert d.fcr_blocked_kw >= 0.0 and all(c.mw > 0 for c in d.conflicts)


@settings(max_examples=80, deadline=None)
@given(obs=observations())
def test_traffic_light_never_lets_fcr_aggravate_a_red_zone_it_could_avoid(
    obs: CoordinationObservation,
) -> None:
    d = resolve(obs, Scheme.TRAFFIC_LIGHT)
    zc = obs.zone_of_charger
    red = np.zeros(obs.n_zone, dtype=bool)
    red[zc[obs.congested_mask & (zc >= 0)]] = True
    flagged = {c.zone for c in d.conflicts if c.kind.value == "tso_aggravates_dso"}
    assert not (flagged & set(np.flatnonzero(red & np.isfinite(obs.headroom_kw)).tolist()))


@settings(max_examples=60, deadline=None)
@given(obs=observations())
def test_common_market_cost_not_above_heuristics(obs: CoordinationObservation) -> None:
    """The LP is optimal over dispatches that never move a zone against its DSO award."""
    lp = dispatch_cost(obs, resolve(obs, Scheme.COMMON_MARKET))
    for scheme in (Scheme.TRAFFIC_LIGHT, Scheme.TSO_FIRST):
        d = resolve(obs, scheme)
        against = np.sign(zone_sum(obs, d.p_adj_kw)) * np.sign(obs.dso_req_kw) < 0
        assume(not against.any())
        assert lp <= dispatch_cost(obs, d) + 1e-6


def _load_dir(obs: CoordinationObservation) -> np.ndarray:
    """The direction that loads each zone's element: up, or down under a request for more."""
    return np.where(obs.dso_req_kw > 0, -1.0, 1.0)


@settings(max_examples=150, deadline=None)
@given(obs=observations(), scheme=st.sampled_from(list(Scheme)))
def test_no_aggravation_while_every_element_keeps_a_margin(
    obs: CoordinationObservation, scheme: Scheme
) -> None:
    """An FCR move "aggravates" a zone only when its element ends at or over its limit, and
    never by more than the FCR part that moves the zone that way."""
    d = resolve(obs, scheme)
    net = _load_dir(obs) * zone_sum(obs, d.p_adj_kw)
    fcr = _load_dir(obs) * zone_sum(obs, d.p_fcr_kw)
    for c in d.conflicts:
        if c.kind.value == "tso_aggravates_dso":
            z = c.zone
            assert np.isfinite(obs.headroom_kw[z]) and net[z] >= obs.headroom_kw[z]
            assert c.mw * 1e3 <= fcr[z] + TOL and c.mw * 1e3 <= net[z] - obs.headroom_kw[z] + TOL
    margin = np.all(~np.isfinite(obs.headroom_kw) | (net < obs.headroom_kw))
    if margin:
        assert not [c for c in d.conflicts if c.kind.value == "tso_aggravates_dso"]


@settings(max_examples=150, deadline=None)
@given(obs=observations(), scheme=st.sampled_from(list(Scheme)))
def test_counteracts_only_what_the_dso_requests_cost_the_tso(
    obs: CoordinationObservation, scheme: Scheme
) -> None:
    """The DSO "counteracts" the TSO only by the FCR the same scheme serves without the DSO's
    requests and not with them; an FCR request served in full is never counteracted."""
    d = resolve(obs, scheme)
    mw = sum(c.mw for c in d.conflicts if c.kind.value == "dso_counteracts_tso")
    if mw == 0:
        return
    s = np.sign(obs.fcr_req_kw)
    alone = resolve(replace(obs, dso_req_kw=np.zeros(obs.n_zone)), scheme)
    assert abs(d.fcr_served_kw) < abs(obs.fcr_req_kw) - TOL
    assert mw * 1e3 <= s * (alone.fcr_served_kw - d.fcr_served_kw) + TOL
    assert mw * 1e3 <= float(np.maximum(-s * d.dso_served_kw, 0.0).sum()) + TOL


@settings(max_examples=150, deadline=None)
@given(obs=observations(), scheme=st.sampled_from(list(Scheme)), shift=st.floats(-5.0, 5.0))
def test_a_step_built_on_a_checked_layout_decides_as_the_checked_observation(
    obs: CoordinationObservation, scheme: Scheme, shift: float
) -> None:
    # the coordinator checks zones and prices once and builds each step on that layout
    n, nz = obs.n_charger, obs.n_zone
    layout = replace(
        obs,
        p_base_kw=np.zeros(n),
        p_up_kw=np.zeros(n),
        p_down_kw=np.zeros(n),
        fcr_band_kw=np.zeros(n),
        fcr_req_kw=0.0,
        dso_req_kw=np.zeros(nz),
        congested_mask=np.zeros(n, dtype=bool),
        headroom_kw=np.full(nz, np.inf),
    )
    per_step = (
        "p_base_kw",
        "p_up_kw",
        "p_down_kw",
        "fcr_band_kw",
        "fcr_req_kw",
        "dso_req_kw",
        "congested_mask",
        "headroom_kw",
        "time_s",
    )
    step = CoordinationObservation.of_step(layout, **{k: getattr(obs, k) for k in per_step})
    true = obs.headroom_kw + shift
    for a, b in [
        (resolve(obs, scheme), resolve(step, scheme)),
        (resolve(obs, scheme, true_headroom_kw=true), resolve(step, scheme, true_headroom_kw=true)),
    ]:
        for name in ("p_adj_kw", "p_fcr_kw", "p_dso_kw", "dso_served_kw"):
            assert getattr(a, name).tobytes() == getattr(b, name).tobytes()
        assert (a.fcr_served_kw, a.fcr_blocked_kw) == (b.fcr_served_kw, b.fcr_blocked_kw)
        assert a.conflicts == b.conflicts

"""The per-step shortcuts of the controllers and market simulators give the general result.

Each shortcut (a step without DSO requests, zones without a cap, sums with ``bincount``
instead of ``np.add.at``, clipping without ``np.clip``) is checked against the general
computation on random inputs: the same values, bit for bit.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from controllers.aggregator.availability import zone_sum as fleet_zone_sum
from controllers.coordination import CoordinationObservation, Scheme, resolve
from controllers.coordination.schemes import _capped_pro_rata
from simulators.flex_market.meters import MeterMap
from simulators.tso.fcr import fcr_activation
from tests.property.test_coordination_props import observations

KW = st.floats(0.0, 11.0, allow_nan=False)


def _without_requests(obs: CoordinationObservation) -> CoordinationObservation:
    return obs.evolve(dso_req_kw=np.zeros(obs.n_zone))


#: steps without DSO requests (the common case the shortcuts serve)
quiet_steps = observations().map(_without_requests)


def _with_ghost_request(obs: CoordinationObservation, r_kw: float) -> CoordinationObservation:
    """``obs`` plus one zone without chargers that requests ``r_kw``: the general path runs
    (a request exists) but nothing there can change the other zones."""
    return CoordinationObservation(
        time_s=obs.time_s,
        p_base_kw=obs.p_base_kw,
        p_up_kw=obs.p_up_kw,
        p_down_kw=obs.p_down_kw,
        fcr_req_kw=obs.fcr_req_kw,
        dso_req_kw=np.append(obs.dso_req_kw, r_kw),
        zone_of_charger=obs.zone_of_charger,
        congested_mask=obs.congested_mask,
        headroom_kw=np.append(obs.headroom_kw, np.inf),
        fcr_band_kw=obs.fcr_band_kw,
    )


@settings(max_examples=300, deadline=None)
@given(
    quiet_steps,
    st.sampled_from([Scheme.TSO_FIRST, Scheme.TRAFFIC_LIGHT]),
    st.floats(-15.0, 15.0).filter(lambda r: r != 0.0),
)
def test_step_without_requests_is_the_general_result(
    obs: CoordinationObservation, scheme: Scheme, r_kw: float
) -> None:
    fast = resolve(obs, scheme)
    plain = resolve(_with_ghost_request(obs, r_kw), scheme)
    nz = obs.n_zone
    for name in ("p_adj_kw", "p_fcr_kw", "p_dso_kw"):
        assert np.array_equal(getattr(fast, name), getattr(plain, name)), name
    assert fast.fcr_served_kw == plain.fcr_served_kw
    assert fast.fcr_blocked_kw == plain.fcr_blocked_kw
    assert np.array_equal(fast.dso_served_kw, plain.dso_served_kw[:nz])
    assert plain.dso_served_kw[nz] == 0.0  # no chargers behind the extra zone
    key = [(c.kind, c.zone, c.charger_ids, c.mw) for c in fast.conflicts]
    assert key == [(c.kind, c.zone, c.charger_ids, c.mw) for c in plain.conflicts]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-1, 3), KW), min_size=1, max_size=12),
    st.floats(0.0, 60.0, allow_nan=False),
)
def test_uncapped_pro_rata_is_the_water_filling_result(
    rows: list[tuple[int, float]], amount_kw: float
) -> None:
    zone = np.array([z for z, _ in rows], dtype=np.int64)
    cap = np.array([c for _, c in rows])
    fast = _capped_pro_rata(amount_kw, cap, zone, np.full(4, np.inf))
    # caps no zone can reach: the water-filling loop runs and binds nowhere
    plain = _capped_pro_rata(amount_kw, cap, zone, np.full(4, 1e300))
    assert np.array_equal(fast, plain)


def _add_at(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros(size)
    keep = index >= 0
    with np.errstate(over="ignore"):  # +-inf metered as the largest float: sums may overflow
        np.add.at(out, index[keep], values[keep])
    return out


finite_or_not = st.floats(-1e3, 1e3) | st.sampled_from([np.nan, np.inf, -np.inf, -0.0])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(-1, 2), st.sampled_from(["", "a", "b"]), finite_or_not)))
def test_meter_sums_are_the_add_at_sums(rows: list[tuple[int, str, float]]) -> None:
    zone = [z for z, _, _ in rows]
    provider = [p for _, p, _ in rows]
    p_kw = np.array([v for _, _, v in rows])
    meters = MeterMap(["z0", "z1", "z2"], zone, provider)
    got = meters.per_key(p_kw)
    want = _add_at(meters._index, np.nan_to_num(p_kw, nan=0.0), len(meters.keys))
    assert list(got) == list(meters.keys)
    assert np.array_equal(np.array(list(got.values())), want)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(-1, 3), st.floats(-50.0, 50.0)), max_size=20))
def test_fleet_zone_sums_are_the_add_at_sums(rows: list[tuple[int, float]]) -> None:
    zone = np.array([z for z, _ in rows], dtype=np.int64)
    values = np.array([v for _, v in rows])
    got = fleet_zone_sum(values, zone, 4)
    assert np.array_equal(got, _add_at(zone, values, 4), equal_nan=True)
    in_zone = np.maximum(zone, 0)  # every charger in a zone: the other branch
    assert np.array_equal(fleet_zone_sum(values, in_zone, 4), _add_at(in_zone, values, 4))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(-0.5, 0.5) | st.just(np.nan), min_size=1, max_size=20),
    st.booleans(),
)
def test_fcr_activation_clips_as_numpy(df_hz: list[float], shift: bool) -> None:
    df = np.array(df_hz)
    got = fcr_activation(df, shift_deadband=shift)
    inside = np.abs(df) <= 0.010
    raw = -np.sign(df) * (np.abs(df) - 0.010) / 0.190 if shift else -df / 0.200
    assert np.array_equal(got, np.where(inside, 0.0, np.clip(raw, -1.0, 1.0)), equal_nan=True)

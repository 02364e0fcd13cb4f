"""The per-step shortcuts of the coordinator and the DSO give what their general paths give.

Each shortcut skips work for the usual input (one sender's array, no NaN, a fixed plan); these
tests put both paths side by side on usual and unusual inputs, bit for bit where a value is
an array of floats.
"""

from __future__ import annotations

import math
import pickle
from typing import Any

import numpy as np
import pytest

from controllers.coordination.adapter import CoordinatorSim
from controllers.coordination.dispatch import Dispatch, first_dispatch
from controllers.coordination.observation import CoordinationObservation, sign_of
from controllers.coordination.ports import OUTPUT_ATTRS
from controllers.dso.detection import element_loadings
from controllers.dso.planner import HourlyProfile
from controllers.dso.policies import DSOContext, DSOParams, ObservePolicy
from controllers.dso.signals import LightPlan, traffic_light
from controllers.dso.zone_map import ZoneMap

ZONES = [0, 0, 1, -1]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray):
        return (
            isinstance(b, np.ndarray)
            and a.dtype == b.dtype
            and a.shape == b.shape
            and a.tobytes() == b.tobytes()
        )
    return type(a) is type(b) and (a == b or (a != a and b != b))


def _coordinator(scheme: str = "tso_first") -> tuple[CoordinatorSim, str]:
    sim = CoordinatorSim()
    sim.init("coord", step_s=900, start="2016-06-06T00:00:00+02:00", seed=[1])
    ent = sim.create(1, "Coordinator", zone_of_charger=ZONES, scheme=scheme)[0]
    return sim, ent["eid"]


def _inputs(eid: str, fcr_kw: float, **arrays: Any) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "p_base_kw": {"agg": np.array([5.0, 5.0, 5.0, 5.0])},
        "p_up_kw": {"agg": np.array([4.0, 4.0, 4.0, 4.0])},
        "p_down_kw": {"agg": np.array([4.0, 4.0, 4.0, 4.0])},
        "fcr_p_req_kw": {"tso": fcr_kw},
        "congested_mask": {"dso": np.array([True, True, False, False])},
        "headroom_kw": {"dso": np.array([-1.0, np.inf])},
    }
    attrs.update({name: {"src": value} for name, value in arrays.items()})
    return {eid: attrs}


@pytest.mark.parametrize(
    "value",
    [
        np.array([1.0, -0.0, np.nan, 2.0]),  # float64: a copy
        np.array([1, 0, 2, 3]),  # int: converted by the fold
        np.array([[1.0, 2.0, 3.0, 4.0]]),  # 2-D: flattened by the fold
        [1.0, 2.0, 3.0, 4.0],  # a list
        np.array([True, False, True, False]),  # bool for a float input
        # an equal dtype that is not numpy's builtin object (as a compiled loop's output)
        pickle.loads(pickle.dumps(np.array([1.0, 2.0, 3.0, 4.0]))),
        pickle.loads(pickle.dumps(np.array([True, False, True, False]))),
        np.array([1.0, 2.0, 3.0, 4.0], dtype=">f8"),  # not the native byte order
    ],
)
def test_coordinator_input_is_what_the_fold_gives(value: Any) -> None:
    sim, eid = _coordinator()
    attrs = {"p_base_kw": {"src": value}, "congested_mask": {"src": value}}
    for name in ("p_base_kw", "congested_mask"):
        got = sim._input(eid, attrs, name, 4)
        want = sim.fold(eid, attrs, name, n=4)
        assert _same(got, want)
        if isinstance(value, np.ndarray) and np.shares_memory(got, value):
            assert got is value  # the sender's array itself, read only by the step


def test_coordinator_input_defaults_and_two_senders() -> None:
    sim, eid = _coordinator()
    assert _same(sim._input(eid, {}, "p_up_kw", 3), np.zeros(3))
    two = {"p_up_kw": {"a": np.array([1.0, 2.0]), "b": np.array([0.5, 0.25])}}
    assert _same(sim._input(eid, two, "p_up_kw", 2), np.array([1.5, 2.25]))


@pytest.mark.parametrize("scheme", ["tso_first", "traffic_light", "common_market"])
def test_get_data_plan_gives_what_output_gives(scheme: str) -> None:
    sim, eid = _coordinator(scheme)
    request = {eid: [*OUTPUT_ATTRS, "fcr_served_kw"]}  # mosaik may ask for one twice
    for t, fcr in enumerate((8.0, -3.0, 0.0, 12.0)):
        sim.step(t * 900, _inputs(eid, fcr, dso_req_kw=np.array([-1.0, 0.0])))
        planned = sim.get_data(request)[eid]  # the plan, from the second call on
        state = sim.states[eid]
        for attr, value in planned.items():
            assert _same(value, sim.output(eid, attr, state)), attr
    assert sim._plan and sim._plan[0][2] is not None


def test_get_data_json_safe_keeps_lists() -> None:
    sim = CoordinatorSim(json_safe=True)
    sim.init("coord", step_s=900, seed=[1])
    eid = sim.create(1, "Coordinator", zone_of_charger=ZONES)[0]["eid"]
    for t in range(2):
        sim.step(t * 900, _inputs(eid, 8.0))
        out = sim.get_data({eid: ["p_set_kw", "n_conflicts"]})[eid]
        assert out["p_set_kw"] == [7.0, 7.0, 7.0, 7.0] and isinstance(out["n_conflicts"], int)


def test_first_dispatch_equals_the_dataclass() -> None:
    a, z = np.array([1.0, -2.0]), np.zeros(1)
    built = first_dispatch(a, a, a, 1.5, z, 0.0, "traffic_light")
    want = Dispatch(a, a, a, 1.5, z, 0.0, scheme="traffic_light")
    assert built.__dict__.keys() == want.__dict__.keys()
    for key, value in want.__dict__.items():
        assert _same(built.__dict__[key], value) or built.__dict__[key] == value, key


@pytest.mark.parametrize("x", [2.0, -3.0, 0.0, -0.0, math.inf, -math.inf, 1e-300, math.nan])
def test_sign_of_is_numpy_sign(x: float) -> None:
    got, want = sign_of(x), float(np.sign(x))
    assert _same(got, want) and math.copysign(1.0, got) == math.copysign(1.0, want)


def _observation(headroom: list[float]) -> CoordinationObservation:
    n = 2
    return CoordinationObservation(
        0,
        np.zeros(n),
        np.ones(n),
        np.ones(n),
        0.0,
        np.zeros(2),
        np.array([0, 1]),
        np.zeros(n, dtype=bool),
        np.array(headroom),
    )


def test_headroom_check_of_evolve() -> None:
    obs = _observation([1.0, 2.0])
    # +inf and -inf sum to NaN: the full check then finds them fine
    assert obs.evolve(headroom_kw=np.array([np.inf, -np.inf])).headroom_kw[0] == np.inf
    with pytest.raises(ValueError, match="headroom_kw must not be NaN"):
        obs.evolve(headroom_kw=np.array([1.0, np.nan]))


def test_light_plan_reused_gives_fresh_traffic_lights() -> None:
    mask = np.array([[True, True, False], [False, True, True], [True, True, True]])
    zone_map = ZoneMap.build(mask, [0, 1, 1], 2)
    rating = np.array([100.0, 50.0, 400.0])
    plan = LightPlan(
        rating_kva=rating, mask=mask, zone_map=zone_map, loading_limit_pct=80.0, hysteresis_pct=5.0
    )
    rng = np.random.default_rng(3)
    for _ in range(20):
        loading = rng.uniform(0.0, 120.0, 3)
        loading[rng.random(3) < 0.2] = np.nan
        forecast = None if rng.random() < 0.3 else rng.uniform(0.0, 120.0, 3)
        base = None if rng.random() < 0.3 else rng.uniform(-5.0, 20.0, 2)
        got = plan(loading, forecast, base)
        want = traffic_light(
            loading,
            forecast,
            rating_kva=rating,
            mask=mask,
            zone_map=zone_map,
            baseline_kw=base,
            loading_limit_pct=80.0,
            hysteresis_pct=5.0,
        )
        assert _same(got.congested_mask, want.congested_mask)
        assert _same(got.headroom_kw, want.headroom_kw)


def test_light_plan_broadcasts_one_rating() -> None:
    mask = np.array([[True, False], [True, True]])
    zone_map = ZoneMap.build(mask, [0, 1], 2)
    plan = LightPlan(rating_kva=[100.0], mask=mask, zone_map=zone_map)
    got = plan([95.0, 50.0], None, None)
    want = traffic_light(
        [95.0, 50.0], None, rating_kva=[100.0, 100.0], mask=mask, zone_map=zone_map
    )
    assert _same(got.headroom_kw, want.headroom_kw)


def test_observe_policy_gives_a_fresh_all_nan_array() -> None:
    from controllers.dso.cover import ChargerCover

    ctx = DSOContext(
        params=DSOParams(),
        rating_kva=np.ones(1),
        mask=ChargerCover.from_mask([[True, True, True]]),
        p_rated_kw=np.full(3, 11.0),
    )
    policy = ObservePolicy(ctx)
    first, second = policy.decide(None), policy.decide(None)  # type: ignore[arg-type]
    assert _same(first, np.full(3, np.nan)) and first is not second
    first[0] = 1.0  # a caller may write into its caps
    assert np.isnan(policy.decide(None)).all()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("line", "trafo"),
    [
        (np.array([10.0, 20.0]), np.array([30.0])),
        (np.array([10, 20]), np.array([30.0])),  # int lines: converted
        (np.array([[10.0, 20.0]]), np.array([30.0])),  # 2-D: flattened
        ([10.0, 20.0], 30.0),
        (np.array([10.0, 20.0, 30.0]), None),
    ],
)
def test_element_loadings_fast_path(line: Any, trafo: Any) -> None:
    got = element_loadings(3, line, trafo, "Operator_0")
    parts = [np.asarray(v, dtype=float).reshape(-1) for v in (line, trafo) if v is not None]
    assert _same(got, np.concatenate(parts))


@pytest.mark.parametrize(
    "values",
    [
        [1.0, -0.0],
        [np.nan, 2.0],
        [np.inf, 1.0],
        [-np.inf, np.inf],
        [1e308, 1e308],  # the sum overflows: nan_to_num changes nothing
    ],
)
def test_hourly_profile_counts_nan_as_zero(values: list[float]) -> None:
    prof = HourlyProfile(2)
    prof.observe(0, 3, np.array(values))
    prof.observe(0, 3, np.array([1.0, 1.0]))
    want = np.nan_to_num(np.array(values)) + np.array([1.0, 1.0])
    assert _same(prof._sum[1, 3], want)


def test_background_rows_are_the_true_load_uncopied() -> None:
    from controllers.coordination.headroom import BackgroundForecast

    bg = BackgroundForecast(np.arange(12.0).reshape(4, 3), 900)
    for t in (0, 900, 4 * 900 + 1800, 123 * 900):
        assert _same(bg.row_kw(t), bg.true_kw(t))
        assert np.shares_memory(bg.row_kw(t), bg.series_kw)
    copy = bg.true_kw(0)
    copy[0] = -1.0  # a caller may write into its copy
    assert bg.row_kw(0)[0] == 0.0 and bg.true_kw(0)[0] == 0.0


@pytest.mark.parametrize(
    "baseline",
    [
        [1.0, 2.5],  # all positive and finite: the shortcut
        [1e-300, 1.7e308],
        [0.0, 2.0],
        [-0.0, 2.0],
        [-1.0, np.nan],
        [np.inf, 1.0],
        [-np.inf, 1.0],
        3.0,  # one value for every zone
    ],
)
def test_zone_map_baseline_is_the_clipping(baseline: Any) -> None:
    zone_map = ZoneMap.build(np.array([[True, True]]), [0, 1], 2)
    arr = np.asarray(baseline, dtype=float)
    clipped = np.minimum(np.fmax(arr, 0.0), np.finfo(float).max)
    want = np.ascontiguousarray(np.broadcast_to(clipped, (2,)))
    got = zone_map.baseline(baseline)
    assert _same(got, want) and np.array_equal(np.signbit(got), np.signbit(want))
    assert got.flags.c_contiguous and not (isinstance(baseline, list) and got is baseline)

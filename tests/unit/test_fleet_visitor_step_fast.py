"""Visitor sessions and the fleet's scalar helpers: the quick paths equal the plain ones."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cosim.seeding import generator
from cosim.timebase import DAY_S
from simulators.ev_fleet import ClimateParams, MixedFleet, VisitorModel, VisitorParams, make_segment
from simulators.ev_fleet.climate import ClimateCurve, ambient_temp_c
from simulators.ev_fleet.plugin import _clip_unit

_H = 3600.0


class _PlainVisitors(VisitorModel):
    """Every field updated with whole-array operations on every step."""

    def apply_power(self, p_batt_kw):
        e_kwh = np.where(self.plugged, p_batt_kw, 0.0) * (self.step_s / _H)
        self.e_batt_total_kwh += e_kwh
        self.soc = np.clip(self.soc + e_kwh / self.capacity_kwh, 0.0, 1.0)

    def step(self, time_s):
        t1 = time_s + self.step_s
        leaving = self.plugged & (self.departure_s < t1)
        short = np.maximum(self.soc_target - self.soc, 0.0) * self.capacity_kwh
        unserved = np.where(leaving, short, 0.0)
        self.plugged &= ~leaving
        self.opt_out &= ~leaving
        arrived = np.zeros(self.n, dtype=bool)
        first = (time_s + self.week_offset_s) // DAY_S
        last = (t1 - 1 + self.week_offset_s) // DAY_S
        for d in range(first, last + 1):
            s = self.day(d)
            for j in range(s.arr_s.shape[1]):
                new = (s.arr_s[:, j] >= time_s) & (s.arr_s[:, j] < t1)
                self.plugged |= new
                for name, drawn in (
                    ("soc", s.soc0),
                    ("capacity_kwh", s.cap_kwh),
                    ("p_max_kw", s.p_max_kw),
                    ("soc_target", s.soc_target),
                    ("departure_s", s.leave_s),
                    ("opt_out", s.opt_out),
                ):
                    setattr(self, name, np.where(new, drawn[:, j], getattr(self, name)))
                arrived |= new
        self.sessions += arrived
        return unserved, arrived


_FIELDS = (
    "plugged",
    "soc",
    "capacity_kwh",
    "p_max_kw",
    "soc_target",
    "departure_s",
    "opt_out",
    "sessions",
    "e_batt_total_kwh",
)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 12),
    step_s=st.sampled_from([300, 900, 3600, 6 * 3600, DAY_S + 900]),
    rate=st.floats(0.0, 3.0),
    week_offset_s=st.integers(0, 7 * DAY_S - 1),
    v2g=st.booleans(),
)
def test_visitor_steps_equal_the_plain_steps_bit_for_bit(
    seed: int, n: int, step_s: int, rate: float, week_offset_s: int, v2g: bool
) -> None:
    params = VisitorParams(sessions_per_day=rate, max_sessions_per_day=3, p_opt_out=0.3)
    fast, plain = (
        cls(params, n, generator(seed), step_s=step_s, week_offset_s=week_offset_s)
        for cls in (VisitorModel, _PlainVisitors)
    )
    rng = np.random.default_rng(seed)
    for k in range(3 * DAY_S // step_s + 2):
        p = rng.uniform(-11.0 if v2g else 0.0, 11.0, n)
        p[rng.random(n) < 0.2] = 0.0
        for model in (fast, plain):
            model.apply_power(p)
        (u1, a1), (u2, a2) = fast.step(k * step_s), plain.step(k * step_s)
        assert u1.tobytes() == u2.tobytes() and a1.tobytes() == a2.tobytes()
        for name in _FIELDS:
            x, y = getattr(fast, name), getattr(plain, name)
            assert x.dtype == y.dtype and x.tobytes() == y.tobytes(), name


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.floats(-1e4, 1e4), st.sampled_from([-0.0, 0.0, 365.0, -365.0, -1e-20])))
def test_climate_curve_temperature_is_the_array_function(day: float) -> None:
    params = ClimateParams()
    assert ClimateCurve(params).temp_c(day) == float(ambient_temp_c(day, params))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 8), rate=st.floats(0.0, 3.0))
def test_kept_visitor_outputs_equal_recomputed_ones(seed: int, n: int, rate: float) -> None:
    params = VisitorParams(sessions_per_day=rate, max_sessions_per_day=3, p_opt_out=0.3)
    seg = make_segment("home_commuter", 3, plugin="daily")
    kept, fresh = (
        MixedFleet([seg], generator(seed), n_public=n, visitors=params) for _ in range(2)
    )
    p = np.zeros(kept.n_ev)
    for k in range(2 * 96):
        fresh._visitor_sessions = -1  # recompute every visitor output
        (a, _), (b, _) = kept.step(k * 900, p), fresh.step(k * 900, p)
        for name in a.__dataclass_fields__:
            x, y = np.asarray(getattr(a, name)), np.asarray(getattr(b, name))
            assert x.tobytes() == y.tobytes(), name
        p = np.where(a.plugged, np.minimum(a.p_max_kw, a.e_need_kwh / 0.25), 0.0)


_awkward = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, -1.0, np.nan, np.inf, -np.inf, 5e-324, -5e-324]),
    st.floats(-3.0, 3.0),
    st.floats(allow_nan=True, allow_infinity=True),
)


@settings(max_examples=400, deadline=None)
@given(hnp.arrays(np.float64, st.integers(0, 70), elements=_awkward))
def test_unit_clip_is_np_clip_bit_for_bit(x: np.ndarray) -> None:
    plain = np.clip(x, 0.0, 1.0)
    fast = _clip_unit(x.copy())
    assert fast.tobytes() == plain.tobytes()

"""A fleet step's ambient temperature, looked up in a table made for the next steps at
once (``FleetModel._ambient``), is the temperature computed for that step alone."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cosim.seeding import generator
from cosim.timebase import DAY_S
from simulators.ev_fleet.climate import ClimateCurve, ClimateParams
from simulators.ev_fleet.model import FleetModel
from simulators.ev_fleet.params import FleetParams


@settings(max_examples=60, deadline=None)
@given(
    st.floats(0.0, 366.0),
    st.sampled_from([300, 900, 3600]),
    st.lists(st.integers(1, 200), min_size=1, max_size=150),
    st.floats(0.0, 20.0),
)
def test_tabulated_ambient_is_the_ambient_of_the_step(
    start_doy: float, step_s: int, gaps: list[int], offset_k: float
) -> None:
    climate = ClimateParams(battery_offset_k=offset_k)
    fleet = FleetModel(
        FleetParams(), 2, generator(1), step_s=step_s, climate=climate, start_doy=start_doy
    )
    curve = ClimateCurve(climate)
    t = 0
    for gap in gaps:  # mostly whole steps apart, sometimes far off the table
        t += step_s if gap < 150 else gap * 997
        air = curve.temp_c(start_doy + t / DAY_S)
        assert fleet._ambient(t) == air + offset_k
        assert fleet._air_c == air

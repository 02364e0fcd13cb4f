"""The pulled inputs read a source's cached output as mosaik's ``get_output_for`` does."""

from __future__ import annotations

from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st
from mosaik.simmanager import SimRunner

from cosim.pulled_inputs import _output_at


@settings(deadline=None, max_examples=200)
@given(
    times=st.lists(st.integers(0, 40), max_size=8, unique=True).map(sorted),
    at=st.integers(-1, 45),
)
def test_the_newest_output_at_or_before_the_time(times: list[int], at: int) -> None:
    """The same output object (or an empty dict) for caches in time order, any read time."""
    outputs = {t: {"e": {"x": t}} for t in times}
    runner = SimpleNamespace(outputs=outputs)
    expected = SimRunner.get_output_for(runner, at)  # type: ignore[arg-type]
    got = _output_at(outputs, at)
    assert got == expected
    assert got is expected or (got == {} and not any(t <= at for t in times))

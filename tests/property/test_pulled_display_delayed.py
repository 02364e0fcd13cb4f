"""The generated display (cosim.pulled_inputs._display) reads a delayed connection as
mosaik's ``get_output_for`` does when its read time falls between two cached outputs (a
time-shifted read, delay 1, of a source stepping every 900 s): the newest output at or
before it, without the row-by-row fallback (which it left every such step before)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from mosaik.simmanager import SimRunner

from cosim.pulled_inputs import OutputOrder, PulledInputs


class _Source:
    """A simulator whose outputs are read (hashed by identity, as mosaik's runners)."""

    def __init__(self, sid: str, delay: int, times: list[int]) -> None:
        self.sid, self.delay = sid, _Delay(delay)
        self.outputs = {t: {"e": {"x": [sid, t], "y": [sid, t, "y"]}} for t in times}


class _Delay:
    def __init__(self, delay: int) -> None:
        self.tiers = (delay,)


def _world(sources: list[_Source]) -> Any:
    pulled = {
        (src, src.delay): [
            SimpleNamespace(src_port=("e", a), dest_port=("d", f"{a}{i}"), transform=None)
            for a in ("x", "y")
        ]
        for i, src in enumerate(sources)
    }
    return SimpleNamespace(pulled_inputs=pulled, persistent_inputs={})


_TIMES = st.lists(st.integers(0, 60).map(lambda k: 15 * k), max_size=6, unique=True).map(sorted)


@settings(max_examples=300, deadline=None)
@given(
    sources=st.lists(st.tuples(st.integers(0, 40), _TIMES), min_size=1, max_size=3),
    time=st.integers(0, 960),
)
def test_a_delayed_read_takes_the_newest_output_at_or_before_it(
    sources: list[tuple[int, list[int]]], time: int
) -> None:
    srcs = [_Source(f"S{i}", delay, times) for i, (delay, times) in enumerate(sources)]
    pulled = PulledInputs(_world(srcs), OutputOrder())
    assert pulled.build is not None
    reads = [SimRunner.get_output_for(src, time - src.delay.tiers[0]) for src in srcs]  # type: ignore[arg-type]
    try:
        got = pulled.build(time)
    except KeyError:  # the fallback serves the step: a source lacks an output to read,
        # or a same-time one (delay 0) has none at the time itself
        assert any(read == {} for read in reads) or any(
            src.delay.tiers[0] == 0 and time not in src.outputs for src in srcs
        )
        return
    expected = {
        "d": {
            f"{a}{i}": {f"{src.sid}.e": read["e"][a]}
            for i, (src, read) in enumerate(zip(srcs, reads, strict=True))
            for a in ("x", "y")
        }
    }
    assert list(got["d"]) == list(expected["d"])
    for attr, values in expected["d"].items():
        (value,) = values.values()
        assert got["d"][attr] == values and next(iter(got["d"][attr].values())) is value

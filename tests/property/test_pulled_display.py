"""The pulled inputs built by one generated dict display (cosim.pulled_inputs._display)
equal the dict of the layout's comprehensions: the same keys in the same order, the same
value objects, whatever the names (quotes, backslashes, non-ASCII) and delays."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cosim.pulled_inputs import OutputOrder, PulledInputs

_NAMES = st.sampled_from(["a", "b", "x'y", 'q"r', "back\\slash", "é€", "{k}", "n\nl", "gone"])


def _identity(x: Any) -> Any:
    return x


class _Source:
    """A simulator whose outputs are read (hashed by identity, as mosaik's runners)."""

    def __init__(self, sid: str, delay: int) -> None:
        self.sid, self.delay, self.outputs = sid, _Delay(delay), {}


class _Delay:
    def __init__(self, delay: int) -> None:
        self.tiers = (delay,)


def _nested_items(d: Any) -> Any:
    """A dict as its items, nested, so that key order counts."""
    if isinstance(d, dict):
        return [(k, _nested_items(v)) for k, v in d.items()]
    return id(d)


@st.composite
def _worlds(draw: Any) -> tuple[Any, list[Any]]:
    n_src = draw(st.integers(1, 3))
    sources = [_Source(f"S{i}", draw(st.integers(0, 2))) for i in range(n_src)]
    pulled: dict[Any, list[Any]] = {}
    for _ in range(draw(st.integers(0, 6))):
        src = draw(st.sampled_from(sources))
        entry = SimpleNamespace(
            src_port=(draw(_NAMES), draw(_NAMES)),
            dest_port=(draw(_NAMES), draw(_NAMES)),
            transform=_identity,
        )
        pulled.setdefault((src, src.delay), []).append(entry)
    names = ["a", "b", "x'y", 'q"r', "back\\slash", "é€", "{k}", "n\nl"]
    for src in sources:  # every source entity has every attribute, at times 0..3
        src.outputs = {t: {e: {a: [t, e, a] for a in names} for e in names} for t in range(4)}
    return SimpleNamespace(pulled_inputs=pulled, persistent_inputs={}), sources


@settings(max_examples=200, deadline=None)
@given(world=_worlds(), time=st.integers(0, 5))
def test_the_display_builds_the_comprehensions_dict(world: Any, time: int) -> None:
    runner, _ = world
    order = OutputOrder()
    pulled = PulledInputs(runner, order)
    got = pulled(time)
    order.in_order = False  # the comprehensions, reading as mosaik's get_output_for
    expected = pulled(time)
    if got is None or expected is None:
        assert got is expected
    else:
        assert _nested_items(got) == _nested_items(expected)

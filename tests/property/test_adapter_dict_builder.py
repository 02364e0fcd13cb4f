"""The dict get_data answers with for an entity (cosim.adapter_shortcuts.dict_builder: one
generated dict display of the state's attributes) equals the C-level getter's values zipped
with the names it replaced: the same keys in the same order, the same value objects,
whatever the names (keywords, non-ASCII, dotted paths, names of builtins)."""

from __future__ import annotations

from operator import attrgetter
from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cosim.adapter_shortcuts import dict_builder

_NAMES = ["p_kw", "soc", "é_kw", "class", "state", "build", "__doc__", "x1", "inner.v", "dict"]


def _state() -> Any:
    state = SimpleNamespace(inner=SimpleNamespace(v=[0.5]))
    for name in _NAMES:
        if "." not in name:
            setattr(state, name, [name])  # a distinct object per attribute
    return state


@settings(max_examples=200, deadline=None)
@given(attrs=st.lists(st.sampled_from(_NAMES), min_size=2, max_size=8, unique=True))
def test_the_builder_gives_the_zipped_getters_dict(attrs: list[str]) -> None:
    state = _state()
    got = dict_builder(attrs)(state)
    expected = dict(zip(attrs, attrgetter(*attrs)(state), strict=True))
    assert list(got) == list(expected)
    assert all(got[a] is expected[a] for a in attrs)


def test_a_missing_attribute_raises_as_the_getter_does() -> None:
    state = _state()
    try:
        attrgetter("p_kw", "gone")(state)
    except AttributeError as err:
        expected = str(err)
    try:
        dict_builder(["p_kw", "gone"])(state)
    except AttributeError as err:
        assert str(err) == expected
    else:
        raise AssertionError("no AttributeError")

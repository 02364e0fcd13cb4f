"""The coordinator's get_data builder gives each output as its reader does, in any order."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from controllers.coordination.conflicts import Conflict, ConflictKind
from controllers.coordination.dispatch import first_dispatch
from controllers.coordination.entity import (
    CoordinatorEntity,
    output_reader,
    outputs_dict,
)
from controllers.coordination.headroom import HeadroomMode
from controllers.coordination.ports import OUTPUT_ATTRS
from controllers.coordination.schemes import Scheme


def _entity(conflicts: tuple[Conflict, ...]) -> CoordinatorEntity:
    ent = CoordinatorEntity(
        np.array([0, 1, -1]),
        2,
        Scheme.TRAFFIC_LIGHT,
        {},
        zone_names=["a", "b"],
        charger_ids=[0, 1, 2],
        mode=HeadroomMode.MEASURED,
        exante=None,
    )
    d = first_dispatch(np.ones(3), np.ones(3), np.zeros(3), 3.0, np.zeros(2), 0.5, "x")
    ent.record(replace(d, conflicts=conflicts))
    ent.p_set_kw = np.full(3, 2.0)
    return ent


_CONFLICTS = [
    (),
    (Conflict(900, ConflictKind.TSO_AGGRAVATES_DSO, 1, (1,), 0.002),),
    (
        Conflict(900, ConflictKind.TSO_AGGRAVATES_DSO, 0, (0,), 0.1),
        Conflict(900, ConflictKind.DOUBLE_CLAIM, 1, (1,), 0.2),
    ),
]


@settings(deadline=None, max_examples=200)
@given(
    attrs=st.lists(st.sampled_from(OUTPUT_ATTRS), min_size=1, max_size=12),
    conflicts=st.sampled_from(_CONFLICTS),
)
def test_the_getter_reads_each_output_as_its_reader(attrs: list[str], conflicts) -> None:
    ent = _entity(conflicts)
    attrs = list(dict.fromkeys(attrs))  # get_data asks for each output once
    got = outputs_dict(attrs)(ent)
    assert list(got) == attrs
    want = [output_reader(a)(ent, ent.dispatch) for a in attrs]
    for g, w in zip(got.values(), want, strict=True):
        assert type(g) is type(w)
        assert np.array_equal(g, w) if isinstance(w, np.ndarray) else g == w

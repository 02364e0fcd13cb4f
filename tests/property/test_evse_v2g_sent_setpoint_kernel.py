"""``v2g_kernels.v2g_sent_setpoint_outputs`` gives the bits of the numpy step it replaced.

One controller's setpoints reach a V2G bank as sent; before, the adapter combined them with
``cosim.fold`` (the sum rule of one source: ``np.add.reduce`` to find a NaN, then a copy
``+ 0.0``, or NaN for the elements without a value) and the bank ran the plain setpoint step.
The reference is that fold in numpy (checked against ``cosim.fold.fold_one``) followed by
the numpy chain of ``test_evse_v2g_setpoint_kernel``; setpoints include -0.0 (which the copy
turns into 0.0 only when no value is NaN), NaN of either sign and opposite infinities (a
NaN sum without a NaN value).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cosim.fold import fold_one
from cosim.ports_types import Combine
from simulators.evse import v2g_kernels
from simulators.evse.losses import ChargerLosses
from tests.property.test_evse_kernels import DT_H, _same, _values, banks
from tests.property.test_evse_v2g_setpoint_kernel import _step_ref, connections

SENT = [0.0, -0.0, 3.0, -2.5, np.nan, -np.nan, np.inf, -np.inf, 1e308, -1e308, 5e-324]


def _fold_ref(p_sent: np.ndarray) -> np.ndarray:
    """``cosim.fold._sum`` of one array with the default NaN, as it was written."""
    total = np.add.reduce(p_sent)
    if total != total:
        return np.where(np.isnan(p_sent), np.nan, p_sent)
    return p_sent + 0.0


@settings(max_examples=500, deadline=None)
@given(banks(), DT_H, st.data())
def test_v2g_sent_setpoint_outputs_are_the_numpy_fold_then_outputs(bank, dt_h, data) -> None:
    r, c_ch, c_dis = bank
    n = r.size
    conn = data.draw(connections(n))
    ev_of, n_ev, identity = conn
    element = st.one_of(st.sampled_from(SENT), st.floats(-60.0, 60.0))
    p_sent = np.array(data.draw(st.lists(element, min_size=n, max_size=n)), dtype=float)
    cap_ch, cap_dis = (data.draw(_values(n)) for _ in "cd")
    bidir = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), bool)
    p_max = data.draw(_values(n_ev, 0.0, 50.0))
    need = data.draw(_values(n_ev, hi=200.0))
    soc, soc_min = (data.draw(_values(n_ev, -0.5, 1.5)) for _ in "sf")
    cap = data.draw(_values(n_ev, 0.0, 120.0))
    per_ev = (p_max, need, soc, soc_min, cap)
    with np.errstate(all="ignore"):  # inf - inf, 0 / 0: NaN, as in the loops
        p_set = _fold_ref(p_sent)
        folded = fold_one(Combine.SUM, p_sent, n, np.nan)
        assert _same(folded, p_set) and np.array_equal(np.signbit(folded), np.signbit(p_set))
        want = _step_ref(p_set, (cap_ch, cap_dis), bank, bidir, conn, per_ev, dt_h)
        got = (np.empty(n), np.empty(n), np.empty(n_ev), np.empty(n), np.empty(n))
        chargers = np.flatnonzero(ev_of >= 0)
        v2g_kernels.v2g_sent_setpoint_outputs(
            p_sent, r, np.where(bidir, -r, 0.0), cap_ch, cap_dis, ev_of, ev_of >= 0, *per_ev,
            dt_h, bidir, ChargerLosses(r, c_ch, c_dis).limit_consts, c_ch, c_dis, identity,
            ev_of[chargers], chargers, *got,
        )  # fmt: skip
    assert all(_same(g, w) for g, w in zip(got, want, strict=True))

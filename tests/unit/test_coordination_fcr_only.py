"""The traffic light's fused step (``schemes._fcr_only``) is the general one.

When the light limits nothing and there is no aFRR request, ``resolve`` takes one compiled
call for the pass and its conflict check; it must give the Dispatch the general path
(``_first_pass``, then ``detect`` on the true headroom) gives, conflicts included.
"""

from __future__ import annotations

import numpy as np
import pytest

from controllers.coordination import schemes
from controllers.coordination.conflicts import detect
from controllers.coordination.observation import CoordinationObservation

ZONE = [0, 0, 1, -1, 1, 2]


def _obs(
    rng: np.random.Generator, fcr: float, red: bool, afrr_band: bool
) -> CoordinationObservation:
    n = len(ZONE)
    return CoordinationObservation(
        0,
        rng.normal(3.0, 2.0, n),
        np.abs(rng.normal(3.0, 2.0, n)),
        np.abs(rng.normal(3.0, 2.0, n)),
        fcr,
        np.zeros(3),
        ZONE,
        np.array([red, False, False, red, False, False]),
        np.array([1.0, np.inf, -0.5]),
        fcr_band_kw=np.abs(rng.normal(1.0, 1.0, n)),
        afrr_band_kw=np.full(n, 2.0 if afrr_band else 0.0),
    )


def _general(obs: CoordinationObservation, true: np.ndarray) -> schemes.Dispatch:
    dispatch = schemes._first_pass(obs, schemes.Scheme.TRAFFIC_LIGHT)
    judged = obs.evolve(headroom_kw=true)
    conflicts = detect(judged, dispatch, fcr_alone_kw=schemes._fcr_without_dso(
        obs, schemes.Scheme.TRAFFIC_LIGHT, dispatch))  # fmt: skip
    return schemes.replace(dispatch, conflicts=conflicts) if conflicts else dispatch


@pytest.mark.parametrize("fcr", [-40.0, -3.0, 0.0, 2.0, 7.0, 40.0])
@pytest.mark.parametrize("red", [False, True])
@pytest.mark.parametrize("afrr_band", [False, True])
def test_fcr_only_is_the_general_path(fcr: float, red: bool, afrr_band: bool) -> None:
    rng = np.random.default_rng(int(abs(fcr)) + 10 * red + 100 * afrr_band)
    obs = _obs(rng, fcr, red, afrr_band)
    true = np.array([rng.normal(2.0, 3.0), 0.5, -1.0])
    got = schemes.resolve(obs, "traffic_light", true_headroom_kw=true)
    want = _general(obs, true)
    assert got.conflicts == want.conflicts
    for name in ("p_adj_kw", "p_fcr_kw", "p_dso_kw", "dso_served_kw", "p_afrr_kw"):
        g, w = getattr(got, name), getattr(want, name)
        assert np.array_equal(g, w) and np.array_equal(np.signbit(g), np.signbit(w))
    for name in ("fcr_served_kw", "fcr_blocked_kw", "scheme", "afrr_served_kw"):
        assert getattr(got, name) == getattr(want, name)


def test_fcr_only_finds_the_tso_conflict() -> None:
    obs = _obs(np.random.default_rng(0), 40.0, False, False)
    got = schemes.resolve(obs, "traffic_light", true_headroom_kw=np.array([0.1, 0.1, 0.1]))
    assert got.conflicts and got.conflicts == _general(obs, np.array([0.1, 0.1, 0.1])).conflicts

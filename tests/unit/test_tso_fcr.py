"""FCR droop: CE hand points, symmetry, saturation, dead-band rules; 4-h blocks."""

from __future__ import annotations

import numpy as np
import pytest

from simulators.tso.fcr import FCRParams, block_index, fcr_activation


@pytest.mark.parametrize(
    ("df_mhz", "expected"),
    [
        (-200.0, 1.0),  # full upward activation at -200 mHz
        (200.0, -1.0),
        (-100.0, 0.5),  # line not shifted by the dead-band (default rule)
        (50.0, -0.25),
        (-5.0, 0.0),  # inside the ±10 mHz insensitivity
        (5.0, 0.0),
        (-10.0, 0.0),  # edge belongs to the dead-band
        (-350.0, 1.0),  # saturates beyond ±200 mHz
        (800.0, -1.0),
    ],
)
def test_droop_hand_points(df_mhz: float, expected: float) -> None:
    assert fcr_activation(df_mhz / 1000.0) == pytest.approx(expected)


def test_requested_power_is_negative_for_under_frequency_in_consumer_sign() -> None:
    capacity_kw = 80.0
    p_req_kw = -fcr_activation(np.array([-0.2, 0.2])) * capacity_kw
    assert p_req_kw.tolist() == [-80.0, 80.0]  # under-frequency: draw 80 kW less


def test_droop_is_odd_monotone_and_bounded() -> None:
    df = np.linspace(-0.5, 0.5, 2001)
    a = fcr_activation(df)
    np.testing.assert_allclose(a, -a[::-1], atol=1e-15)
    assert np.all(np.diff(a) <= 0)
    assert a.max() == 1.0 and a.min() == -1.0


def test_shifted_deadband_starts_the_line_at_the_band_edge() -> None:
    a = fcr_activation([-0.0101, -0.1, -0.2, 0.2], shift_deadband=True)
    assert a[0] == pytest.approx(0.0001 / 0.19, abs=1e-9)  # continuous at the edge
    assert a[1] == pytest.approx(0.09 / 0.19)
    assert a[2:].tolist() == pytest.approx([1.0, -1.0])


def test_custom_band_and_full_activation() -> None:
    a = fcr_activation([-0.05, -0.15], deadband_hz=0.02, full_activation_hz=0.1)
    assert a.tolist() == [0.5, 1.0]


def test_blocks_are_four_hours_from_local_midnight() -> None:
    assert block_index([0, 4 * 3600 - 1, 4 * 3600, 23 * 3600, 24 * 3600]).tolist() == [
        0,
        0,
        1,
        5,
        6,
    ]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"deadband_hz": 0.3}, "deadband_hz"),
        ({"full_activation_hz": 0.0}, "full_activation_hz"),
        ({"block_prices_eur_mw_h": (1.0, 2.0)}, "block_prices_eur_mw_h"),
        ({"block_prices_eur_mw_h": (1.0, -2.0, 0, 0, 0, 0)}, "block_prices_eur_mw_h"),
    ],
)
def test_params_reject_bad_values_naming_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        FCRParams(**kwargs)

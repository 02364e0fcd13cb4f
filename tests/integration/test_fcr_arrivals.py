"""Balancing offers with the EVs still to arrive (``aggregator.fcr_forecast = "day_ahead"``)."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from cosim.config import load_config
from scenarios import dso_tso
from tests.integration.conftest import ROOT

SHORT = ("scenario.progress=false", 'scenario.until="2d"', 'scenario.warmup="0s"')


def _offers(tmp_path: Path, forecast: str) -> np.ndarray:
    cfg = load_config(
        ROOT / "scenarios" / "dso_tso.toml", [*SHORT, f'aggregator.fcr_forecast="{forecast}"']
    )
    out = tmp_path / f"{forecast}.h5"
    assert dso_tso.run(cfg, out=out, progress=False).status == "complete"
    with h5py.File(out, "r") as f:
        return f["aggregator-0/Aggregator/fcr_capacity_kw"][:, 0]


def test_arrivals_raise_the_offer_only_once_a_day_was_measured(tmp_path: Path) -> None:
    plugged, day_ahead = _offers(tmp_path, "plugged"), _offers(tmp_path, "day_ahead")
    day = 96
    # the first day has no history: the same offers, the same run
    np.testing.assert_array_equal(plugged[:day], day_ahead[:day])
    differ = np.flatnonzero(plugged != day_ahead)
    assert differ.size > 0 and differ[0] >= day
    # up to the first difference both runs are the same fleet: the arrivals forecast can only
    # add room, so the first offer that differs is larger
    assert day_ahead[differ[0]] > plugged[differ[0]]

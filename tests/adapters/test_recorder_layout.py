"""The recorder's step walks its inputs by the last step's layout: a step whose inputs come
in another order, lack a series or bring a new one is recorded as the first walk would."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from results.recorder import RecorderSim

_AREA = np.array([1.0, 0.99, 0.98])


def _step_inputs(t: int) -> dict:
    """Step 0 and 1: one layout; 2: reordered; 3: a source missing; 4: a new attribute."""
    v = {"Grid-0.area": _AREA + t, "Grid-0.bus_1": 1.0 + t, "Grid-0.bus_2": 2.0 + t}
    losses = {"Grid-0.area": 0.5 + t}
    if t == 2:
        return {"recorder": {"losses_kw": losses, "v_pu": dict(reversed(list(v.items())))}}
    if t == 3:
        del v["Grid-0.bus_1"]
    inputs = {"recorder": {"v_pu": v, "losses_kw": losses}}
    if t == 4:
        inputs["recorder"]["p_kw"] = {"Grid-0.area": np.array([t, -t, 0.0])}
    return inputs


def test_a_changed_layout_is_recorded_as_a_fresh_walk(tmp_path: Path) -> None:
    sim = RecorderSim()
    sim.init("Rec-0", path=str(tmp_path / "run.h5"), step_s=1, until_s=5, buffer_steps=8)
    sim.create(1, "Recorder")
    sim.describe(
        [
            {"full_id": "Grid-0.area", "model": "Area", "columns": ["b0", "b1", "b2"]},
            {"full_id": "Grid-0.bus_1", "model": "Bus", "columns": None},
            {"full_id": "Grid-0.bus_2", "model": "Bus", "columns": None},
        ]
    )
    for t in range(5):
        sim.step(t, _step_inputs(t), 10**9)
    sim.finalize()
    with h5py.File(tmp_path / "run.h5", "r") as f:
        ts = np.arange(5.0)
        v = (_AREA + ts[:, None]).astype(np.float32)
        np.testing.assert_array_equal(f["Grid-0/area/v_pu"][:], v)
        np.testing.assert_array_equal(f["Grid-0/Area/losses_kw"][:, 0], 0.5 + ts)
        buses = f["Grid-0/Bus/v_pu"][:]
        np.testing.assert_array_equal(buses[:, 1], 2.0 + ts)
        np.testing.assert_array_equal(buses[:, 0], [1.0, 2.0, 3.0, np.nan, 5.0])
        p_kw = [[np.nan] * 3] * 4 + [[4.0, -4.0, 0.0]]
        np.testing.assert_array_equal(f["Grid-0/area/p_kw"][:], p_kw)

"""The recorder adapter writes what it receives, labelled, and survives an early stop."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

from results.reader import open_run
from results.recorder import RecorderSim


def _recorder(path: Path, *, until_s: int = 3600, buffer_steps: int = 2) -> RecorderSim:
    sim = RecorderSim()
    sim.init(
        "Rec-0",
        path=str(path),
        step_s=900,
        until_s=until_s,
        buffer_steps=buffer_steps,
        meta={"seed": 1, "start": "2016-06-06T00:00:00+02:00", "step_s": 900},
    )
    sim.create(1, "Recorder")
    sim.describe(
        [
            {"full_id": "Grid-0.area", "model": "Area", "columns": ["b0", "b1", "b2"]},
            {"full_id": "Grid-0.bus_1", "model": "Bus", "columns": None},
            {"full_id": "Grid-0.bus_2", "model": "Bus", "columns": None},
        ]
    )
    return sim


def _inputs(t: int) -> dict:
    return {
        "recorder": {
            "v_pu": {
                "Grid-0.area": np.array([1.0, 0.99, 0.98]) - t * 1e-6,
                "Grid-0.bus_1": 1.01,
                "Grid-0.bus_2": 1.02,
            },
            "losses_kw": {"Grid-0.area": 0.5},
        }
    }


def test_array_and_scalar_series_land_in_labelled_datasets(tmp_path: Path) -> None:
    path = tmp_path / "run.h5"
    sim = _recorder(path)
    for t in range(0, 3600, 900):
        assert sim.step(t, _inputs(t), 10**9) == t + 900
    sim.finalize()

    run = open_run(path)
    assert run.status == "complete"
    v = run.bus_voltages()
    assert list(v.columns) == ["b0", "b1", "b2"]
    assert v.shape == (4, 3)
    np.testing.assert_allclose(
        v.iloc[1].to_numpy(), [1 - 900e-6, 0.99 - 900e-6, 0.98 - 900e-6], rtol=1e-6
    )
    bus = run.get("Bus", "v_pu")
    assert list(bus.columns) == ["bus_1", "bus_2"]
    np.testing.assert_allclose(bus.to_numpy(), [[1.01, 1.02]] * 4, rtol=1e-6)
    assert v.attrs["unit"] == "p.u."
    assert run.index[0].isoformat() == "2016-06-06T00:00:00+02:00"


def test_stopped_run_keeps_every_step_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "run.h5"
    sim = _recorder(path, until_s=10 * 900, buffer_steps=4)
    for t in range(0, 3 * 900, 900):  # 3 of 10 steps, all still in the buffer
        sim.step(t, _inputs(t), 10**9)
    sim.finalize()
    with h5py.File(path, "r") as f:
        assert f["meta"].attrs["status"] == "incomplete"
        assert list(f["time_s"][:]) == [0, 900, 1800]


def test_static_tables_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "run.h5"
    sim = _recorder(path)
    sim.add_table("fleet", {"ev_id": ["ev_0", "ev_1"], "capacity_kwh": [40.0, 77.0]})
    sim.step(0, _inputs(0), 10**9)
    sim.finalize()
    fleet = open_run(path).table("fleet")
    assert fleet["ev_id"].tolist() == ["ev_0", "ev_1"]
    assert fleet["capacity_kwh"].tolist() == [40.0, 77.0]


def test_one_entity_labels_each_array_port_with_its_own_ids(tmp_path: Path) -> None:
    """Bus ids for v_pu, line ids for loadings: a later describe() must not erase them."""
    sim = _recorder(tmp_path / "run.h5")
    sim.describe(
        [
            {"full_id": "Grid-0.area", "model": "Area", "columns": ["3", "9", "288"],
             "attrs": ["v_pu"]},
            {"full_id": "Grid-0.area", "model": "Area", "columns": ["17", "18"],
             "attrs": ["line_loading_pct"]},
            {"full_id": "Grid-0.area", "model": "Area", "columns": None, "attrs": None},
        ]
    )  # fmt: skip
    inputs = _inputs(0)
    inputs["recorder"]["line_loading_pct"] = {"Grid-0.area": [10.0, 20.0]}
    sim.step(0, inputs, 10**9)
    sim.finalize()
    run = open_run(tmp_path / "run.h5")
    assert list(run.bus_voltages().columns) == ["3", "9", "288"]
    assert list(run.line_loading().columns) == ["17", "18"]
    assert list(run.get("Area", "losses_kw").columns) == ["area"]


def test_values_of_every_kind_are_stored_as_numbers(tmp_path: Path) -> None:
    """Flags, integers, lists (a simulator in its own process) and a missing scalar (None)."""
    path = tmp_path / "run.h5"
    sim = _recorder(path, until_s=1800)
    steps = [
        {"tripped": [True, False, True], "n_trips": np.array([0, 2, 7]), "losses_kw": 0.5},
        {"tripped": np.array([False, True, False]), "n_trips": [1, 2, 8], "losses_kw": None},
    ]
    for k, values in enumerate(steps):
        inputs = {"recorder": {attr: {"Grid-0.area": v} for attr, v in values.items()}}
        sim.step(k * 900, inputs, 10**9)
    sim.finalize()

    with h5py.File(path) as f:
        np.testing.assert_array_equal(f["Grid-0/area/tripped"][()], [[1, 0, 1], [0, 1, 0]])
        np.testing.assert_array_equal(f["Grid-0/area/n_trips"][()], [[0, 2, 7], [1, 2, 8]])
        losses = f["Grid-0/Area/losses_kw"][()]
    assert losses[0, 0] == 0.5
    assert np.isnan(losses[1, 0])

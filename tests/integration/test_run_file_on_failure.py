"""A run that fails or is interrupted leaves a readable file with every completed step."""

from __future__ import annotations

import gc
import warnings
from pathlib import Path

import pytest

from cosim.config import Starter, parse_config
from results.reader import open_run
from scenarios.common import make_world, record, run_scenario, run_world, start_recorder


def _world(tmp_path: Path, *, fail_at_s: int, error: str, recorder_starter: str = "python"):
    cfg = parse_config(
        {
            "scenario": {"until": "4h", "step": 900, "warmup": 0},
            "record": {"buffer_steps": 3},
            "simulators": {"recorder": {"impl": "recorder", "starter": Starter(recorder_starter)}},
        }
    )
    world = make_world(cfg)
    world.sim_config["failing"] = {"python": "tests.integration.failing_sim:FailingSim"}
    path = tmp_path / "run.h5"
    recorder = start_recorder(world, cfg, path)
    src = world.start("failing", fail_at_s=fail_at_s, error=error).Source()
    record(world, recorder, [src], ["p_kw"])
    record(world, recorder, [src], ["v_pu"], columns=["a", "b"])
    return world, cfg, path


def test_model_error_mid_run_leaves_failed_file_with_completed_steps(tmp_path: Path) -> None:
    world, cfg, path = _world(tmp_path, fail_at_s=5 * 900, error="RuntimeError")
    with pytest.raises(RuntimeError, match="simulated model failure"):
        run_world(world, cfg, path, until_s=cfg.scenario.until_s, progress=False)
    run = open_run(path)
    assert run.status == "failed"
    assert "simulated model failure at t=4500" in run.meta["message"]
    assert run.time_s.tolist() == [0, 900, 1800, 2700, 3600]
    assert run.get("Source", "p_kw").iloc[:, 0].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_ctrl_c_leaves_interrupted_file(tmp_path: Path) -> None:
    world, cfg, path = _world(tmp_path, fail_at_s=2 * 900, error="KeyboardInterrupt")
    try:
        outcome = run_world(world, cfg, path, until_s=cfg.scenario.until_s, progress=False)
        status = outcome.status
    except KeyboardInterrupt:
        status = "raised"
    run = open_run(path)
    assert run.status == "interrupted", status
    assert run.time_s.tolist() == [0, 900]


def test_complete_run_with_recorder_out_of_process(tmp_path: Path) -> None:
    world, cfg, path = _world(tmp_path, fail_at_s=-1, error="", recorder_starter="cmd")
    outcome = run_world(world, cfg, path, until_s=cfg.scenario.until_s, progress=False)
    assert outcome.status == "complete"
    run = open_run(path)
    assert len(run.time_s) == 16
    assert list(run.get("Source", "v_pu").columns) == ["a", "b"]


@pytest.mark.parametrize("error", [RuntimeError("broken wiring"), KeyboardInterrupt()])
def test_error_during_set_up_settles_the_file_and_shuts_the_world_down(
    tmp_path: Path, error: BaseException
) -> None:
    cfg = parse_config({"scenario": {"until": "1h", "step": 900, "warmup": 0}})

    def build(world, cfg, recorder):
        world.sim_config["failing"] = {"python": "tests.integration.failing_sim:FailingSim"}
        record(world, recorder, [world.start("failing").Source()], ["p_kw"])
        raise error

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(type(error)):
            run_scenario(build, cfg, out=tmp_path / "setup.h5", progress=False)
        gc.collect()
    assert not [w for w in caught if "never shut down" in str(w.message)]
    expected = "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
    assert open_run(tmp_path / "setup.h5").status == expected


@pytest.mark.parametrize("during", ["set-up", "run"])
def test_ctrl_c_that_surfaces_as_a_library_error_ends_the_run_as_interrupted(
    tmp_path: Path, during: str
) -> None:
    # a Ctrl-C landing while an extension module initialises raises ImportError
    # ("initialization failed") instead of KeyboardInterrupt; the run still ends interrupted
    import signal

    from cosim import stop

    def ctrl_c_inside_an_import() -> None:
        stop.request(signal.SIGINT)
        raise ImportError("initialization failed")

    cfg = parse_config({"scenario": {"until": "1h", "step": 900, "warmup": 0}})

    def build(world, cfg, recorder):
        world.sim_config["failing"] = {"python": "tests.integration.failing_sim:FailingSim"}
        record(world, recorder, [world.start("failing").Source()], ["p_kw"])
        if during == "set-up":
            ctrl_c_inside_an_import()

    stop.clear()
    try:
        with pytest.raises(KeyboardInterrupt) as raised:
            run_scenario(
                build,
                cfg,
                out=tmp_path / "run.h5",
                progress=False,
                after_run=lambda parts, rec: ctrl_c_inside_an_import(),
            )
    finally:
        stop.clear()
    assert isinstance(raised.value.__cause__, ImportError)  # what it broke on stays told
    run = open_run(tmp_path / "run.h5")
    assert run.status == "interrupted"
    assert "interrupted by the user (Ctrl-C)" in run.meta["message"]

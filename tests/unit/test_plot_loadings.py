"""The overview plot's loading panel stays readable on a grid of many transformers."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from results.plots import _FEW_TRAFOS, _trafo_loadings, plot_overview
from results.reader import Run
from results.writer import RunWriter, SeriesSpec


def _run(path: Path, loading: np.ndarray) -> Run:
    writer = RunWriter(path)
    writer.set_meta({"step_s": 900, "start": "2016-01-04T00:00:00+01:00"})
    labels = [f"trafo {i}" for i in range(loading.shape[1])]
    spec = SeriesSpec(
        "grid-0/Area", "trafo_loading_pct", len(labels), labels, "%",
        {"model": "Area", "attr": "trafo_loading_pct"},
    )  # fmt: skip
    writer.declare("trafo", spec)
    for row, values in enumerate(loading):
        writer.write_row(row * 900, {"trafo": values})
    writer.close("complete")
    return Run(path)


@pytest.mark.parametrize("n", [1, 3, _FEW_TRAFOS + 1, 112])
def test_many_transformers_are_a_band_and_the_most_loaded(tmp_path: Path, n: int) -> None:
    rng = np.random.default_rng(n)
    loading = rng.uniform(0.0, 120.0, (8, n)).astype(np.float32)
    loading[3, 0] = np.nan  # an element without a value: the band ignores it
    run = _run(tmp_path / "run.h5", loading)
    fig, ax = plt.subplots()
    try:
        _trafo_loadings(ax, run, run.index)
        labels = ax.get_legend_handles_labels()[1]
        if n == 1:
            assert labels == ["transformer"]
        elif n <= _FEW_TRAFOS:
            assert labels == [f"trafo {i}" for i in range(n)]
        else:
            assert labels == [f"{n} transformers", "most loaded transformer"]
            np.testing.assert_array_equal(ax.lines[0].get_ydata(), np.fmax.reduce(loading, 1))
    finally:
        plt.close(fig)
    assert plot_overview(run, tmp_path / "overview.png").stat().st_size > 0

"""KPIs reduce wide series in blocks of rows: the result does not depend on the blocks.

A year of the MV+LV grid holds ~1.4 GB per per-EV series; the summary reads each in
blocks (:meth:`results.reader.Run.blocks`). Every block size must give what the whole
array gives: extremes and counts exactly, sums to float rounding.
"""

from __future__ import annotations

from pathlib import Path
from tempfile import TemporaryDirectory

import h5py
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from results import chunk_reader, reader
from results import kpi_functions as f
from results.grid_kpis import congestion_hours, excess_of, excess_pct_h, loading_digest
from results.kpi_base import KpiContext
from results.kpis import EN50160_V_MAX_PU, EN50160_V_MIN_PU
from results.reader import Run
from results.series import area, charger, fleet
from results.writer import RunWriter, SeriesSpec

STEP_S = 900
DT_H = STEP_S / 3600.0
_SERIES = {  # key: (group, model, attr)
    "v": ("grid-0/Area", "Area", "v_pu"),
    "line": ("grid-0/Area", "Area", "line_loading_pct"),
    "trafo": ("grid-0/Area", "Area", "trafo_loading_pct"),
    "p": ("evse-0/ChargerBank_0", "ChargerBank", "p_kw"),
    "p_batt": ("evse-0/ChargerBank_0", "ChargerBank", "p_batt_kw"),
    "tripped": ("evse-0/ChargerBank_0", "ChargerBank", "tripped"),
    "plugged": ("ev_fleet-0/Fleet_0", "Fleet", "plugged"),
}


def _write(path: Path, data: dict[str, np.ndarray]) -> Run:
    writer = RunWriter(path, buffer_steps=7)  # several flushes: chunks that blocks cross
    writer.set_meta({"step_s": STEP_S, "start": "2016-01-04T00:00:00+01:00"})
    for key, (group, model, attr) in _SERIES.items():
        n = data[key].shape[1]
        labels = [str(i) for i in range(n)]
        spec = SeriesSpec(group, attr, n, labels, "", {"model": model, "attr": attr})
        writer.declare(key, spec)
    for row in range(len(data["v"])):
        writer.write_row(row * STEP_S, {k: v[row] for k, v in data.items()})
    writer.close("complete")
    return Run(path)


def _values(draw: st.DrawFn, rows: int, cols: int, lo: float, hi: float, nan: bool) -> np.ndarray:
    values = draw(
        st.lists(
            st.floats(lo, hi).map(np.float32) | (st.just(np.nan) if nan else st.nothing()),
            min_size=rows * cols,
            max_size=rows * cols,
        )
    )
    return np.array(values, dtype=np.float32).reshape(rows, cols)


@st.composite
def _runs(draw: st.DrawFn) -> tuple[dict[str, np.ndarray], int]:
    rows, n_ev, n_bus = draw(st.integers(1, 30)), draw(st.integers(1, 5)), draw(st.integers(1, 4))
    data = {
        "v": _values(draw, rows, n_bus, 0.85, 1.15, nan=True),
        "line": _values(draw, rows, n_bus, 0.0, 140.0, nan=True),
        "trafo": _values(draw, rows, 1, 0.0, 140.0, nan=False),
        "p": _values(draw, rows, n_ev, -11.0, 11.0, nan=True),
        "p_batt": _values(draw, rows, n_ev, -1e-5, 1e-5, nan=True),  # around the 1e-6 cut
        "tripped": _values(draw, rows, n_ev, 0.0, 1.0, nan=False).round(),
        "plugged": _values(draw, rows, n_ev, 0.0, 1.0, nan=False).round(),
    }
    return data, draw(st.integers(1, rows + 1))


def _edges(on: np.ndarray) -> int:
    on = on > 0.5
    return int((on[1:] & ~on[:-1]).sum())


@settings(max_examples=40, deadline=None)
@given(_runs(), st.booleans())
def test_block_reductions_equal_the_whole_array(
    case: tuple[dict[str, np.ndarray], int], by_chunks: bool
) -> None:
    """Read by h5py or by chunks (:mod:`results.chunk_reader`): the same KPIs."""
    data, block_rows = case
    with TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
        run = _write(Path(tmp) / "run.h5", data)
        widest = max(v.shape[1] for v in data.values())
        mp.setattr(reader, "BLOCK_BYTES", block_rows * widest * 4)
        if by_chunks:
            mp.setattr(chunk_reader, "FAST_MIN_B", 0)
        c = KpiContext(run)
        peak, hours = f.loading(c, area("line_loading_pct"))
        low, high, outside = f.voltage(c)
        drawn, p_peak, fed = f.ev_power(c)
        loss = f.total(c, charger("p_kw"), DT_H)
        trips = f.rising_edges(c, charger("tripped"))
        sessions = f.sessions_per_ev_day(c)
        stats = f.session_stats(c)  # plugged read once for both, p_batt beside it
        congested = congestion_hours(run, DT_H, 100.0)
        excess = excess_pct_h(run, DT_H, 80.0)
        # the registry's path: both loading series read once, for every limit
        via_digest = (f.congestion_hours(c, 100.0), f.excess_pct_h(c, 80.0))
        dso_limit = f.congestion_hours(c, c.dso_limit_pct)
        by_blocks = 0.0  # every block's excess, blocks under the limit included
        for series in (area("line_loading_pct"), area("trafo_loading_pct")):
            for block in run.blocks(*series):
                by_blocks += float(np.nansum(np.maximum(block - 80.0, 0), dtype=np.float64))

    v, line, p = data["v"], data["line"], data["p"].astype(np.float64)
    both = np.concatenate([line, data["trafo"]], axis=1)
    np.testing.assert_equal(peak, np.fmax.reduce(line, axis=None))
    assert hours == (line > 100).any(axis=1).sum() * DT_H
    np.testing.assert_equal([low, high], [np.fmin.reduce(v, None), np.fmax.reduce(v, None)])
    assert outside == ((v < EN50160_V_MIN_PU) | (v > EN50160_V_MAX_PU)).sum() * DT_H
    assert drawn == pytest.approx(np.nansum(np.clip(p, 0, None)) * DT_H, rel=1e-9, abs=1e-9)
    assert fed == pytest.approx(-np.nansum(np.clip(p, None, 0)) * DT_H, rel=1e-9, abs=1e-9)
    np.testing.assert_equal(p_peak, np.nanmax(np.nansum(data["p"], axis=1)))
    assert loss == pytest.approx(np.nansum(p) * DT_H, rel=1e-9, abs=1e-9)
    assert trips == _edges(data["tripped"])
    days = len(v) * DT_H / 24.0
    assert sessions == pytest.approx(_edges(data["plugged"]) / data["plugged"].shape[1] / days)
    on = data["plugged"] > 0.5
    assert stats["sessions"].tolist() == (on[1:] & ~on[:-1]).sum(axis=0).tolist()
    assert stats["connected_h"].tolist() == (on.sum(axis=0) * DT_H).tolist()
    charging = ((np.nan_to_num(data["p_batt"]) > 1e-6) & on).sum(axis=0) * DT_H
    assert stats["charging_h"].tolist() == charging.tolist()
    assert congested == (both > 100).any(axis=1).sum() * DT_H
    expected = np.nansum(np.maximum(both.astype(np.float64) - 80.0, 0)) * DT_H
    assert excess == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert via_digest == (congested, excess)
    assert excess == by_blocks * DT_H  # skipping blocks under the limit adds the same bits
    assert dso_limit == (both > c.dso_limit_pct).any(axis=1).sum() * DT_H


def test_blocks_cover_every_row_once_in_order(tmp_path: Path, monkeypatch) -> None:
    grid = np.arange(10 * 3, dtype=np.float32).reshape(10, 3)
    data = {k: grid + i for i, k in enumerate(_SERIES)}
    run = _write(tmp_path / "run.h5", data)
    monkeypatch.setattr(reader, "BLOCK_BYTES", 4 * 3 * 4)  # four rows of three float32
    blocks = list(run.blocks("Fleet", "plugged"))
    assert [len(b) for b in blocks] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate(blocks), data["plugged"])
    assert blocks[0].dtype == np.float32  # as stored: no float64 copy of a wide series


def test_blocks_of_a_series_never_recorded_name_what_was(tmp_path: Path) -> None:
    data = {k: np.zeros((2, 1), dtype=np.float32) for k in _SERIES}
    run = _write(tmp_path / "run.h5", data)
    with pytest.raises(KeyError, match=r"no recorded Fleet\.soc .* recorded: .*Fleet\.plugged"):
        next(run.blocks(*fleet("soc")))


def test_per_row_reductions_do_not_depend_on_the_blocks(tmp_path: Path, monkeypatch) -> None:
    rng = np.random.default_rng(3)
    data = {k: rng.uniform(0.9, 1.1, (11, 4)).astype(np.float32) for k in _SERIES}
    data["v"][2, 1] = np.nan
    run = _write(tmp_path / "run.h5", data)
    monkeypatch.setattr(reader, "BLOCK_BYTES", 3 * 4 * 4)  # three rows a block
    for reduce in (np.nanmin, np.nanmax, np.nansum):
        np.testing.assert_array_equal(run.per_row("Area", "v_pu", reduce), reduce(data["v"], 1))


def test_last_row_is_the_last_row_of_the_blocks(tmp_path: Path, monkeypatch) -> None:
    rng = np.random.default_rng(5)
    data = {k: rng.uniform(0.0, 1.0, (9, 3)).astype(np.float32) for k in _SERIES}
    run = _write(tmp_path / "run.h5", data)
    monkeypatch.setattr(reader, "BLOCK_BYTES", 2 * 3 * 4)  # two rows a block
    for model, attr in (("Fleet", "plugged"), ("Area", "v_pu")):
        blocks = list(run.blocks(model, attr))
        np.testing.assert_array_equal(run.last_row(model, attr), blocks[-1][-1])
        assert run.last_row(model, attr).dtype == np.float32


def test_last_row_of_a_series_cut_short_is_nan(tmp_path: Path) -> None:
    data = {k: np.ones((4, 2), dtype=np.float32) for k in _SERIES}
    run = _write(tmp_path / "run.h5", data)
    with h5py.File(run.path, "a") as h5:  # a flush cut short: the series lags /time_s
        h5["ev_fleet-0/Fleet_0/plugged"].resize((3, 2))
    run = Run(run.path)
    assert np.isnan(run.last_row("Fleet", "plugged")).all()
    np.testing.assert_array_equal(run.last_row("Area", "v_pu"), [1.0, 1.0])
    c = KpiContext(run)
    assert np.isnan(f.last_row(c, fleet("plugged"))).all()


def test_loading_digest_by_hand() -> None:
    blocks = [
        np.array([[79.0, 80.5], [np.nan, np.nan]], dtype=np.float32),  # just over 80
        np.array([[80.0, 12.0], [50.0, np.nan]], dtype=np.float32),  # at 80: nothing over
        np.empty((2, 0), dtype=np.float32),  # no element recorded
    ]
    d = loading_digest(iter(blocks), (80.0, 100.0, 80.0))
    np.testing.assert_array_equal(d.row_max, [80.5, np.nan, 80.0, 50.0, np.nan, np.nan])
    assert d.peak == 80.5
    assert d.excess_parts == {80.0: (0.5, 0.0, 0.0), 100.0: (0.0, 0.0, 0.0)}
    assert d.steps_over(80.0).tolist() == [True, False, False, False, False, False]
    assert excess_of([d, d], 0.25, 80.0) == 0.25  # two series: (0.5 + 0.5) x 0.25 h

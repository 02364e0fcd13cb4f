"""Large results: ``record.exclude`` leaves series out and changes nothing else; a large file
is announced before its KPIs are read."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cosim.config import load_config
from results.kpis import summary_kpis
from results.reader import Run
from tests.integration.conftest import ROOT, datasets

_EXCLUDE = 'record.exclude=["evse.p_loss_kw", "ev_fleet.*", "*.v_pu"]'


def _run(tmp_path: Path, name: str, *overrides: str) -> Path:
    from scenarios import base

    cfg = load_config(
        ROOT / "scenarios" / "base.toml",
        ["scenario.progress=false", 'scenario.until="1d"', *overrides],
    )
    out = tmp_path / f"{name}.h5"
    assert base.run(cfg, out=out, progress=False).status == "complete"
    return out


def test_excluded_series_are_left_out_and_the_rest_is_identical(tmp_path: Path) -> None:
    full = datasets(_run(tmp_path, "full"))
    part = datasets(_run(tmp_path, "part", _EXCLUDE))
    left_out = set(full) - set(part)
    assert set(part) <= set(full)
    assert "evse-0/ChargerBank_0/p_loss_kw" in left_out
    assert "grid-0/Area/v_pu" in left_out
    assert {n for n in full if n.startswith("ev_fleet-0/")} <= left_out
    assert all(
        n == "evse-0/ChargerBank_0/p_loss_kw" or n.startswith("ev_fleet-0/") or n.endswith("/v_pu")
        for n in left_out
    )
    assert "evse-0/ChargerBank_0/p_kw" in part and "grid-0/Area/line_loading_pct" in part
    for name, values in part.items():
        np.testing.assert_array_equal(values, full[name], err_msg=name)


def test_kpis_of_excluded_series_are_left_out_and_the_others_agree(tmp_path: Path) -> None:
    full = {k.name: k.value for k in summary_kpis(Run(_run(tmp_path, "full")))}
    part = {k.name: k.value for k in summary_kpis(Run(_run(tmp_path, "part", _EXCLUDE)))}
    assert "v_min_pu" in full and "v_min_pu" not in part
    assert set(part) < set(full)
    assert part == {name: full[name] for name in part}


def test_a_run_without_some_series_still_plots(tmp_path: Path) -> None:
    from results.plots import plot_overview

    png = plot_overview(Run(_run(tmp_path, "part", _EXCLUDE)), tmp_path / "overview.png")
    assert png.stat().st_size > 10_000


def test_a_large_results_file_is_announced_before_its_kpis(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    from cosim import cli

    path = _run(tmp_path, "full")
    monkeypatch.setattr(cli, "_LARGE_RESULTS_B", 1)
    cli._print_kpis(path)
    out = capsys.readouterr().out
    assert f"GB of results for the KPIs; the run is saved (`cosim show {path}`" in out
    assert out.index("reading") < out.index("Peak transformer loading")
    monkeypatch.setattr(cli, "_LARGE_RESULTS_B", 10**12)
    cli._print_kpis(path)
    assert "reading" not in capsys.readouterr().out

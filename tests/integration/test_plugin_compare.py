"""The plug-in comparison scenario: realistic plug-in gives fewer sessions, a narrower band."""

from __future__ import annotations

from pathlib import Path

from scenarios.plugin_compare import compare, format_comparison

ROOT = Path(__file__).resolve().parents[2]


def test_non_systematic_has_fewer_sessions_and_narrower_band(tmp_path: Path) -> None:
    result = compare(
        ROOT / "scenarios" / "plugin_compare.toml",
        out_dir=tmp_path,
        overrides=['scenario.until="3d"'],
    )
    daily, real = result.kpis["daily"], result.kpis["non_systematic"]
    assert real["sessions_per_ev_week"].value < 0.8 * daily["sessions_per_ev_week"].value
    assert real["flex_band_mean_kw"].value < daily["flex_band_mean_kw"].value
    assert real["flex_energy_kwh_day"].value < daily["flex_energy_kwh_day"].value
    assert result.plot.is_file() and all(p.is_file() for p in result.paths.values())
    assert "Plug-in sessions per EV and week" in format_comparison(result)

"""Systematic (daily) vs non-systematic plug-in on the same grid, fleet and seed.

Runs the scenario twice, once with ``fleet.plugin = "daily"`` and once with
``"non_systematic"`` (Gonzalez Venegas et al. 2021), writes both run files, prints the
fleet and grid KPIs side by side and saves the flexibility-band plot::

    .venv/bin/python -m scenarios.plugin_compare [scenarios/plugin_compare.toml] [--until 7d]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from cosim.config import load_config
from results.fleet import fleet_kpis
from results.fleet_plots import plot_flexibility_band
from results.kpis import Kpi, summary_kpis
from results.reader import Run, open_run
from scenarios import base

__all__ = ["MODES", "Comparison", "compare", "format_comparison", "main"]

MODES = ("daily", "non_systematic")
_ROWS = (
    "sessions_per_ev_week",
    "mean_connection_h",
    "mean_charging_h",
    "idle_ratio",
    "flex_energy_kwh_day",
    "flex_band_mean_kw",
    "flex_band_max_kw",
    "peak_trafo_loading_pct",
    "peak_line_loading_pct",
    "ev_peak_kw",
    "ev_energy_unserved_kwh",
)


@dataclass(frozen=True)
class Comparison:
    """Run files, KPIs per mode and the plot of one comparison."""

    paths: dict[str, Path]
    kpis: dict[str, dict[str, Kpi]]
    plot: Path


def compare(
    config: str | Path, *, out_dir: Path | None = None, overrides: list[str] | None = None
) -> Comparison:
    """Run both plug-in modes of ``config`` and collect their KPIs and band plot."""
    extra = list(overrides or [])
    paths: dict[str, Path] = {}
    runs: dict[str, Run] = {}
    for mode in MODES:
        cfg = load_config(config, [*extra, f'fleet.plugin="{mode}"', "scenario.progress=false"])
        folder = Path(out_dir or cfg.scenario.out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{cfg.scenario.name}-{mode}.h5"
        base.run(cfg, out=path, raw_toml=Path(config).read_text(encoding="utf-8"), progress=False)
        paths[mode] = path
        runs[mode] = open_run(path)
    kpis = {m: {k.name: k for k in [*fleet_kpis(r), *summary_kpis(r)]} for m, r in runs.items()}
    plot = plot_flexibility_band(
        [runs[m] for m in MODES],
        ["systematic (daily)", "non-systematic"],
        Path(out_dir or paths[MODES[0]].parent) / f"{cfg.scenario.name}-band.png",
    )
    return Comparison(paths, kpis, plot)


def format_comparison(result: Comparison) -> str:
    """A plain-text table: one KPI per row, one plug-in mode per column."""
    lines = [f"  {'':<40} {'daily':>12} {'non-syst.':>12}"]
    for name in _ROWS:
        row = [result.kpis[m].get(name) for m in MODES]
        if row[0] is None or row[1] is None:
            continue
        label = f"{row[0].label} [{row[0].unit}]"
        lines.append(f"  {label:<40} {row[0].value:>12.2f} {row[1].value:>12.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: run the comparison and print it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).with_suffix(".toml")
    parser.add_argument("config", nargs="?", default=str(default))
    parser.add_argument("--until", default=None, help="e.g. 3d; default from the file")
    parser.add_argument("--set", action="append", default=[], help="section.field=value")
    args = parser.parse_args(argv)
    overrides = list(args.set)
    if args.until:
        overrides.append(f'scenario.until="{args.until}"')
    result = compare(args.config, overrides=overrides)
    print(format_comparison(result))
    for mode, path in result.paths.items():
        print(f"{mode:>15}: {path}")
    print(f"{'band plot':>15}: {result.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

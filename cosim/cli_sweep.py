"""``cosim sweep``: a family × parameter grid × seeds on Dask, then one comparison."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

__all__ = ["EXIT_ERROR", "EXIT_INTERRUPTED", "EXIT_OK", "add_sweep_parser", "cmd_sweep"]

EXIT_OK, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 130


def add_sweep_parser(sub: Any) -> None:
    """Add the ``sweep`` sub-command to the ``cosim`` parser's sub-parsers ``sub``."""
    sweep = sub.add_parser(
        "sweep", help="run a family x parameter grid x seeds on Dask, then compare"
    )
    sweep.add_argument("family", help="family file, e.g. scenarios/frameworks_family.toml")
    sweep.add_argument("--until", help="simulated horizon for every run")
    sweep.add_argument("--seed", type=int, help="one seed for every run (replaces [sweep] seeds)")
    sweep.add_argument(
        "--only",
        action="append",
        default=[],
        help="run only these variants (repeat it, or separate names with commas)",
    )
    sweep.add_argument("--out-dir", help="folder for the run files (default from the family)")
    sweep.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.FIELD=VALUE",
        help="override a field of every run (wins over the variant tables)",
    )
    sweep.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    sweep.add_argument(
        "--scheduler",
        metavar="tcp://HOST:8786",
        help="join a running Dask scheduler instead of starting local workers",
    )
    sweep.add_argument(
        "--no-resume",
        action="store_true",
        help="redo runs whose file is already complete for the same config",
    )
    sweep.add_argument(
        "--memory-limit",
        metavar="SIZE",
        type=_memory_limit,
        help="memory per local worker, e.g. 4GiB; 0 for none (default: machine memory / workers)",
    )
    sweep.add_argument("--no-progress", action="store_true")
    sweep.set_defaults(func=cmd_sweep)


def cmd_sweep(args: argparse.Namespace) -> int:
    """Plan, run (resuming complete runs), list the failures and aggregate the KPIs."""
    from cosim.sweep import format_progress, load_sweep, run_sweep, sweep_ok

    overrides = list(args.set)
    if args.until:
        overrides.append(f'scenario.until="{args.until}"')
    if args.seed is not None:
        overrides.append(f"scenario.seed={args.seed}")
    only = [name.strip() for arg in args.only for name in arg.split(",") if name.strip()]
    plan = load_sweep(args.family, overrides=overrides, only=only)
    if not getattr(args, "verbose", False):
        _quiet_dask()
    out_dir = Path(args.out_dir) if args.out_dir else plan.out_dir
    print(f"[{plan.name}] {len(plan.runs)} runs -> {out_dir}", flush=True)

    def show(progress: Any) -> None:
        print(f"\r{format_progress(progress)}", end="", file=sys.stderr, flush=True)

    results = run_sweep(
        plan,
        out_dir=out_dir,
        scheduler=args.scheduler,
        n_workers=args.workers,
        resume=not args.no_resume,
        on_progress=None if args.no_progress else show,
        memory_limit=args.memory_limit,
    )
    if not args.no_progress:
        print(file=sys.stderr)
    for r in results:
        if r.status != "complete":
            print(f"  {r.run_id}: {r.status} {r.message}", file=sys.stderr)
    done = [Path(r.path) for r in results if r.status == "complete" and r.path]
    if not done:
        print("no complete run: no KPI table")
    elif len(plan.seeds) == 1 and not plan.params:
        _one_run_per_variant(done, out_dir)
    else:
        _across_seeds(out_dir)
    if sweep_ok(results):
        return EXIT_OK
    return EXIT_INTERRUPTED if any(r.status == "interrupted" for r in results) else EXIT_ERROR


def _memory_limit(text: str) -> int | str:
    """``--memory-limit`` as bytes (``"auto"`` passes through); argparse reports a bad one."""
    if text == "auto":
        return text
    from dask.utils import parse_bytes

    try:
        value = parse_bytes(text)
    except (ValueError, TypeError):
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a size: give e.g. 4GiB, 500MB, a number of bytes, 0 or auto"
        )
    return value


def _quiet_dask() -> None:
    """Keep Dask's own start-up and shutdown chatter (and its closing-socket tracebacks)
    off the terminal: failed runs are reported by the sweep itself; ``-v`` shows it all."""
    import distributed  # noqa: F401  # it sets its loggers' levels when first imported

    for name in ("distributed", "tornado", "bokeh"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _one_run_per_variant(paths: list[Path], out_dir: Path) -> None:
    from results.compare import compare_kpis, format_comparison, plot_comparison

    table = compare_kpis(paths)
    print(format_comparison(table))
    table.to_csv(out_dir / "kpis.csv")
    for plot in plot_comparison(paths, out_dir):
        print(f"saved {plot}")
    print(f"saved {out_dir / 'kpis.csv'}")


def _across_seeds(out_dir: Path) -> None:
    from results.sweep_stats import (
        collect_kpis,
        compare_variants,
        kpi_stats,
        plot_stats,
        save_stats,
    )

    kpis = collect_kpis(out_dir)
    stats = kpi_stats(kpis)
    for path in [*save_stats(stats, out_dir), *plot_stats(stats, out_dir)]:
        print(f"saved {path}")
    compare_variants(kpis).to_csv(out_dir / "differences.csv", index=False)
    print(f"saved {out_dir / 'differences.csv'}")

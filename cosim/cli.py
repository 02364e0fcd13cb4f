"""The ``cosim`` command line: run scenarios, check configs, summarise runs."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cosim import gc_setup, stop
from cosim.cli_cache import add_cache_parser
from cosim.cli_sweep import add_sweep_parser
from cosim.errors import ConfigError, ConfigProblem, CosimError, GridNotConvergedError

if TYPE_CHECKING:  # pydantic and the config models cost ~0.6 s: run and check only
    from cosim.config import Config

__all__ = ["main"]

EXIT_OK, EXIT_ERROR, EXIT_CONFIG, EXIT_GRID, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
#: signals that stop a run like Ctrl-C (cluster schedulers send SIGTERM before SIGKILL)
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class UsageError(CosimError):
    """A command-line argument cannot be honoured (exit code 2)."""


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``cosim``; returns the process exit code.

    Exit codes: 0 success, 1 error, 2 bad configuration or arguments, 3 power flow did not
    converge, 130 interrupted by Ctrl-C, 128 + signal number when stopped by SIGTERM (143)
    or SIGHUP (129).
    """
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    _quiet_mosaik(args.verbose)
    with _stop_signals_interrupt() as received:
        code = _dispatch(args)
    if received and code == EXIT_INTERRUPTED:
        return 128 + received[0]
    return code


def _dispatch(args: argparse.Namespace) -> int:
    try:
        return int(args.func(args))
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_CONFIG
    except ConfigError as err:
        print(f"error: invalid configuration\n{err}", file=sys.stderr)
        return EXIT_CONFIG
    except GridNotConvergedError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_GRID
    except CosimError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt as err:
        return _interrupted(err)
    except Exception as err:  # a simulator rejected its input: say what, not where
        if isinstance(stopped := stop.as_interrupt(err), KeyboardInterrupt):
            return _interrupted(stopped)  # the stop surfaced as a library's error
        if args.verbose:
            raise
        print(
            f"error: {type(err).__name__}: {err}\n(run with -v for the traceback)", file=sys.stderr
        )
        return EXIT_ERROR


def _interrupted(err: KeyboardInterrupt) -> int:
    print(f"interrupted{f' by {err}' if str(err) else ''}", file=sys.stderr)
    return EXIT_INTERRUPTED


@contextmanager
def _stop_signals_interrupt() -> Iterator[list[int]]:
    """Turn Ctrl-C, SIGTERM and SIGHUP into one interrupt; yields the signals received.

    The run then stops the way Ctrl-C stops it: the world shuts down, the recorder flushes
    every completed step and the file's status becomes ``interrupted``. The request is also
    kept in :mod:`cosim.stop`, so the run stops even where a library swallowed the
    exception. Repeated signals while the clean-up runs are ignored, so it can finish.
    """
    received: list[int] = []
    stop.clear()

    def handler(signum: int, frame: Any) -> None:
        if received:
            return
        received.append(signum)
        stop.request(signum)
        raise stop.interrupt(signum)

    def unraisable(info: Any) -> None:
        # the signal landed in a weakref callback or a __del__, where Python prints the
        # exception and drops it: the request is kept, and the run stops at its next check
        if not (isinstance(info.exc_value, KeyboardInterrupt) and stop.requested()):
            hook(info)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, *STOP_SIGNALS)}
    hook, sys.unraisablehook = sys.unraisablehook, unraisable
    try:
        yield received
    finally:
        sys.unraisablehook = hook
        for sig, old in previous.items():
            signal.signal(sig, old)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cosim", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run a scenario TOML file")
    run.add_argument("config", help="scenario file, e.g. scenarios/base.toml")
    run.add_argument("--until", help="simulated horizon, e.g. 1d, 7d, 1y (overrides config)")
    run.add_argument("--seed", type=int, help="random seed (overrides config)")
    run.add_argument(
        "--out",
        help="results file, or a folder for the default name "
        "(default runs/<name>-<time>-seed<seed>.h5)",
    )
    run.add_argument("--force", action="store_true", help="overwrite an existing results file")
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.FIELD=VALUE",
        help="override a config field, e.g. --set fleet.evs_per_household=1.0",
    )
    run.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    run.set_defaults(func=_cmd_run)

    add_sweep_parser(sub)
    add_cache_parser(sub)

    check = sub.add_parser("check", help="validate a scenario file without running it")
    check.add_argument("config")
    check.add_argument("--set", action="append", default=[], metavar="SECTION.FIELD=VALUE")
    check.set_defaults(func=_cmd_check)

    show = sub.add_parser("show", help="print the status and KPIs of a run file")
    show.add_argument("run", help="a results .h5 file")
    show.set_defaults(func=_cmd_show)

    plot = sub.add_parser("plot", help="save an overview plot (PNG) of a run file")
    plot.add_argument("run", help="a results .h5 file")
    plot.add_argument("--out", help="PNG path (default: next to the run file)")
    plot.set_defaults(func=_cmd_plot)

    compare = sub.add_parser("compare", help="one KPI table across run files, and plots")
    compare.add_argument("runs", nargs="+", help="results .h5 files, or folders of them")
    compare.add_argument("--plots", help="folder for comparison plots (PNG)")
    compare.add_argument("--csv", help="also write the KPI table to this CSV file")
    compare.set_defaults(func=_cmd_compare)

    grids = sub.add_parser("grids", help="list the SimBench codes usable as grid.network")
    grids.add_argument("--filter", default="", help="only codes containing this text, e.g. LV")
    grids.set_defaults(func=_cmd_grids)
    return parser


def _load(args: argparse.Namespace) -> tuple[Config, str]:
    overrides = list(args.set)
    if getattr(args, "until", None):
        overrides.append(f"scenario.until={args.until!r}".replace("'", '"'))
    if getattr(args, "seed", None) is not None:
        overrides.append(f"scenario.seed={args.seed}")
    from cosim.config import load_config

    cfg = load_config(args.config, overrides)
    raw = Path(args.config).read_text(encoding="utf-8")
    return cfg, raw


def _cmd_run(args: argparse.Namespace) -> int:
    with gc_setup.paused_for_set_up():  # imports and set-up included
        cfg, raw = _load(args)
        script = _scenario_module(cfg)
        out = _out_path(args.out, cfg, force=args.force) if cfg.record.enabled else None
        t0 = time.perf_counter()
        outcome = script.run(cfg, out=out, raw_toml=raw, progress=not args.no_progress)
    total_s = time.perf_counter() - t0
    where = (
        f"-> {outcome.path}"
        if outcome.path is not None
        else "-> nothing recorded (record.enabled = false), so no KPIs"
    )
    print(
        f"\n{cfg.scenario.name}: {outcome.status} in {total_s:.1f} s "
        f"(set-up {total_s - outcome.wall_s:.1f} s, simulation {outcome.wall_s:.1f} s) {where}"
    )
    if outcome.path is not None:
        _print_kpis(outcome.path)
    return EXIT_OK if outcome.status == "complete" else EXIT_INTERRUPTED


def _out_path(out: str | None, cfg: Config, *, force: bool) -> Path | None:
    """Where ``--out`` sends the run: a folder gets the default name; never clobber.

    Raises
    ------
    UsageError
        ``out`` is an existing file that is not a results file, or a results file and
        ``force`` is not set.
    """
    if not out:
        return None
    from scenarios.common import default_run_path

    path = Path(out)
    if out.endswith(("/", os.sep)) or path.is_dir():
        path = path / default_run_path(cfg).name
    if path.exists() and not _is_results_file(path):
        raise UsageError(
            f"--out {path} exists and is not a results file; refusing to overwrite it. "
            "Choose another path, e.g. --out runs/"
        )
    if path.exists() and not force:
        raise UsageError(
            f"--out {path} already holds a results file; pass --force to overwrite it, "
            "or choose another path"
        )
    return path


def _is_results_file(path: Path) -> bool:
    import h5py

    if not path.is_file() or not h5py.is_hdf5(path):
        return False
    try:
        with h5py.File(path, "r", locking=False) as f:
            return "meta" in f and "status" in f["meta"].attrs
    except OSError:  # an HDF5 file we cannot read is not one of ours to replace
        return False


def _cmd_check(args: argparse.Namespace) -> int:
    cfg, _ = _load(args)
    _scenario_module(cfg)
    print(
        f"{args.config}: valid (scenario {cfg.scenario.name!r}, "
        f"{cfg.scenario.until_s} s at {cfg.scenario.step_s} s steps)"
    )
    return EXIT_OK


def _cmd_show(args: argparse.Namespace) -> int:
    from results.reader import open_run

    try:
        run = open_run(args.run)
    except (FileNotFoundError, OSError) as err:
        raise CosimError(f"cannot open run file {args.run}: {err}") from err
    print(f"{args.run}: status {run.status} {run.meta.get('message', '')}".rstrip())
    if run.status == "running":
        print("  (still being written, or its process was killed: steps to the last flush)")
    print(
        f"  scenario {run.meta.get('scenario')}, seed {run.meta.get('seed')}, "
        f"{len(run.time_s)} steps of {run.step_s} s from {run.meta.get('start')}"
    )
    _print_kpis(Path(args.run), full=True)
    return EXIT_OK


def _cmd_plot(args: argparse.Namespace) -> int:
    from results.plots import plot_overview
    from results.reader import open_run

    out = Path(args.out) if args.out else Path(args.run).with_suffix(".png")
    print(plot_overview(open_run(args.run), out))
    return EXIT_OK


def _cmd_compare(args: argparse.Namespace) -> int:
    from results.compare import compare_kpis, format_comparison, plot_comparison

    runs = _run_files(args.runs)
    table = compare_kpis(runs)
    print(format_comparison(table))
    if args.csv:
        table.to_csv(args.csv)
    if args.plots:
        for path in plot_comparison(runs, args.plots):
            print(f"saved {path}")
    return EXIT_OK


def _run_files(given: list[str]) -> list[str]:
    """Run files named directly, and every ``*.h5`` of a folder (e.g. a sweep's out_dir)."""
    runs: list[str] = []
    for item in given:
        path = Path(item)
        if path.is_dir():
            found = sorted(str(p) for p in path.glob("*.h5"))
            if not found:
                raise CosimError(f"folder {item} holds no run file (*.h5)")
            runs += found
        elif path.is_file():
            runs.append(item)
        else:
            raise CosimError(f"no such run file or folder: {item}")
    return runs


def _cmd_grids(args: argparse.Namespace) -> int:
    import simbench

    for code in simbench.collect_all_simbench_codes():
        if args.filter.lower() in code.lower():
            print(code)
    return EXIT_OK


#: results files from this size on get a note before their KPIs are read [bytes]
_LARGE_RESULTS_B = 1_000_000_000


def _print_kpis(path: Path, *, full: bool = False) -> None:
    """The short summary after a run; ``full`` adds every KPI the run recorded."""
    from results.compare import comparison_kpis
    from results.kpis import format_kpis, summary_kpis
    from results.reader import open_run

    run = open_run(path)
    if len(run.time_s) == 0:
        print("  no step was recorded, so no KPIs")
        return
    size = path.stat().st_size
    if size >= _LARGE_RESULTS_B:  # a year of an MV+LV grid: a minute or two of reading
        print(
            f"  reading {size / 1e9:.1f} GB of results for the KPIs; the run is saved "
            f"(`cosim show {path}` prints them later, record.exclude records less)...",
            flush=True,
        )
    print(format_kpis(comparison_kpis(run) if full else summary_kpis(run)))


def _scenario_module(cfg: Config) -> Any:
    name = cfg.scenario.script
    try:
        module = importlib.import_module(f"scenarios.{name}")
    except ModuleNotFoundError as err:
        if err.name != f"scenarios.{name}":
            raise
        available = sorted(
            p.stem
            for p in Path(__file__).resolve().parent.parent.joinpath("scenarios").glob("*.py")
            if not p.stem.startswith("_") and p.stem != "common"
        )
        raise ConfigError(
            [
                ConfigProblem(
                    "scenario.script",
                    f"no such scenario script; available: {', '.join(available)}",
                    name,
                )
            ]
        ) from None
    if not hasattr(module, "run"):
        raise ConfigError([ConfigProblem("scenario.script", "module has no run(cfg, ...)", name)])
    return module


def _quiet_mosaik(verbose: bool) -> None:
    try:
        from loguru import logger
    except ImportError:
        return
    logger.remove()
    if verbose:
        logger.add(sys.stderr, level="DEBUG")
    else:
        logger.add(sys.stderr, level="WARNING")


if __name__ == "__main__":
    sys.exit(main())

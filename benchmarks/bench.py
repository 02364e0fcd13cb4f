"""One table of every scale target: set-up, seconds per simulated year, peak RSS, PF floor.

Usage::

    .venv/bin/python benchmarks/bench.py [--cases base-lv,full-lv,...] [--quick]
        [--until CASE=HORIZON ...] [--repeat N] [--against REV]

Each case runs as a user would run it, ``cosim run CONFIG --until H --out TMP`` in its own
process under ``/usr/bin/time -v``, so wall time, CPU time and peak RSS are the whole
process's (imports and set-up included). ``cosim run`` reports its simulation time; the rest
of the wall time is set-up. Seconds per simulated year extrapolate the simulation time of
the horizon linearly (a full year when the horizon is ``1y``).

The power-flow floor is the grid model alone (profile row plus one warm lightsim2grid
solve per step, in this process, best of 3 runs), times the steps of a year, measured
right before and right after each case; the lower of the two counts (a busy moment only
slows a measurement, as it does within the best of 3). The last column is how many times
that floor the whole step costs: a ratio of measurements around the same minutes,
steadier across hosts and hours than either figure alone. Check ``uptime`` first: measure
on a quiet machine, and take the best of a few runs (``--repeat``).

On the LV grid each case is also set against the naive stack (``benchmarks/naive_stack.py``:
mosaik, pandapower's ``runpp`` and h5py wired by hand, its wall time per step with the same
number of EVs, measured right before and right after the case, the lower kept): column
``x naive`` is how many times faster the case's step is (issue 8: base ≥ 60x). Issue 8 set its
targets where that stack took 38 ms per step (``NAIVE_MS_AT_TARGETS``); the last lines scale
each LV case's year to that host by the ratio of the two naive figures, both of them Python
and pandas like the product, so that a target in seconds can be judged on a faster or busier
host.

Each tree's modules are compiled to bytecode first and the runs may write bytecode, as a
user's second run finds them (``PYTHONDONTWRITEBYTECODE``, set in some sandboxes, would add
~0.7 s of compiling the project's modules to every set-up). For the same reason each case
first runs two simulated days untimed: numba's cache of the compiled kernels and the
prepared-grid cache are then what a user's second run of that scenario finds. Two days,
not less: some kernels are first called hours into a run (the 4-hour FCR blocks, the daily
bids and plans), and a tree whose cache lacks them compiles them in its first timed run
(~0.3-2 s each), which would bias ``--against`` towards the tree with the warmer cache.

``--against REV`` runs every case in a copy of git revision ``REV`` and in this tree in
turn (REV, this, REV, this, ... ``--repeat`` pairs), both as ``python -m cosim.cli`` from
their own tree, and prints the best of each with the change: on a host whose speed drifts
by tens of percent within an hour, that is the comparison that holds.

This script is the command line and the table; the cases are in ``scale_cases.py``, a run
of one in ``scale_run.py``, the floor and the naive stack in ``scale_floors.py`` (imported
from this directory, which Python puts first on the path of a script).
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
from pathlib import Path

from scale_cases import CASES, LV, STEP_S, YEAR_S, Case
from scale_floors import NAIVE_MS_AT_TARGETS, naive_s_per_year, pf_floor_s_per_year
from scale_run import ROOT, Result, compile_tree, run_case

#: untimed run before a case's timed ones: it leaves the caches a user's second run finds
WARM_UP = "2d"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(c.name for c in CASES))
    parser.add_argument("--quick", action="store_true", help="short horizons (smoke test)")
    parser.add_argument("--until", action="append", default=[], metavar="CASE=HORIZON")
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs")
    parser.add_argument("--against", metavar="REV", help="interleaved A/B with git revision REV")
    args = parser.parse_args()
    wanted = args.cases.split(",")
    horizons = dict(u.split("=", 1) for u in args.until)
    cases = [c for c in CASES if c.name in wanted]
    unknown = set(wanted) - {c.name for c in CASES}
    if unknown:
        parser.error(f"unknown case(s) {sorted(unknown)}; valid: {[c.name for c in CASES]}")
    floors: dict[str, float] = {}  # each grid's floor at its last case
    compile_tree(ROOT)
    if args.against:
        return _against(args.against, cases, horizons, args, floors)
    rows = []
    for case in cases:
        until = horizons.get(case.name, case.quick_until if args.quick else case.until)
        n_ev = run_case(case, WARM_UP).n_ev
        naive = case.grid == LV  # runpp on the MV+LV grid: hours per simulated week
        naive_before = naive_s_per_year(case.grid, n_ev) if naive else math.inf
        before = pf_floor_s_per_year(case.grid)
        best = _best([run_case(case, until) for _ in range(args.repeat)])
        after = pf_floor_s_per_year(case.grid)
        naive_s = min(naive_before, naive_s_per_year(case.grid, n_ev)) if naive else math.inf
        floors[case.grid] = floor = min(before, after)
        rows.append((best, floor, naive_s))
        print(_row(best, floor, naive_s) + f"  (floor {before:.1f} / {after:.1f})", flush=True)
    print()
    print(_header())
    for r, floor, naive_s in rows:
        print(_row(r, floor, naive_s))
    print()
    for g, f in floors.items():
        print(f"power-flow floor {g}: {f:.1f} s per simulated year (around its last case)")
    _print_at_targets(rows)
    return 0


def _print_at_targets(rows: list[tuple[Result, float, float]]) -> None:
    """Each case with a naive figure, scaled to the host issue 8's targets were set on."""
    for r, _, naive_s in rows:
        if not math.isfinite(naive_s):
            continue
        naive_ms = naive_s / (YEAR_S / STEP_S) * 1e3
        scale = NAIVE_MS_AT_TARGETS / naive_ms
        total = (r.s_per_year() + r.setup_s) * scale
        print(
            f"{r.case.name}: naive stack {naive_ms:.1f} ms per step here "
            f"({NAIVE_MS_AT_TARGETS:.0f} ms where the targets were set): ~{total:.1f} s per "
            f"simulated year there, set-up included ({r.case.target})"
        )


def _best(results: list[Result]) -> Result:
    return min(results, key=lambda r: r.wall_s if r.wall_s == r.wall_s else float("inf"))


def _against(
    rev: str,
    cases: list[Case],
    horizons: dict[str, str],
    args: argparse.Namespace,
    floors: dict[str, float],
) -> int:
    """Interleaved runs of ``rev`` and this tree; the best of each and the change."""
    with tempfile.TemporaryDirectory() as tmp:
        other = Path(tmp) / "tree"
        other.mkdir()
        archive = subprocess.run(
            ["git", "archive", rev], cwd=ROOT, capture_output=True, check=False
        )
        if archive.returncode != 0:
            print(f"git archive {rev}: {archive.stderr.decode().strip()}", file=sys.stderr)
            return 2
        subprocess.run(["tar", "-x", "-C", str(other)], input=archive.stdout, check=True)
        compile_tree(other)
        print(_header())
        for case in cases:
            until = horizons.get(case.name, case.quick_until if args.quick else case.until)
            runs: dict[Path, list[Result]] = {other: [], ROOT: []}
            for tree in runs:
                run_case(case, WARM_UP, tree)
            before = pf_floor_s_per_year(case.grid)
            for _ in range(max(1, args.repeat)):
                for tree in (other, ROOT):
                    runs[tree].append(run_case(case, until, tree))
            a, b = _best(runs[other]), _best(runs[ROOT])
            floor = floors[case.grid] = min(before, pf_floor_s_per_year(case.grid))
            print(_row(a, floor) + f"  [{rev}]")
            print(_row(b, floor) + "  [this tree]")
            change = (b.s_per_year() / a.s_per_year() - 1.0) * 100.0
            print(f"{'':<13} change per simulated year: {change:+.1f} %", flush=True)
    return 0


def _header() -> str:
    return (
        f"{'case':<13} {'grid':<27} {'EVs':>6} {'horizon':>7} {'status':<9} {'set-up s':>8} "
        f"{'s/sim-yr':>9} {'total/yr':>9} {'CPU s':>7} {'peak MiB':>8} {'x floor':>7} "
        f"{'x naive':>7}  target"
    )


def _row(r: Result, floor_s: float, naive_s: float = math.inf) -> str:
    per_year = r.s_per_year()
    naive = f"{naive_s / per_year:.0f}" if math.isfinite(naive_s) else "-"
    return (
        f"{r.case.name:<13} {r.case.grid.removeprefix('simbench:'):<27} {r.n_ev:>6} "
        f"{r.until:>7} {r.status:<9} {r.setup_s:>8.1f} {per_year:>9.1f} "
        f"{per_year + r.setup_s:>9.1f} {r.cpu_s:>7.1f} {r.rss_mib:>8.0f} "
        f"{per_year / floor_s:>7.1f} {naive:>7}  {r.case.target}"
    )


if __name__ == "__main__":
    sys.exit(main())

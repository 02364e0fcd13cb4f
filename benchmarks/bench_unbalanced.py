"""Unbalanced against balanced LV year: whole-process wall time, CPU time and peak memory.

Usage::

    .venv/bin/python benchmarks/bench_unbalanced.py [--until 1y] [--set section.field=value ...]

Runs ``scenarios/phases.toml`` (one EV per household, half the chargers single-phase,
recorder on) once per case, each as its own ``cosim run`` process under ``/usr/bin/time -v``:

- ``balanced``: the default balanced backend (lightsim2grid);
- ``balanced_pgm``: power-grid-model's balanced power flow;
- ``unbalanced``: power-grid-model's asymmetric power flow (``grid.unbalanced = true``).

Prints each case's wall time, CPU time (user + system), peak RSS and seconds per simulated
year (extrapolated when ``--until`` is shorter than a year), and the unbalanced/balanced
ratios; the target is an unbalanced year within 3x the balanced one. The numbers depend on
the machine and its load: take them as indicative.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cosim.timebase import parse_duration

ROOT = Path(__file__).resolve().parents[1]
YEAR_S = 365 * 86_400
TARGET_RATIO = 3.0

CASES: dict[str, tuple[str, ...]] = {
    "balanced": ('grid.backend="lightsim2grid"', "grid.unbalanced=false"),
    "balanced_pgm": ('grid.backend="power_grid_model"', "grid.unbalanced=false"),
    "unbalanced": ('grid.backend="power_grid_model"', "grid.unbalanced=true"),
}

_TIME_FIELDS = {
    "user_s": r"User time \(seconds\): ([\d.]+)",
    "sys_s": r"System time \(seconds\): ([\d.]+)",
    "wall": r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)",
    "rss_kb": r"Maximum resident set size \(kbytes\): (\d+)",
}


@dataclass(frozen=True)
class Measure:
    """One ``/usr/bin/time -v`` measurement of a whole ``cosim run`` process."""

    wall_s: float
    cpu_s: float
    peak_rss_mib: float


def parse_time_v(text: str) -> Measure:
    """Read wall time, user + system CPU time and peak RSS from ``/usr/bin/time -v``.

    >>> parse_time_v("User time (seconds): 1.5\\nSystem time (seconds): 0.5\\n"
    ...              "Elapsed (wall clock) time (h:mm:ss or m:ss): 1:02.50\\n"
    ...              "Maximum resident set size (kbytes): 2048")
    Measure(wall_s=62.5, cpu_s=2.0, peak_rss_mib=2.0)
    """
    found = {}
    for key, pattern in _TIME_FIELDS.items():
        match = re.search(pattern, text)
        if match is None:
            raise ValueError(f"no {key!r} in the /usr/bin/time -v output:\n{text[-2000:]}")
        found[key] = match.group(1)
    wall = 0.0
    for part in found["wall"].split(":"):
        wall = wall * 60.0 + float(part)
    return Measure(
        wall_s=wall,
        cpu_s=float(found["user_s"]) + float(found["sys_s"]),
        peak_rss_mib=int(found["rss_kb"]) / 1024.0,
    )


def measure(until: str, overrides: list[str], out: Path) -> Measure:
    """Run one ``cosim run`` of the phases scenario under ``/usr/bin/time -v``."""
    cmd = [
        "/usr/bin/time",
        "-v",
        sys.executable,
        "-m",
        "cosim.cli",
        "run",
        str(ROOT / "scenarios" / "phases.toml"),
        "--out",
        str(out),
        "--set",
        f'scenario.until="{until}"',
        "--set",
        "scenario.progress=false",
    ]
    for item in overrides:
        cmd += ["--set", item]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return parse_time_v(done.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--until", default="1y")
    parser.add_argument("--only", action="append", choices=sorted(CASES), default=None)
    parser.add_argument("--set", action="append", default=[])
    args = parser.parse_args()
    scale = YEAR_S / parse_duration(args.until)
    results: dict[str, Measure] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only or list(CASES):
            m = measure(args.until, [*CASES[name], *args.set], Path(tmp) / f"{name}.h5")
            results[name] = m
            print(
                f"{name:13s} wall {m.wall_s:7.1f} s  cpu {m.cpu_s:7.1f} s  "
                f"peak RSS {m.peak_rss_mib:6.0f} MiB  wall per year {m.wall_s * scale:7.1f} s",
                flush=True,
            )
    if "unbalanced" in results:
        for ref in ("balanced", "balanced_pgm"):
            if ref in results:
                u, b = results["unbalanced"], results[ref]
                print(
                    f"unbalanced / {ref}: wall {u.wall_s / b.wall_s:.2f}x, cpu "
                    f"{u.cpu_s / b.cpu_s:.2f}x, RSS {u.peak_rss_mib / b.peak_rss_mib:.2f}x "
                    f"(target: wall within {TARGET_RATIO:g}x)"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())

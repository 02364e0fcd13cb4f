"""One scale case run as a user runs it (``cosim run CONFIG --until H --out TMP``), in its own
process under ``/usr/bin/time -v``, and what that run measured: wall and CPU time, the
simulation time ``cosim run`` reports, peak RSS (see ``benchmarks/bench.py``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from scale_cases import YEAR_S, Case

__all__ = ["PACKAGES", "ROOT", "Result", "compile_tree", "run_case", "user_env"]

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("cosim", "simulators", "controllers", "results", "scenarios")


@dataclass
class Result:
    """Measurements of one case (best of the repeats)."""

    case: Case
    until: str
    n_ev: int = 0
    wall_s: float = float("nan")
    cpu_s: float = float("nan")
    sim_s: float = float("nan")
    rss_mib: float = float("nan")
    status: str = "not run"
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def setup_s(self) -> float:
        """Whole-process wall time that is not simulation [s]."""
        return self.wall_s - self.sim_s

    def s_per_year(self) -> float:
        """Simulation seconds extrapolated to a year [s]."""
        from cosim.timebase import parse_duration

        return self.sim_s * YEAR_S / parse_duration(self.until)


def run_case(case: Case, until: str, tree: Path | None = None) -> Result:
    """Run ``case`` once in its own process under ``/usr/bin/time -v``.

    ``tree``: run the code of that source tree (``python -m cosim.cli`` with it first on
    ``PYTHONPATH``) instead of the installed ``cosim``.
    """
    res = Result(case, until)
    env = user_env()
    cli = [str(ROOT / ".venv" / "bin" / "cosim")]
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
        cli = [sys.executable, "-m", "cosim.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"{case.name}.h5"
        cmd = [
            "/usr/bin/time",
            "-v",
            *cli,
            "run",
            case.config,
            "--until",
            until,
            "--out",
            str(out),
            "--no-progress",
            "--set",
            "scenario.warmup=0",
        ]
        for s in case.sets:
            cmd += ["--set", s]
        proc = subprocess.run(
            cmd, cwd=tree or ROOT, env=env, capture_output=True, text=True, check=False
        )
        text = proc.stdout + proc.stderr
        res.status = "complete" if proc.returncode == 0 else f"exit {proc.returncode}"
        res.wall_s = _time_field(text, r"Elapsed \(wall clock\) time.*: (\S+)", clock=True)
        res.cpu_s = _time_field(text, r"User time \(seconds\): (\S+)") + _time_field(
            text, r"System time \(seconds\): (\S+)"
        )
        res.rss_mib = _time_field(text, r"Maximum resident set size \(kbytes\): (\d+)") / 1024
        m = re.search(r"simulation ([\d.]+) s", text)
        res.sim_s = float(m.group(1)) if m else float("nan")
        if out.is_file():
            res.n_ev, res.extra = _file_facts(out)
        if proc.returncode != 0:
            tail = "\n".join(text.strip().splitlines()[-5:])
            print(f"[{case.name}] failed:\n{tail}", file=sys.stderr)
    return res


def user_env() -> dict[str, str]:
    """This environment as a user's shell has it: bytecode may be written."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def compile_tree(tree: Path) -> None:
    """Compile the project's modules in ``tree`` to bytecode (``__pycache__``)."""
    cmd = [sys.executable, "-m", "compileall", "-q", *PACKAGES]
    subprocess.run(cmd, cwd=tree, env=user_env(), capture_output=True, check=False)


def _time_field(text: str, pattern: str, *, clock: bool = False) -> float:
    m = re.search(pattern, text)
    if not m:
        return float("nan")
    if not clock:
        return float(m.group(1))
    secs = 0.0
    for part in m.group(1).split(":"):
        secs = secs * 60 + float(part)
    return secs


def _file_facts(path: Path) -> tuple[int, dict[str, float]]:
    import h5py

    with h5py.File(path, "r", locking=False) as f:
        n_ev = len(f["tables/fleet/ev_id"]) if "tables/fleet/ev_id" in f else 0
        return n_ev, {}

"""Each lazily typed compiled kernel gets one signature in a run of the shipped studies.

A kernel without explicit signatures compiles a version for every new combination of
argument types it is called with from Python (e.g. a read-only array where a writable one
came before). In a fresh
checkout that compile happens in the middle of the run (0.3-2 s each); with a warm cache the
second version is still loaded mid-run. Inputs of one dtype, layout and writability keep it
to the one version compiled (or loaded) on the first call.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("cosim", "simulators", "controllers", "results", "scenarios")
#: runs the CLI in a fresh process (no other test's calls) and lists the project's lazily
#: typed kernels called from Python with more than one combination of argument types
#: (numba's ``_compile_for_args`` serves every such call that no signature matches, from
#: the cache or by compiling; a helper typed inside other kernels' compiles is not one)
DRIVER = f"""
import sys
from numba.core.dispatcher import Dispatcher
seen = {{}}
compile_for_args = Dispatcher._compile_for_args
def counted(self, *args, **kws):
    seen.setdefault(self, set()).add(tuple(self.typeof_pyval(a) for a in args))
    return compile_for_args(self, *args, **kws)
Dispatcher._compile_for_args = counted
from cosim.cli import main
code = main(sys.argv[1:])
for d, kinds in seen.items():
    if len(kinds) > 1 and d.py_func.__module__.split(".")[0] in {PACKAGES!r}:
        print("SIGNATURES", d.py_func.__module__, d.py_func.__name__, sorted(map(str, kinds)))
sys.exit(code)
"""


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["dso_tso", "dso_tso_conflict"])
def test_one_signature_per_lazily_typed_kernel(scenario: str, tmp_path: Path) -> None:
    out = tmp_path / f"{scenario}.h5"
    cmd = [sys.executable, "-c", DRIVER, "run", f"scenarios/{scenario}.toml", "--until", "3d"]
    cmd += ["--out", str(out), "--no-progress"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    several = [line for line in proc.stdout.splitlines() if line.startswith("SIGNATURES")]
    assert not several, "\n".join(several)

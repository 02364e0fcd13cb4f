"""Where a scenario's step goes: CPU per step of each simulator, and what is left to mosaik.

Runs a scenario TOML in this process as ``cosim run`` would (recorder on, into a scratch
file) and times every in-process simulator's ``step`` and ``get_data`` calls with the
thread's CPU clock. The rest of the run loop (mosaik's scheduler, the inputs it gathers,
the progress bar; with the sequential scheduler the step loop alone, without set-up and
shut-down) is the row "mosaik and loop". Each simulator's first call (lazy imports,
caches) and its ``finalize`` (the recorder's last flush) are reported apart when they take
10 ms or more. Best of ``--repeat`` runs per row. The run has no warm-up unless a ``--set
scenario.warmup=...`` asks for one: the recorder's first call then creates its datasets
(reported apart) instead of being counted as a step, and every step of the loop is one of
the horizon's.

``--calls`` also counts each simulator's calls of compiled kernels (numba) per step:
inside a full run the caches are cold, so each distinct call costs several times its
micro-benchmark, and the count is what fusing kernels would cut (counting adds ~0.5 µs a
call to the times).

    .venv/bin/python benchmarks/bench_step_costs.py scenarios/dso_tso.toml --until 20d

Timing adds ~1 µs per call. Simulators in their own process (``starter = "cmd"``) are not
timed (their cost then shows as mosaik's). Use it to find which simulator to profile
(``py-spy record``) before optimising; compare runs of one host only.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mosaik

from cosim import sequential
from cosim.cli import _scenario_module
from cosim.config import load_config
from scenarios import common

_clock = time.thread_time_ns
#: the simulator method being timed (``"<sim> <method>"``) once past its first call, for
#: ``--calls``; None outside them (set-up, the fleet's warm start, mosaik)
_current: list[str | None] = [None]


def _local_sim(runner: Any) -> Any | None:
    """The simulator object behind a mosaik SimRunner, or None when it runs elsewhere."""
    proxy = getattr(runner, "_proxy", None)
    while proxy is not None and not hasattr(proxy, "sim"):
        proxy = getattr(proxy, "_proxy", None) or getattr(proxy, "proxy", None)
    return None if proxy is None else proxy.sim


def _timed(func: Callable[..., Any], cost: list[int], key: str) -> Callable[..., Any]:
    """``cost``: [ns of every call but the first, calls, ns of the first call]."""

    def timed(*args: Any, **kwargs: Any) -> Any:
        outer, _current[0] = _current[0], key if cost[1] else None
        t0 = _clock()
        try:
            return func(*args, **kwargs)
        finally:
            _current[0] = outer
            dt = _clock() - t0
            if cost[1]:
                cost[0] += dt
            else:
                cost[2] = dt
            cost[1] += 1

    return timed


@contextmanager
def _instrumented(costs: dict[str, dict[str, list[int]]], loop: list[int]) -> Iterator[None]:
    """Time each simulator of the next world that runs, and its whole run loop."""
    original = common.run_world

    def run_world(world: mosaik.World, *args: Any, **kwargs: Any) -> Any:
        for sid, runner in world.sims.items():
            sim = _local_sim(runner)
            if sim is None:
                continue
            name = sid.split("-")[0]
            for method in ("step", "get_data", "finalize"):
                cost = costs[name][method]
                setattr(sim, method, _timed(getattr(sim, method), cost, f"{name} {method}"))
        t0 = _clock()
        try:
            return original(world, *args, **kwargs)
        finally:
            loop[0] += _clock() - t0

    steps = sequential._steps

    async def timed_steps(world: Any, sims: list[Any], until: int) -> None:
        t0 = _clock()
        try:
            await steps(world, sims, until)
        finally:
            loop[1] += _clock() - t0

    common.run_world = run_world
    sequential._steps = timed_steps
    try:
        yield
    finally:
        common.run_world = original
        sequential._steps = steps


@contextmanager
def _kernel_calls(calls: dict[str, Counter[str]] | None) -> Iterator[None]:
    """Count every compiled-kernel call made inside a timed simulator method (``calls``:
    method -> kernel -> calls; None: count nothing)."""
    if calls is None:
        yield
        return
    from numba.core.registry import CPUDispatcher

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _current[0] is not None:
            calls[_current[0]][self.py_func.__name__] += 1
        return super(CPUDispatcher, self).__call__(*args, **kwargs)

    CPUDispatcher.__call__ = counted  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        del CPUDispatcher.__call__


def measure(
    config: str, until: str, overrides: list[str], calls: dict[str, Counter[str]] | None = None
) -> tuple[dict[str, float], dict[str, float], int, int]:
    """CPU µs per step of each simulator and the rest (first calls apart), first calls' ms,
    the number of steps and the step length [s]; ``calls`` gets the kernel calls of each
    simulator method (``--calls``).
    """
    cfg = load_config(config, ["scenario.warmup=0", *overrides, f'scenario.until="{until}"'])
    script = _scenario_module(cfg)
    costs: dict[str, dict[str, list[int]]] = defaultdict(
        lambda: {"step": [0, 0, 0], "get_data": [0, 0, 0], "finalize": [0, 0, 0]}
    )
    loop = [0, 0]  # CPU of run_world, of the sequential scheduler's step loop [ns]
    with tempfile.TemporaryDirectory() as tmp, _instrumented(costs, loop), _kernel_calls(calls):
        script.run(cfg, out=Path(tmp) / "run.h5", raw_toml="", progress=False)
    steps = cfg.scenario.end_s // cfg.scenario.step_s  # the warm-up's steps included
    timed = {f"{n} {m}": c for n, methods in costs.items() for m, c in methods.items() if c[1]}
    once = {k for k in timed if k.endswith(" finalize")}  # called once, at the end
    per_step = {key: c[0] / 1e3 / (c[1] - 1 or 1) for key, c in timed.items() if key not in once}
    first = {key: c[2] / 1e6 for key, c in timed.items()}
    if loop[1]:  # the step loop alone: set-up calls and shut-down (last flush) apart
        inside = sum(c[0] + c[2] for k, c in timed.items() if k not in once)
        per_step["mosaik and loop"] = (loop[1] - inside) / 1e3 / steps
    else:  # mosaik's scheduler: everything in run_world that no simulator call took
        rest = loop[0] - sum(c[0] + c[2] for c in timed.values())
        per_step["mosaik and loop"] = rest / 1e3 / steps
    return per_step, first, steps, cfg.scenario.step_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", help="scenario TOML, e.g. scenarios/dso_tso.toml")
    parser.add_argument("--until", default="10d", help="simulated horizon (default 10d)")
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs per row")
    parser.add_argument("--set", action="append", default=[], help="config override, as cosim")
    parser.add_argument(
        "--calls", action="store_true", help="also count compiled-kernel calls per step"
    )
    args = parser.parse_args()
    calls: dict[str, Counter[str]] | None = defaultdict(Counter) if args.calls else None
    best: dict[str, float] = {}
    first_best: dict[str, float] = {}
    for _ in range(args.repeat):
        per_step, first, steps, step_s = measure(args.config, args.until, args.set, calls)
        for key, us in per_step.items():
            best[key] = min(us, best.get(key, us))
        for key, ms in first.items():
            first_best[key] = min(ms, first_best.get(key, ms))
    total = sum(best.values())
    print(f"{args.config}, {args.until} ({steps} steps), CPU µs per step, best of {args.repeat}")
    print(f"{'part':32s} {'µs/step':>9s} {'share':>6s} {'s/sim-yr':>9s}")
    year_steps = 365 * 86400 / step_s
    for key, us in sorted(best.items(), key=lambda kv: -kv[1]):
        print(f"{key:32s} {us:9.1f} {us / total:6.1%} {us * year_steps / 1e6:9.1f}")
    print(f"{'total':32s} {total:9.1f} {1:6.1%} {total * year_steps / 1e6:9.1f}")
    slow = {k: ms for k, ms in first_best.items() if ms >= 10}
    if slow:  # lazy imports, caches: paid once per run, not per step
        listed = ", ".join(f"{k} {ms:.0f} ms" for k, ms in slow.items())
        print("first calls and finalize (not above):", listed)
    if calls:
        _print_calls(calls, steps * args.repeat)


def _print_calls(calls: dict[str, Counter[str]], steps: int) -> None:
    """Compiled-kernel calls per step of each simulator method, most first."""
    print("compiled-kernel calls per step (past each method's first call):")
    for key, kernels in sorted(calls.items(), key=lambda kv: -sum(kv[1].values())):
        listed = ", ".join(f"{k} {n / steps:.2f}" for k, n in kernels.most_common())
        print(f"  {key:30s} {sum(kernels.values()) / steps:6.2f}  ({listed})")


if __name__ == "__main__":
    main()

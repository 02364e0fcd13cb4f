"""A sequential scheduler for worlds whose simulators all run in this process.

mosaik 3.7 runs every simulator as its own asyncio task. Each step of each simulator waits
for its inputs through ``Progress`` objects, settles its next step with two fresh tasks and
``asyncio.wait``, and after every step recomputes the progress of every simulator in the
world (``advance_progress``, n² per time step), the global progress and the output-cache
pruning. That machinery lets simulators in other processes step at the same time; in a
world where every simulator is an in-process Python object (``LocalProxy``) nothing can
run at the same time, and it costs 20-30 % of a run (``benchmarks/bench_mosaik_floor.py``).

:func:`run` replaces ``mosaik.scheduler.run`` for such worlds. It performs the steps one
after the other in the order (time, rank), where rank is a topological order of the
simulators over their same-time connections (delay 0). Every step does what mosaik's own
functions do (``get_input_data``, ``get_max_advance``, ``step``, ``get_outputs``,
``trigger_successors``), so inputs, outputs, checks and errors are mosaik's: for an
in-process simulator :class:`cosim.sequential_sim.SimSteps` computes the same values
without mosaik's coroutines, otherwise mosaik's functions are called. The order is
a valid serialisation of mosaik's: a step at time t runs after every step at an earlier
time and after the same-time steps of its delay-0 ancestors (what mosaik's
``wait_for_dependencies`` waits for), and a step can only schedule steps at its own time
for simulators of a higher rank (delay-0 triggers) or at later times. The simulators see
the same inputs, so every result is the same (``tests/integration/test_mosaik_speedups.py``
compares whole runs of the shipped scenarios, ``tests/property/test_sequential_scheduler.py``
random worlds of time-based, event-based and hybrid simulators).

``max_advance`` is mosaik's ``get_max_advance`` at the moment of the step, so it depends
on which same-time steps of the simulator's triggering ancestors were already taken, as it
does under mosaik's scheduler (where the interleaving of the tasks decides); it is always
a safe bound, and no simulator of this product uses it.

The output cache is pruned by what can still be read (:func:`_prune`, at every
:data:`PRUNE_EVERY`-th time stepped at). mosaik's own pruning keeps the outputs since the
slowest simulator's last step, which can drop an output a time-shifted input of a
simulator stepping less often still needs (mosaik then passes None and warns that a
persistent output is missing); here that output is kept, so such a world gets the value
mosaik meant to pass.

Worlds it does not cover go to mosaik's own scheduler unchanged: a simulator in another
process (mosaik overlaps their steps), same-time loops (weak connections: tiered times),
simulators that make asynchronous requests (``async_requests``), a real-time run
(``rt_factor``), or a mosaik version it was not read against
(:data:`cosim.scheduler_memo.CHECKED_VERSIONS`). ``[mosaik] sequential = false`` turns it
off; :func:`last_schedule` says which scheduler the last run had.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from cosim import mosaik_fast
from cosim.scheduler_memo import mosaik_checked

if TYPE_CHECKING:
    from mosaik.tiered_time import TieredTime

    from cosim.sequential_sim import SimSteps

__all__ = ["install", "installed", "last_schedule", "sequential_problem", "uninstall"]

_ORIGINAL: dict[str, Any] = {}
_LAST: list[str] = []
_log = logging.getLogger(__name__)
#: the output cache is pruned at every this many-th time stepped at: older outputs are
#: never read (a read takes the newest output at or before its time), so pruning less
#: often changes nothing but how many of them wait to be dropped
PRUNE_EVERY = 16


def sequential_problem(world: Any, rt_factor: float | None) -> str | None:
    """Why ``world`` must run on mosaik's own scheduler, or None if it can run here."""
    from mosaik.proxies import LocalProxy

    if rt_factor is not None:
        return "a real-time run"
    for sim in world._get_sim_runners().values():
        if type(sim._proxy) is not LocalProxy:
            return f"simulator {sim.sid} runs in its own process"
        if len(sim.last_step.tiers) != 1:
            return f"simulator {sim.sid} is in a same-time loop"
        if sim.successors_to_wait_for:
            return f"simulator {sim.sid} makes asynchronous requests"
    return None


def _ranks(sims: list[Any]) -> dict[Any, int]:
    """A topological order of ``sims`` over their delay-0 connections (Kahn, ties broken
    by the order the world created them, so the schedule is deterministic)."""
    pos = {sim: i for i, sim in enumerate(sims)}
    preds = {
        sim: {
            pre
            for pre, delays in sim.input_delays.items()
            if any(d.tiers[0] == 0 for d in delays.durations)
        }
        for sim in sims
    }
    rank: dict[Any, int] = {}
    while len(rank) < len(sims):
        ready = [s for s in sims if s not in rank and preds[s].issubset(rank)]
        if not ready:  # mosaik's compile() rejects such cycles before a run starts
            raise RuntimeError("the simulators' same-time connections form a cycle")
        rank[min(ready, key=pos.__getitem__)] = len(rank)
    return rank


async def run(
    world: Any,
    until: int,
    rt_factor: float | None = None,
    rt_strict: bool = False,
    lazy_stepping: bool = True,
) -> None:
    """``mosaik.scheduler.run`` performing the steps one after the other (see the module)."""
    problem = sequential_problem(world, rt_factor)
    _LAST[:] = [f"mosaik ({problem})" if problem else "sequential"]
    _log.debug("scheduler: %s", _LAST[0])
    if problem is not None:
        await _ORIGINAL["run"](world, until, rt_factor, rt_strict, lazy_stepping)
        return
    world.until = until
    world.rt_factor = None
    sims = list(world._get_sim_runners().values())
    for sim in sims:
        await sim.setup_done()
    # its own task, as mosaik's simulator processes are: an interrupt raised in a step then
    # leaves the event loop at once (asyncio re-raises it from the task) instead of being
    # taken for a cancelled simulation by AsyncWorld.run
    await asyncio.ensure_future(_steps(world, sims, until))
    _finish(world, sims, until)


async def _steps(world: Any, sims: list[Any], until: int) -> None:
    """Every step of every simulator before ``until``, in (time, rank) order.

    A step at time t can only add steps at t for simulators of a higher rank (its
    delay-0 successors) or steps at later times, so one pass over the simulators in
    rank order takes every step at t in the order "lowest rank first".
    """
    from cosim.pulled_inputs import OutputOrder
    from cosim.sequential_sim import SimSteps

    rank = _ranks(sims)
    direct = mosaik_fast.installed()
    pushed = {p.dest_sim for sim in sims for out in sim.output_to_push.values() for p in out}
    times: dict[int, TieredTime] = {}
    outputs = OutputOrder()
    order = [
        SimSteps(sim, direct=direct, pushed=sim in pushed, times=times, order=outputs)
        for sim in sorted(sims, key=rank.__getitem__)
    ]
    # outputs cached by mosaik's get_outputs (for a simulator it steps) are not known to be
    # in time order; those cached before the run (initial data at -1) are checked
    outputs.in_order = all(steps.direct for steps in order) and all(
        list(sim.outputs) == sorted(sim.outputs) for sim in sims if sim.outputs
    )
    reach = _reach(sims)
    for sim in sims:
        sim.started = True
    stepped_at = 0
    while (now := _next_time(order, until)) is not None:
        if stepped_at % PRUNE_EVERY == 0:
            _prune(sims, reach, now)
            for t in [t for t in times if t < now]:  # steps at t are all taken
                del times[t]
        stepped_at += 1
        world.sim_progress = now * 100 / until
        for steps in order:
            pending = steps.runner.next_steps
            if not pending or pending[0].tiers[0] != now:
                continue
            if not world.running.is_set():
                await world.running.wait()
            if steps.direct:
                steps.take(world, now, until)
            else:
                await steps.take_by_mosaik(world, now, until)


def _next_time(order: list[SimSteps], until: int) -> int | None:
    """The earliest time before ``until`` a simulator has a step at (None: none)."""
    best = until
    for steps in order:
        pending = steps.runner.next_steps
        if pending and pending[0].tiers[0] < best:
            best = pending[0].tiers[0]
    return None if best == until else best


def _reach(sims: list[Any]) -> dict[Any, int]:
    """How far back each simulator's outputs are read: the largest delay of a connection
    that pulls from it (its outputs older than ``now - reach`` are never read again)."""
    reach = dict.fromkeys(sims, 0)
    for sim in sims:
        for src, delay in sim.pulled_inputs:
            reach[src] = max(reach[src], delay.tiers[0])
    return reach


def _prune(sims: list[Any], reach: dict[Any, int], now: int) -> None:
    """Drop the cached outputs no step from ``now`` on can read.

    A pulled input at time t >= now with delay d reads the newest output at or before
    t - d, so every output newer than the newest one at or before ``now - reach`` stays.
    (mosaik's ``prune_dataflow_cache`` keeps the outputs since the slowest simulator's last
    step, which can drop one a time-shifted input still reads: mosaik then passes None.)
    """
    for sim in sims:
        outputs = sim.outputs
        if outputs is None or len(outputs) < 2:
            continue
        oldest = now - reach[sim]
        times = list(outputs)
        keep = 0
        for i, t in enumerate(times):
            if t <= oldest:
                keep = i
        if keep:
            sim.outputs = {t: outputs[t] for t in times[keep:]}


def _finish(world: Any, sims: list[Any], until: int) -> None:
    """The end state mosaik's scheduler leaves: every simulator's progress at ``until``."""
    from mosaik.tiered_time import TieredTime

    for sim in sims:
        sim.progress.set(TieredTime(until) + sim.from_world_time)
    world.sim_progress = 100.0


def last_schedule() -> str | None:
    """How the last run was scheduled: ``"sequential"``, or ``"mosaik (<why>)"``."""
    return _LAST[0] if _LAST else None


def install() -> bool:
    """Put :func:`run` in place of ``mosaik.scheduler.run``; False (nothing changed) on an
    unchecked mosaik version."""
    import mosaik.scheduler as scheduler

    if _ORIGINAL:
        return True
    if not mosaik_checked():
        return False
    _ORIGINAL["run"] = scheduler.run
    scheduler.run = run
    return True


def uninstall() -> None:
    """Give mosaik its own scheduler back (for A/B runs and tests)."""
    import mosaik.scheduler as scheduler

    if _ORIGINAL:
        scheduler.run = _ORIGINAL.pop("run")


def installed() -> bool:
    """Whether in-process worlds run on the sequential scheduler."""
    return bool(_ORIGINAL)

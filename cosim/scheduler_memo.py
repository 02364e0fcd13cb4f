"""Skip mosaik scheduler work whose inputs have not changed since the last call.

After every step of every simulator, mosaik 3.7's scheduler recomputes the *progress* of
every simulator in the world (``mosaik.scheduler.advance_progress``; the scheduler's own
comment says only the affected ones would need it) and rebuilds every simulator's output
cache (``prune_dataflow_cache``). Both are pure functions of a few scheduler fields, and on
a world of 4–8 simulators stepping every 15 minutes most calls see the same fields as the
previous call: they cost ≈ 40 % of mosaik's per-step time (``benchmarks/bench_mosaik_floor.py``).

:func:`install` wraps the two functions so that a call whose inputs equal the previous
call's returns at once; any change (a step taken, a step scheduled, a real-time run)
falls through to mosaik's own code, so the schedule, and every result, is the same
(``tests/test_scheduler_memo.py`` compares whole runs). It applies only to the mosaik
versions it was checked against (:data:`CHECKED_VERSIONS`); on another version it does
nothing and mosaik runs unchanged. ``[mosaik] scheduler_memo = false`` turns it off.

Why each skip is exact:

- ``advance_progress(sim, world)`` sets ``sim.progress`` to the minimum of the earliest
  times its triggering ancestors can still produce input (from each ancestor's current or
  next step and the fixed link delays), its own next and current step, and the end of the
  run. The key below holds all of those inputs. Setting a progress to the time it already
  has triggers nothing: a waiter added since is checked against that time when it is added
  (``Progress._add_trigger``).
- ``prune_dataflow_cache(world)`` drops cached outputs older than the slowest simulator's
  last step. Outputs cached since the previous prune are not older than that time, so when
  it has not moved, a prune removes nothing.
"""

from __future__ import annotations

from typing import Any

#: mosaik versions whose ``advance_progress`` and ``prune_dataflow_cache`` this module was
#: read against; on any other version :func:`install` leaves mosaik untouched.
CHECKED_VERSIONS = frozenset({"3.7.0", "3.7.1"})

_ORIGINAL: dict[str, Any] = {}


def _progress_key(sim: Any) -> tuple[Any, ...]:
    """Everything ``advance_progress`` reads that can change during a run."""
    return (
        tuple(
            pre.current_step or (pre.next_steps[0] if pre.next_steps else None)
            for pre in sim.triggering_ancestors
        ),
        sim.next_steps[0] if sim.next_steps else None,
        sim.current_step,
    )


def _advance_progress(sim: Any, world: Any) -> None:
    if world.rt_factor:
        _ORIGINAL["advance_progress"](sim, world)
        return
    key = _progress_key(sim)
    if sim.__dict__.get("_cosim_progress_key") == key:
        return
    _ORIGINAL["advance_progress"](sim, world)
    sim._cosim_progress_key = key


def _prune_dataflow_cache(world: Any) -> None:
    if not world.use_cache:
        return
    oldest = min(s.last_step.time for s in world._get_sim_runners().values())
    if world.__dict__.get("_cosim_pruned_at") == oldest:
        return
    _ORIGINAL["prune_dataflow_cache"](world)
    world._cosim_pruned_at = oldest


def mosaik_checked() -> bool:
    """Whether the installed mosaik is one this product's mosaik patches were read against
    (:data:`CHECKED_VERSIONS`; also :mod:`cosim.mosaik_fast`)."""
    import mosaik

    return getattr(mosaik, "__version__", None) in CHECKED_VERSIONS


def install() -> bool:
    """Wrap mosaik's scheduler functions; return whether they are wrapped.

    Idempotent. Returns False (and changes nothing) on a mosaik version not in
    :data:`CHECKED_VERSIONS`.
    """
    import mosaik.scheduler as scheduler

    if _ORIGINAL:
        return True
    if not mosaik_checked():
        return False
    _ORIGINAL["advance_progress"] = scheduler.advance_progress
    _ORIGINAL["prune_dataflow_cache"] = scheduler.prune_dataflow_cache
    scheduler.advance_progress = _advance_progress
    scheduler.prune_dataflow_cache = _prune_dataflow_cache
    return True


def uninstall() -> None:
    """Give mosaik its own functions back (for A/B runs and tests)."""
    import mosaik.scheduler as scheduler

    for name, fn in _ORIGINAL.items():
        setattr(scheduler, name, fn)
    _ORIGINAL.clear()


def installed() -> bool:
    """Whether mosaik's scheduler runs with the memo."""
    return bool(_ORIGINAL)

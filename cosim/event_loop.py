"""The asyncio event loop a world runs on: uvloop where installed, else the standard one.

mosaik's scheduler is a set of coroutines, one per simulator, that wake each other several
times per step of every simulator; on a world of 4-10 in-process simulators the event
loop's own bookkeeping (ready queue, selector poll, futures) is a visible share of a run.
uvloop (libuv under the asyncio API) does that bookkeeping in C: 5-8 % less wall time per
simulated year on the shipped scenarios (``benchmarks/bench.py``). Coroutines run in the
same order on both loops (FIFO ready queue), so the schedule and every result are the same
(``tests/integration/test_mosaik_fast.py`` compares whole runs).

``[mosaik] event_loop`` chooses: ``auto`` (uvloop when it can be imported, which it can on
Linux and macOS where it is a dependency), ``uvloop`` (an error if it is missing) or
``asyncio``.
"""

from __future__ import annotations

import asyncio
from enum import StrEnum


class EventLoopName(StrEnum):
    """``[mosaik] event_loop`` choices."""

    AUTO = "auto"
    UVLOOP = "uvloop"
    ASYNCIO = "asyncio"


def loop_problem(name: EventLoopName | str) -> str | None:
    """Why the loop ``name`` cannot be made here, with the fix; None if it can."""
    import importlib.util

    if EventLoopName(name) == EventLoopName.UVLOOP and importlib.util.find_spec("uvloop") is None:
        return (
            "event_loop = 'uvloop', but uvloop is not installed (it has no Windows build): "
            "`pip install uvloop`, or choose 'auto' or 'asyncio'"
        )
    return None


def new_event_loop(name: EventLoopName | str = EventLoopName.AUTO) -> asyncio.AbstractEventLoop:
    """A new event loop of kind ``name``, set as the current thread's loop.

    Raises
    ------
    RuntimeError
        ``name`` is ``uvloop`` and uvloop cannot be imported (e.g. on Windows).
    """
    name = EventLoopName(name)
    problem = loop_problem(name)
    if problem:
        raise RuntimeError(f"[mosaik] {problem}")
    loop: asyncio.AbstractEventLoop | None = None
    if name != EventLoopName.ASYNCIO:
        try:
            import uvloop
        except ImportError:  # auto without uvloop: the standard loop
            pass
        else:
            loop = uvloop.new_event_loop()
    if loop is None:
        loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    return loop


def loop_name(loop: asyncio.AbstractEventLoop) -> str:
    """``uvloop`` or ``asyncio``: which kind ``loop`` is."""
    return "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio"

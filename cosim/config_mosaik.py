"""The ``[mosaik]`` section: how mosaik starts, stops and schedules the simulators."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from cosim.config_section import LAX, StrictSection
from cosim.event_loop import EventLoopName, loop_problem

__all__ = ["MosaikConfig"]


class MosaikConfig(StrictSection):
    """How mosaik starts the simulators that run as their own process (``starter="cmd"``).

    ``start_timeout_s`` bounds both the wait for a started process to connect and for its
    answer to ``init()``; mosaik's own default (10 s) is too short for the grid on a busy
    machine. A process that dies before it connects ends the start at once
    (:mod:`cosim.starters`), and the run itself is watched (:func:`cosim.wire.run_watched`).
    ``stop_timeout_s`` bounds the shutdown of each simulator, in process or not.
    ``scheduler_memo`` lets mosaik's scheduler skip recomputations whose inputs did not
    change (:mod:`cosim.scheduler_memo`); ``fast_paths`` computes mosaik's time arithmetic
    and its in-process calls directly (:mod:`cosim.mosaik_fast`); ``sequential`` runs a
    world whose simulators are all in this process one step after the other instead of as
    concurrent tasks (:mod:`cosim.sequential`); ``event_loop`` picks the asyncio loop the
    world runs on (:mod:`cosim.event_loop`). None of the four changes a result.
    """

    start_timeout_s: float = Field(
        120.0,
        gt=0,
        le=3600,
        description="wait this long for a simulator process to connect and answer init() [s]",
    )
    stop_timeout_s: float = Field(
        10.0,
        gt=0,
        le=3600,
        description="wait this long for each simulator to stop (finalize, exit) at the end [s]",
    )
    scheduler_memo: bool = Field(
        True,
        description=(
            "skip mosaik scheduler work whose inputs did not change (same schedule and "
            "results, less time per step; see cosim.scheduler_memo); false runs mosaik as is"
        ),
    )
    fast_paths: bool = Field(
        True,
        description=(
            "compute mosaik's time arithmetic and in-process calls directly (same schedule "
            "and results; see cosim.mosaik_fast); false runs mosaik's own code and writes "
            "its TRACE lines of in-process calls"
        ),
    )
    sequential: bool = Field(
        True,
        description=(
            "step a world whose simulators all run in this process one after the other, in "
            "time and port-graph order (same results, less time per step; see "
            "cosim.sequential); false, or any simulator in its own process, runs mosaik's "
            "concurrent scheduler"
        ),
    )
    event_loop: Annotated[EventLoopName, LAX] = Field(
        EventLoopName.AUTO,
        description=(
            "the asyncio event loop of the world: uvloop (faster scheduling, Linux and "
            "macOS), asyncio (the standard library's) or auto (uvloop where installed)"
        ),
    )

    @field_validator("event_loop")
    @classmethod
    def _uvloop_installed(cls, v: EventLoopName) -> EventLoopName:
        problem = loop_problem(v)
        if problem:
            raise ValueError(problem)
        return v

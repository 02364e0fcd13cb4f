"""Simulators in other processes: the values on the wire and the processes behind it.

mosaik talks JSON to a simulator started with ``cmd`` (or reached with ``connect``). An
adapter started that way converts its own outputs (``json_safe``); this module also lets
the main process send the numpy arrays of its in-process simulators (:func:`send_numpy`),
and stops a run whose simulator process died (:func:`run_watched`) instead of waiting for
an answer that never comes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from typing import TYPE_CHECKING, Any

import numpy as np

from cosim.errors import CosimError

if TYPE_CHECKING:  # mosaik itself is imported lazily: adapter processes never need it
    import mosaik

__all__ = [
    "SimulatorExitedError",
    "child_processes",
    "run_watched",
    "send_numpy",
    "shut_down",
    "to_wire",
]

log = logging.getLogger(__name__)

#: how long to wait for a child's exit status once mosaik saw its connection close [s]
_EXIT_GRACE_S = 2.0


def to_wire(value: Any) -> Any:
    """Convert numpy arrays and scalars to plain Python lists and numbers.

    In-process, adapters pass numpy arrays by reference; over a socket mosaik serialises to
    JSON, which rejects ``numpy.int64`` and arrays.

    >>> to_wire(np.array([1, 2])), to_wire(np.float32(0.5))
    ([1, 2], 0.5)
    """
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


class _NumpyJSONEncoder(json.JSONEncoder):
    """mosaik-api-v3's channel encoder, plus numpy arrays and scalars (as :func:`to_wire`)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, np.ndarray | np.generic):
            return to_wire(o)
        return super().default(o)


def send_numpy() -> None:
    """Let mosaik send numpy arrays and scalars to simulators in other processes.

    In-process simulators hand mosaik numpy arrays; when their consumer runs as its own
    process, mosaik JSON-encodes them with ``mosaik_api_v3.connection._encoder`` and fails
    (``NonSerializableOutputsError``). This replaces that module-level encoder with one
    that writes arrays as lists and numpy scalars as numbers -- the very values a
    ``json_safe`` adapter sends, so results do not change. It patches a private name of
    the pinned mosaik-api-v3 (3.0.x): the only alternative was a json_safe flag in every
    adapter's ``init``. Idempotent.

    Raises
    ------
    RuntimeError
        If mosaik-api-v3 no longer encodes through ``connection._encoder``.
    """
    from mosaik_api_v3 import connection

    if isinstance(getattr(connection, "_encoder", None), _NumpyJSONEncoder):
        return
    if not isinstance(getattr(connection, "_encoder", None), json.JSONEncoder):
        raise RuntimeError(
            "mosaik_api_v3.connection._encoder is gone: this mosaik-api-v3 encodes "
            "differently, so numpy arrays cannot reach a simulator started with "
            "starter='cmd'. Pin mosaik-api-v3 3.0.x, or start every simulator with "
            "starter='python'."
        )
    connection._encoder = _NumpyJSONEncoder()
    try:
        connection.encode({"check": np.arange(2, dtype=np.int64)})
    except TypeError as err:
        raise RuntimeError(
            "mosaik_api_v3.connection.encode ignores the replaced _encoder; pin "
            "mosaik-api-v3 3.0.x, or start every simulator with starter='python'"
        ) from err


class SimulatorExitedError(CosimError):
    """A simulator's process ended before the run did.

    Parameters
    ----------
    sid : str
        mosaik's simulator id, ``<role>-<n>`` (e.g. ``"evse-0"``).
    returncode : int
        The process's exit code; ``-N`` when signal ``N`` killed it.
    """

    def __init__(
        self, *, sid: str, returncode: int, when: str = "before the end of the run"
    ) -> None:
        self.sid = sid
        self.role = sid.rpartition("-")[0] or sid
        self.returncode = returncode
        super().__init__(
            f"simulator {sid} (role {self.role!r}, its own process) {_how(returncode)} "
            f"{when}, so the run stopped. Its own output above may say "
            f"why; to debug it, run it in-process: --set 'simulators.{self.role}.starter="
            '"python"\''
        )


def _how(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with code {returncode}"


def child_processes(world: mosaik.World) -> dict[str, asyncio.subprocess.Process]:
    """The process of every simulator mosaik started with ``cmd``, by simulator id.

    Reads mosaik 3.7's private ``AsyncWorld._proxies``, ``Adapter._out`` and
    ``RemoteProxy._process`` (there is no public way to them) and says so if they moved.
    """
    from mosaik.adapters import Adapter
    from mosaik.proxies import RemoteProxy

    proxies = getattr(world._async_world, "_proxies", None)
    if not isinstance(proxies, dict):
        raise RuntimeError("mosaik.AsyncWorld._proxies is gone; pin mosaik 3.7.x")
    found = {}
    for sid, proxy in proxies.items():
        while isinstance(proxy, Adapter):
            proxy = proxy._out
        if not isinstance(proxy, RemoteProxy):
            continue
        if not hasattr(proxy, "_process"):
            raise RuntimeError("mosaik.proxies.RemoteProxy._process is gone; pin mosaik 3.7.x")
        if proxy._process is not None:  # None: reached with ``connect``, not our child
            found[sid] = proxy._process[0]
    return found


async def run_watched(world: mosaik.World, *, until_s: int) -> None:
    """``world.run(until=until_s)`` that fails as soon as a simulator process ends.

    mosaik waits forever for the answer of a simulator whose process died while it was not
    waiting for one; this races the run against the exit of every ``cmd`` child.

    Raises
    ------
    SimulatorExitedError
        A child process ended before the run did (names the simulator and how it ended).
    """
    run = asyncio.ensure_future(world._async_world.run(until_s, print_progress=False))
    exits = {
        asyncio.ensure_future(process.wait()): sid
        for sid, process in child_processes(world).items()
    }
    try:
        done, _ = await asyncio.wait({run, *exits}, return_when=asyncio.FIRST_COMPLETED)
        if run in done and _lost_connection(run):
            done, _ = await asyncio.wait(exits, timeout=_EXIT_GRACE_S)
        ended = [task for task in exits if task.done()]
        if ended:
            cause = run.exception() if run.done() and not run.cancelled() else None
            raise SimulatorExitedError(sid=exits[ended[0]], returncode=ended[0].result()) from (
                cause
            )
        run.result()
    finally:
        for task in (run, *exits):
            task.cancel()
        await asyncio.gather(run, *exits, return_exceptions=True)


def shut_down(world: mosaik.World) -> None:
    """``world.shutdown()`` that stops every simulator even if one of them cannot be stopped.

    mosaik stops its simulators together, and one whose process died either raises on its
    broken connection (leaving the others running: the recorder would neither flush nor
    unlock its file) or waits forever for the end of that connection. Here a dead
    simulator is skipped, each other one gets the world's ``stop_timeout`` to stop (its
    ``finalize`` runs, its process ends; one still running after that is killed) and a
    failure is logged; then the loop is closed.
    """
    async_world = world._async_world
    proxies = getattr(async_world, "_proxies", None)
    if not isinstance(proxies, dict) or not hasattr(async_world, "_shutdown_performed"):
        raise RuntimeError("mosaik.AsyncWorld._proxies is gone; pin mosaik 3.7.x")
    loop = world.loop
    if async_world._shutdown_performed or loop.is_closed():
        return
    loop.set_exception_handler(_quiet_lost_connections)
    timeout_s = float(async_world.config.get("stop_timeout", 10))
    children = child_processes(world)
    dead = {sid for sid, proc in children.items() if proc.returncode is not None}
    live = {sid: proxy for sid, proxy in proxies.items() if sid not in dead}
    stops = [asyncio.wait_for(proxy.stop(), timeout_s) for proxy in live.values()]
    results = loop.run_until_complete(asyncio.gather(*stops, return_exceptions=True))
    async_world._shutdown_performed = True
    for sid, result in zip(live, results, strict=True):
        if isinstance(result, BaseException):
            log.warning("simulator %s did not stop cleanly: %r", sid, result)
    leftover = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in leftover:  # a dead simulator's connection tasks would wait forever
        task.cancel()
    loop.run_until_complete(asyncio.gather(*leftover, return_exceptions=True))
    loop.run_until_complete(_reap(children, timeout_s=timeout_s))
    loop.close()


async def _reap(children: dict[str, asyncio.subprocess.Process], *, timeout_s: float) -> None:
    """Wait for every child to end (the recorder unlocks its file); kill one that hangs."""
    for sid, process in children.items():
        try:
            await asyncio.wait_for(process.wait(), timeout_s)
        except TimeoutError:
            log.warning("simulator %s did not end %.0f s after its stop; killed", sid, timeout_s)
            process.kill()
            await process.wait()


def _quiet_lost_connections(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Log a broken simulator connection at debug level: the run's error already says it."""
    if isinstance(context.get("exception"), ConnectionError | asyncio.IncompleteReadError):
        log.debug("%s: %r", context.get("message"), context.get("exception"))
        return
    loop.default_exception_handler(context)


def _lost_connection(run: asyncio.Future[Any]) -> bool:
    from mosaik.exceptions import ConnectionClosedError

    error = None if run.cancelled() else run.exception()
    return isinstance(error, ConnectionClosedError | asyncio.IncompleteReadError | OSError)

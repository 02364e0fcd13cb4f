"""A mosaik ``cmd`` starter that notices a simulator process dying while it starts.

mosaik's :class:`~mosaik.starters.CmdStarter` waits ``start_timeout`` for a started
process to connect, even when the process has already exited (an import error, a bad
argument, a crash at start): with the timeout raised to suit a slow grid start (two
minutes by default) a user would stare at a silent terminal. :class:`WatchedCmdStarter`
races the connection against the process's exit and fails at once, naming the simulator
and how it ended. Everything else is mosaik's: the command template (``%(python)s``,
``%(addr)s``), the environment, the termination manager and the proxy it returns.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import sys
from typing import Any

from mosaik.exceptions import ProcessStartError, SimulatorStartTimeoutError
from mosaik.proxies import RemoteProxy
from mosaik.starters import CmdStarter
from mosaik_api_v3.connection import Channel

from cosim.wire import SimulatorExitedError

__all__ = ["WatchedCmdStarter", "watch_starts"]


class WatchedCmdStarter(CmdStarter):
    """:class:`~mosaik.starters.CmdStarter` that fails as soon as its process exits
    before connecting (:class:`~cosim.wire.SimulatorExitedError`), not after the timeout."""

    async def start(self, sim_id: str, mosaik_remote: Any, mosaik_config: Any) -> RemoteProxy:
        connected: asyncio.Future[Channel] = asyncio.get_running_loop().create_future()

        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            if not connected.done():
                connected.set_result(Channel(reader, writer, name=sim_id))

        server = await asyncio.start_server(on_connect, *(self.bind_addr or mosaik_config["addr"]))
        try:
            host, port = server.sockets[0].getsockname()[:2]
            cmd = self.cmd % {"addr": f"{host}:{port}", "python": sys.executable}
            try:
                proc = await asyncio.create_subprocess_exec(
                    *shlex.split(cmd, posix=bool(self.posix)),
                    cwd=self.cwd,
                    env={**os.environ, **self.env},
                    stdout=self.stdout,
                    stderr=self.stderr,
                )
            except (FileNotFoundError, NotADirectoryError) as err:
                raise ProcessStartError(sim_id, err) from None
            exited = asyncio.ensure_future(proc.wait())
            timeout_s = self.connect_timeout or mosaik_config["start_timeout"]
            either: set[asyncio.Future[Any]] = {connected, exited}
            await asyncio.wait(either, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
            exited.cancel()
            if connected.done():
                return RemoteProxy(
                    connected.result(), mosaik_remote, process=(proc, self.termination_manager)
                )
            if proc.returncode is not None:
                raise SimulatorExitedError(
                    sid=sim_id, returncode=proc.returncode, when="while it was starting"
                )
            await self.termination_manager(proc)
            raise SimulatorStartTimeoutError(sim_id)
        finally:
            server.close()


def watch_starts(sim_config: dict[str, Any]) -> dict[str, Any]:
    """``sim_config`` with every ``{"cmd": ...}`` entry as a :class:`WatchedCmdStarter`."""
    return {
        role: WatchedCmdStarter(**entry) if isinstance(entry, dict) and "cmd" in entry else entry
        for role, entry in sim_config.items()
    }

"""A stop request (Ctrl-C, SIGTERM, SIGHUP) that no library can swallow.

The CLI's signal handler raises ``KeyboardInterrupt`` where the signal lands, and also
records it here. A ``KeyboardInterrupt`` raised inside C code (h5py's, numpy's) or caught by
mosaik's scheduler may never reach the run; the run therefore asks again at points of its
own (before the world runs, at every recorded step) and stops there, with the same
exception (:func:`interrupt`), so the run ends the same way whichever path stopped it.
"""

from __future__ import annotations

import signal

__all__ = [
    "Terminated",
    "as_interrupt",
    "clear",
    "interrupt",
    "raise_if_requested",
    "request",
    "requested",
]


class Terminated(KeyboardInterrupt):
    """A stop signal (SIGTERM, SIGHUP) arrived: the run stops as on Ctrl-C."""


def interrupt(signum: int) -> KeyboardInterrupt:
    """The exception that stops a run on signal ``signum``.

    >>> interrupt(signal.SIGTERM)
    Terminated('SIGTERM')
    >>> interrupt(signal.SIGINT)
    KeyboardInterrupt()
    """
    if signum == signal.SIGINT:
        return KeyboardInterrupt()
    return Terminated(signal.Signals(signum).name)


_requested: list[int] = []


def request(signum: int) -> None:
    """Record that signal ``signum`` asked the run to stop."""
    if not _requested:
        _requested.append(int(signum))


def requested() -> int | None:
    """The signal that asked the run to stop, or None."""
    return _requested[0] if _requested else None


def clear() -> None:
    """Forget a stop request (a new run in the same process)."""
    _requested.clear()


def raise_if_requested() -> None:
    """Raise ``KeyboardInterrupt`` if a stop was requested (the run stops as on Ctrl-C)."""
    if _requested:
        raise interrupt(_requested[0])


def as_interrupt(error: BaseException) -> BaseException:
    """``error``, or the stop's exception if a stop was requested and ``error`` is another one.

    An interrupt that lands inside a library can surface as that library's error (an
    extension module interrupted while it initialises raises ``ImportError: initialization
    failed``); after a stop request that error is the stop, and the run ends as interrupted.

    >>> clear(); as_interrupt(ValueError("x"))
    ValueError('x')
    >>> request(signal.SIGINT); as_interrupt(ImportError("initialization failed"))
    KeyboardInterrupt()
    >>> clear()
    """
    if isinstance(error, KeyboardInterrupt) or not _requested:
        return error
    stopped = interrupt(_requested[0])
    stopped.__cause__ = error
    return stopped

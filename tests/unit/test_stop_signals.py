"""A stop signal stops a run the same way wherever it lands."""

from __future__ import annotations

import os
import signal
import sys
import weakref

import pytest

from cosim import stop
from cosim.cli import _stop_signals_interrupt


def test_the_fallback_check_raises_what_the_signal_handler_raises() -> None:
    """A stop that a library swallowed ends the run with the same exception and message."""
    stop.clear()
    stop.request(signal.SIGTERM)
    with pytest.raises(stop.Terminated, match=r"^SIGTERM$"):
        stop.raise_if_requested()
    stop.clear()
    stop.request(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt) as err:
        stop.raise_if_requested()
    assert type(err.value) is KeyboardInterrupt and str(err.value) == ""  # "Ctrl-C"
    stop.clear()


def test_a_signal_landing_in_a_weakref_callback_is_kept_without_a_traceback(monkeypatch) -> None:
    """Python hands an exception raised in a weakref callback to ``sys.unraisablehook``,
    which prints a traceback and drops it: the stop request survives (the run stops at its
    next check) and nothing is printed; other such exceptions still reach the hook."""
    dropped: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda info: dropped.append(info.exc_type))

    class Thing:
        pass

    def signalled(_ref: object) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(100_000):  # the handler runs here, inside the callback
            pass

    def failing(_ref: object) -> None:
        raise ValueError("a bug in a callback")

    with _stop_signals_interrupt() as received:
        thing = Thing()
        ref = weakref.ref(thing, signalled)
        del thing  # the callback runs, the handler's Terminated is dropped
        assert ref() is None
        with pytest.raises(stop.Terminated, match="SIGTERM"):
            stop.raise_if_requested()
        other = Thing()
        ref = weakref.ref(other, failing)
        del other
    assert received == [signal.SIGTERM]
    assert dropped == [ValueError]
    stop.clear()

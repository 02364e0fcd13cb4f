"""Ctrl-C ends a command as interrupted (exit 130), whichever exception it surfaced as."""

from __future__ import annotations

import argparse
import signal

import pytest

from cosim import stop
from cosim.cli import EXIT_ERROR, EXIT_INTERRUPTED, _dispatch


def _args(error: BaseException, *, stop_first: bool) -> argparse.Namespace:
    def func(args: argparse.Namespace) -> int:
        if stop_first:
            stop.request(signal.SIGINT)
        raise error

    return argparse.Namespace(func=func, verbose=False)


@pytest.fixture(autouse=True)
def _no_stop_request():
    stop.clear()
    yield
    stop.clear()


def test_an_import_interrupted_by_ctrl_c_is_reported_as_interrupted(capsys) -> None:
    # an extension module interrupted while it initialises raises this instead
    error = ImportError("initialization failed")
    assert _dispatch(_args(error, stop_first=True)) == EXIT_INTERRUPTED
    assert capsys.readouterr().err.strip() == "interrupted"


def test_the_same_error_without_ctrl_c_is_an_error(capsys) -> None:
    error = ImportError("initialization failed")
    assert _dispatch(_args(error, stop_first=False)) == EXIT_ERROR
    assert "ImportError: initialization failed" in capsys.readouterr().err

"""The collector paused for set-up and frozen for the run leaks nothing and restores itself."""

from __future__ import annotations

import gc
import weakref

import pytest

from cosim import gc_setup


class _Node:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_collector_state_is_restored_also_on_error() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_setup.paused_for_set_up():
        assert not gc.isenabled()
        with gc_setup.frozen_for_run():
            assert gc.isenabled()  # the run's own cycles are collected
            raise RuntimeError("a step failed")
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_a_user_who_turned_the_collector_off_keeps_it_off() -> None:
    gc.disable()
    try:
        with gc_setup.paused_for_set_up(), gc_setup.frozen_for_run():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_cycles_made_in_set_up_and_in_the_run_are_freed_after_it() -> None:
    """A process running many runs (tests, sweep workers) frees each finished run."""
    with gc_setup.paused_for_set_up():
        set_up = weakref.ref(_Node())  # set-up garbage in a cycle
        with gc_setup.frozen_for_run():
            in_run = weakref.ref(_Node())
            gc.collect()
            assert in_run() is None  # collected during the run
            assert set_up() is not None  # frozen: out of the collector's passes
    gc.collect()
    assert set_up() is None

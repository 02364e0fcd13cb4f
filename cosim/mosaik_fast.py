"""Exact fast paths for mosaik's time arithmetic and its calls into in-process simulators.

mosaik 3.7 keeps every simulator's time as a ``TieredTime`` (a tuple of tiers: the time,
then same-time loop counters) and compares and shifts these times many times per step of
every simulator: ``Progress`` checks each waiter with ``time + shift`` and ``>``/``>=``.
The comparisons ``>``, ``<=`` and ``>=`` come from :func:`functools.total_ordering` (two
Python calls and a dataclass ``__eq__`` each), and ``+`` goes through properties, a
``map`` and ``*args`` construction. On a world of 4-10 simulators stepping every 15
minutes that is ~5 % of a run. Each call into an in-process simulator
(``LocalProxy.send``) also renders a TRACE log line and asks :mod:`inspect` whether the
method is a generator function; together ~4 % of a base run.

:func:`install` replaces them by code that computes the same values directly:

- ``TieredTime`` comparisons compare the ``tiers`` tuples (what ``__lt__`` does, and what
  the derived operators reduce to for times of equal length, which mosaik asserts);
- ``TieredTime + TieredDuration`` of single-tier times (worlds without same-time loops)
  adds the two integers; any other shape goes to mosaik's own ``__add__``;
- ``LocalProxy.send`` calls the simulator's method at once; a generator method (one that
  calls back into mosaik) goes through mosaik's own ``send``. mosaik's TRACE lines of
  in-process calls are then not written: ``[mosaik] fast_paths = false`` brings them back.

The schedule and every result stay the same (``tests/integration/test_mosaik_fast.py``
compares whole runs; ``tests/property/test_mosaik_fast_time.py`` compares the operators on
random times). It applies only to the mosaik versions it was read against
(:data:`cosim.scheduler_memo.CHECKED_VERSIONS`); on any other version it does nothing.
"""

from __future__ import annotations

from inspect import isgeneratorfunction
from typing import Any

from cosim.scheduler_memo import mosaik_checked

_ORIGINAL: dict[tuple[Any, str], Any] = {}
_GENERATOR: dict[Any, bool] = {}


def _lt(self: Any, other: Any) -> bool:
    assert len(self.tiers) == len(other.tiers)
    return self.tiers < other.tiers


def _compare(name: str, op: Any) -> Any:
    from mosaik.tiered_time import TieredTime

    original = getattr(TieredTime, name)

    def compare(self: Any, other: Any) -> Any:
        if type(other) is not TieredTime:
            return original(self, other)
        assert len(self.tiers) == len(other.tiers)
        return op(self.tiers, other.tiers)

    compare.__name__ = name
    return compare


def _add(self: Any, interval: Any) -> Any:
    tiers = self.tiers
    if len(tiers) == 1 and interval.pre_length == 1 and len(interval.tiers) == 1:
        new = object.__new__(type(self))
        object.__setattr__(new, "tiers", (tiers[0] + interval.tiers[0],))
        return new
    return _ORIGINAL[("TieredTime", "__add__")](self, interval)


async def _send(self: Any, request: Any) -> Any:
    func_name, args, kwargs = request
    func = getattr(self.sim, func_name)
    key = getattr(func, "__func__", func)
    generator = _GENERATOR.get(key)
    if generator is None:
        generator = _GENERATOR[key] = isgeneratorfunction(func)
    if generator:
        return await _ORIGINAL[("LocalProxy", "send")](self, request)
    return func(*args, **kwargs)


def install() -> bool:
    """Put the fast paths in place; False (nothing changed) on an unchecked mosaik version."""
    import operator

    from mosaik.proxies import LocalProxy
    from mosaik.tiered_time import TieredTime

    if _ORIGINAL:
        return True
    if not mosaik_checked():
        return False
    ops = {"__gt__": operator.gt, "__le__": operator.le, "__ge__": operator.ge}
    replacements: dict[tuple[Any, str], tuple[Any, Any]] = {
        ("TieredTime", "__lt__"): (TieredTime, _lt),
        ("TieredTime", "__add__"): (TieredTime, _add),
        ("LocalProxy", "send"): (LocalProxy, _send),
    }
    for name, op in ops.items():
        replacements[("TieredTime", name)] = (TieredTime, _compare(name, op))
    for key, (cls, fast) in replacements.items():
        _ORIGINAL[key] = cls.__dict__[key[1]]
        setattr(cls, key[1], fast)
    return True


def uninstall() -> None:
    """Give mosaik its own methods back (for A/B runs and tests)."""
    from mosaik.proxies import LocalProxy
    from mosaik.tiered_time import TieredTime

    classes = {"TieredTime": TieredTime, "LocalProxy": LocalProxy}
    for (cls_name, name), original in _ORIGINAL.items():
        setattr(classes[cls_name], name, original)
    _ORIGINAL.clear()
    _GENERATOR.clear()


def installed() -> bool:
    """Whether mosaik runs with the fast paths."""
    return bool(_ORIGINAL)

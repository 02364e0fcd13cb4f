"""The adapters' per-step shortcuts past ``fold`` and ``zip``.

- An input taken as its one sender sent it wherever the fold's answer would equal it
  (:data:`AS_SENT`, :func:`one_sent_array`; :meth:`~cosim.adapter_base.AdapterBase.read`
  and the adapters whose compiled calls apply the fold's rule themselves).
- An entity's output dict built by one generated function (:func:`dict_builder`, or an
  adapter's own getter marked with :func:`builds_dict`), which
  :meth:`~cosim.adapter_base.AdapterBase.get_data` takes as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from keyword import iskeyword
from operator import attrgetter
from typing import Any
from weakref import WeakSet

import numpy as np

from cosim.ports_types import Combine

__all__ = ["AS_SENT", "builds_dict", "dict_builder", "is_dict_builder", "one_sent_array"]

#: the rules whose fold of one sender's 1-D array of this dtype is a copy of it
AS_SENT = {
    Combine.ADD: np.dtype(np.float64),
    Combine.MIN: np.dtype(np.float64),
    Combine.ANY: np.dtype(np.bool_),
}
_F64 = np.dtype(np.float64)


def one_sent_array(
    sources: Mapping[str, Any] | None, n: int | None, dtype: np.dtype[Any] = _F64
) -> Any:
    """The value of the only source in ``sources`` when it is a 1-D array of ``dtype`` with
    ``n`` values (any number for None), else None: what ``fold`` takes without converting
    it, and what a model that applies the fold's rule itself (in a compiled call) can take
    as sent."""
    if not sources or len(sources) != 1:
        return None
    (value,) = sources.values()
    if (
        type(value) is np.ndarray
        and value.dtype == dtype
        and value.ndim == 1
        and (n is None or value.size == n)
    ):
        return value
    return None


#: the getters made by :func:`dict_builder` (they build an entity's dict themselves)
_BUILDERS: WeakSet[Any] = WeakSet()


def dict_builder(attrs: Sequence[str]) -> Any:
    """A function of a state giving ``{attr: getattr(state, attr)}`` for ``attrs`` in order:
    one generated dict display when every name is an identifier (its attribute loads cost
    a fraction of a C-level getter's tuple zipped into a dict), else that getter zipped."""
    names = list(attrs)
    if all(type(a) is str and a.isidentifier() and not iskeyword(a) for a in names):
        display = ", ".join(f"{a!r}: state.{a}" for a in names)
        namespace: dict[str, Any] = {}
        exec(f"def build(state):\n    return {{{display}}}", namespace)
        build = namespace["build"]
    else:
        getter = attrgetter(*names)

        def build(state: Any) -> dict[str, Any]:
            return dict(zip(names, getter(state), strict=True))

    return builds_dict(build)


def builds_dict[F](getter: F) -> F:
    """Mark ``getter`` (a function of a state, as :meth:`AdapterBase._plan_for` plans) as
    building the entity's whole ``{attr: value}`` dict itself, in the requested order:
    :meth:`AdapterBase.get_data` then takes its result as it is, without zipping."""
    _BUILDERS.add(getter)
    return getter


def is_dict_builder(getter: Any) -> bool:
    """Whether ``getter`` builds the entity's whole dict (see :func:`builds_dict`)."""
    return getter in _BUILDERS

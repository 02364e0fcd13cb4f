"""Lazy public names of a package (PEP 562): a submodule loads when one of its names is used.

A package ``__init__`` imports its public names only for type checkers and lets
:func:`attach_stub` load each on first use, so importing one small module of a package (say
its config section) does not import the adapter, mosaik or a solver the run never uses::

    if TYPE_CHECKING:
        from .adapter import GridSim

    __all__ = ["GridSim"]
    __getattr__, __dir__ = attach_stub(__name__, __file__)

``from simulators.grid import GridSim`` still works: Python calls the package's
``__getattr__``, which imports ``simulators.grid.adapter`` and caches the name. Type checkers
and editors read the ``TYPE_CHECKING`` imports. This is the scheme of scientific-python's
``lazy_loader`` (SPEC 1), with the stub inside the ``__init__`` itself.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["attach", "attach_stub", "stub_exports"]


def attach(
    package: str, where: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` of ``package`` whose names live in submodules.

    Parameters
    ----------
    package
        The package's ``__name__``.
    where
        Public name -> the absolute name of the submodule that defines it.

    A public name that equals a submodule's name (``simulators.evse.efficiency``, the
    function, in the module of the same name) is bound at once: the import system would
    otherwise bind the submodule to it the first time anything imports that submodule.

    >>> getattr_, dir_ = attach("json", {"JSONDecodeError": "json.decoder"})
    >>> getattr_("JSONDecodeError").__name__
    'JSONDecodeError'
    """

    def __getattr__(name: str) -> Any:
        try:
            module = where[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # later look-ups skip __getattr__
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(where))

    for name, module in where.items():
        if module == f"{package}.{name}":
            __getattr__(name)
    return __getattr__, __dir__


def stub_exports(package: str, source: str) -> dict[str, str]:
    """Public name -> submodule, read from the ``if TYPE_CHECKING:`` imports of ``source``.

    >>> stub_exports("pkg", "if TYPE_CHECKING:\\n    from .model import Model, Params\\n")
    {'Model': 'pkg.model', 'Params': 'pkg.model'}
    """
    where: dict[str, str] = {}
    for node in ast.parse(source).body:
        if not (isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"):
            continue
        for item in node.body:
            if not isinstance(item, ast.ImportFrom):
                raise ValueError(f"{package}: only 'from .x import a' under TYPE_CHECKING")
            base = package if item.level else ""
            module = ".".join(p for p in (base, item.module or "") if p)
            for alias in item.names:
                where[alias.asname or alias.name] = module
    return where


def attach_stub(
    package: str, init_file: str
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """:func:`attach` with the names the package's ``__init__`` imports under ``TYPE_CHECKING``.

    The package's ``__all__`` must list exactly those names.
    """
    where = stub_exports(package, Path(init_file).read_text(encoding="utf-8"))
    public = set(getattr(sys.modules[package], "__all__", ()))
    if public != set(where):
        raise ImportError(
            f"{package}.__all__ and its TYPE_CHECKING imports differ: "
            f"{sorted(public ^ set(where))}; list every public name in both"
        )
    return attach(package, where)

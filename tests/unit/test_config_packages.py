"""Each config section lives in its package, and importing it does not start the simulator:
package ``__init__``s load their public names on first use (cosim.lazy)."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

PACKAGES = [
    "simulators.ev_fleet",
    "simulators.evse",
    "simulators.grid",
    "simulators.tariff",
    "simulators.tso",
    "simulators.flex_market",
    "controllers.aggregator",
    "controllers.coordination",
    "controllers.dso",
    "controllers.phase_balance",
]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_resolves_to_an_object_not_a_module(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__all__
    for name in module.__all__:
        value = getattr(module, name)
        assert not isinstance(value, ModuleType), (package, name)
        assert name in dir(module)


def test_a_name_a_package_does_not_export_is_an_attribute_error() -> None:
    grid = importlib.import_module("simulators.grid")
    with pytest.raises(AttributeError, match=r"simulators\.grid' has no attribute 'GridSimm'"):
        _ = grid.GridSimm


def test_a_function_named_like_its_module_stays_the_function() -> None:
    import simulators.evse.params  # imports simulators.evse.efficiency, the module
    from simulators.evse import efficiency

    assert callable(efficiency) and not isinstance(efficiency, ModuleType)
    assert simulators.evse.params.efficiency is efficiency


def test_importing_the_config_does_not_import_adapters_or_heavy_libraries() -> None:
    heavy = ("mosaik", "pandas", "scipy", "networkx", "pandapower")
    code = (
        "import sys, cosim.config\n"
        f"heavy = {heavy!r}\n"
        "loaded = [m for m in sys.modules if m.endswith('.adapter') or m in heavy]\n"
        "print(loaded)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_reading_results_does_not_import_the_simulators() -> None:
    """``cosim show``, ``compare`` and ``plot`` read the model names from the choice
    modules: the adapters, with their compiled kernels (numba, ~1 s), stay unloaded."""
    code = (
        "import sys, results.compare, results.kpis, results.plots, results.reader\n"
        "loaded = [m for m in sys.modules"
        " if m.endswith(('.adapter', '_kernels')) or m == 'numba']\n"
        "print(loaded)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


CHOICES = [
    "simulators.ev_fleet.choices",
    "simulators.evse.choices",
    "simulators.grid.choices",
    "simulators.tariff.choices",
    "controllers.aggregator.choices",
    "controllers.coordination.choices",
    "controllers.dso.choices",
]


@pytest.mark.parametrize("name", CHOICES)
def test_the_choice_modules_shared_by_model_and_config_import_only_the_standard_library(
    name: str,
) -> None:
    source = Path(importlib.import_module(name).__file__ or "").read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add("." if node.level else node.module or "")
    assert imported and {m.split(".")[0] for m in imported} <= set(sys.stdlib_module_names)


def test_the_package_names_still_import_as_before() -> None:
    from controllers.dso import DSOSim
    from simulators.grid import GridSim

    assert GridSim.__module__ == "simulators.grid.adapter"
    assert DSOSim.__module__ == "controllers.dso.adapter"


def _package(tmp_path: Path, name: str, init: str) -> None:
    pkg = tmp_path / name
    pkg.mkdir()
    (pkg / "model.py").write_text("class Model:\n    pass\n\n\nclass Params:\n    pass\n")
    (pkg / "__init__.py").write_text(init)


_INIT = (
    "from typing import TYPE_CHECKING\n"
    "from cosim.lazy import attach_stub\n"
    "if TYPE_CHECKING:\n"
    "    from .model import Model, Params\n"
    "__all__ = {names}\n"
    "__getattr__, __dir__ = attach_stub(__name__, __file__)\n"
)


def test_a_lazy_package_loads_a_submodule_on_first_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _package(tmp_path, "lazy_ok", _INIT.format(names='["Model", "Params"]'))
    monkeypatch.syspath_prepend(str(tmp_path))
    package = importlib.import_module("lazy_ok")
    assert "lazy_ok.model" not in sys.modules
    assert package.Model.__module__ == "lazy_ok.model"
    assert "lazy_ok.model" in sys.modules


def test_a_public_name_missing_from_the_stub_is_an_import_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _package(tmp_path, "lazy_bad", _INIT.format(names='["Model", "Params", "Extra"]'))
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ImportError, match=r"lazy_bad.__all__ and its TYPE_CHECKING .*'Extra'"):
        importlib.import_module("lazy_bad")

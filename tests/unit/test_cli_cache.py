"""``cosim cache``: lists what the prepared-grid cache holds and clears it."""

from __future__ import annotations

import pytest

from cosim.cli import main
from simulators.grid.cache import prepared_grid

SIMPLE = "pandapower:example_simple"


def test_cache_lists_each_grid_by_its_source_and_clear_empties_it(
    tmp_path, monkeypatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COSIM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("COSIM_NO_CACHE", raising=False)
    assert main(["cache"]) == 0
    assert "0 cached grid(s)" in capsys.readouterr().out
    prepared_grid(SIMPLE)
    assert main(["cache"]) == 0
    listing = capsys.readouterr().out
    assert "1 cached grid(s)" in listing and SIMPLE in listing
    assert main(["cache", "--clear"]) == 0
    assert "removed 1 cached grid(s)" in capsys.readouterr().out
    assert main(["cache"]) == 0
    assert "0 cached grid(s)" in capsys.readouterr().out

"""The KPI registry names only series an adapter writes, and the tables name only KPIs it has.

A model or port renamed in an adapter (or dropped from the port catalogue) fails here,
instead of making the KPIs that read it vanish from every results table.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

import pytest

from cosim.ports import ALL_PORTS
from cosim.registry import SIMULATORS
from results.conflict_study import TABLE_KPIS
from results.kpi_registry import COMPARISON, GROUPS, REGISTRY, by_name, markdown_catalogue
from results.series import Series
from results.unbalance import STUDY_COLUMNS


def _adapter_outputs() -> dict[str, set[str]]:
    """Every model of every shipped adapter and the ports it writes (its META)."""
    outputs: dict[str, set[str]] = {}
    for name, (python_path, _) in SIMULATORS.items():
        if name == "recorder":
            continue
        module = importlib.import_module(python_path.split(":", 1)[0])
        for model, desc in module.META["models"].items():
            outputs.setdefault(model, set()).update(desc.get("outputs", desc["attrs"]))
    return outputs


def _not_written(series: Iterable[Series], outputs: dict[str, set[str]]) -> list[str]:
    """The series no adapter writes or the catalogue does not know, with the reason."""
    problems = []
    for s in series:
        if s.model not in outputs:
            problems.append(f"{s}: no adapter has a model {s.model!r} ({sorted(outputs)})")
        elif s.port not in outputs[s.model]:
            problems.append(f"{s}: {s.model} does not write {s.port!r}")
        if s.port not in ALL_PORTS:
            problems.append(f"{s}: {s.port!r} is not in the port catalogue")
    return problems


@pytest.fixture(scope="module")
def outputs() -> dict[str, set[str]]:
    return _adapter_outputs()


def test_every_series_the_registry_reads_is_written_by_an_adapter(
    outputs: dict[str, set[str]],
) -> None:
    series = {s for spec in REGISTRY for s in spec.series}
    series |= {s for group in GROUPS for s in group.gate}
    assert len(series) > 40
    assert _not_written(series, outputs) == []


def test_a_renamed_model_or_port_is_reported(outputs: dict[str, set[str]]) -> None:
    renamed = [Series("ChargerBnk", "p_kw"), Series("Area", "trafo_loading")]
    problems = _not_written(renamed, outputs)
    assert len(problems) == 3  # unknown model; port not written and not in the catalogue
    assert "ChargerBnk" in problems[0] and "trafo_loading" in problems[1]


def test_kpi_names_are_unique_and_every_kpi_is_in_a_known_group() -> None:
    names = [s.name for s in REGISTRY]
    assert len(names) == len(set(names))
    assert {s.group for s in REGISTRY} <= set(GROUPS)
    assert all(s.unit and s.label and s.description for s in REGISTRY)


def test_the_study_tables_name_registered_kpis() -> None:
    for name in (*(k for k, _ in TABLE_KPIS), *STUDY_COLUMNS.values(), "v_min_pu"):
        assert by_name(name).name == name
    with pytest.raises(KeyError, match="no KPI 'nope'; registered: peak_trafo_loading_pct"):
        by_name("nope")


def test_only_a_state_at_the_end_counts_beyond_the_recorded_window() -> None:
    beyond = {s.name for s in REGISTRY if not s.window_only}
    assert beyond == {"capacity_fade_mean_pct", "battery_fade_pct"}


def test_the_catalogue_lists_every_kpi_with_what_it_reads() -> None:
    text = markdown_catalogue()
    assert text.count("\n") == len(REGISTRY) + 1
    assert "| `ev_energy_ac_kwh` | kWh | summary | `ChargerBank.p_kw` | yes |" in text
    assert all(f"`{s.name}`" in text for s in REGISTRY if s.group in COMPARISON)

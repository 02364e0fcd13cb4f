"""The conflict study's energy over a limit and its per-scheme table, by hand."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from results.conflict_study import excess_kwh, study_table

RURAL = "simbench:1-LV-rural2--0-sw"  # one 250 kVA trafo, 95 lines


class _Run(SimpleNamespace):
    def has(self, name: str, attr: str) -> bool:
        return attr in self.data

    def get(self, name: str, attr: str) -> pd.DataFrame:
        return pd.DataFrame(self.data[attr])

    def blocks(self, name: str, attr: str) -> Iterator[np.ndarray]:
        values = np.asarray(self.data[attr])
        yield from (values[i : i + 2] for i in range(0, len(values), 2))  # rows in blocks


def run_with(trafo: list[float], line: Any = None) -> _Run:
    data = {"trafo_loading_pct": np.array(trafo)[:, None]}
    if line is not None:
        data["line_loading_pct"] = line
    return _Run(config={"grid": {"network": RURAL}}, step_s=900, path="x.h5", data=data)


def test_energy_over_the_limit_is_the_rating_times_the_excess_times_the_step() -> None:
    # 100 % then 90 % against 80 %: (20 % + 10 %) of 250 kVA for 15 min each = 18.75 kWh
    run = run_with([100.0, 90.0, 50.0], line=np.zeros((3, 95)))
    assert excess_kwh(run, 80.0) == pytest.approx(18.75)
    assert excess_kwh(run, 100.0) == 0.0
    # a line count that is not the grid's: unknown, not a wrong number
    assert np.isnan(excess_kwh(run_with([100.0], line=np.zeros((1, 3))), 80.0))


def test_table_gives_mean_and_student_t_interval_per_scheme() -> None:
    rows = [
        {"run_id": f"{v}-{s}", "variant": v, "seed": s, "kpi": "dso_limit_hours",
         "label": "h", "unit": "h", "value": val}
        for v, vals in (("tso_first", [1.0, 2.0, 3.0]), ("traffic_light", [0.0, 0.0, 0.0]))
        for s, val in zip((42, 43, 44), vals, strict=True)
    ]  # fmt: skip
    table = study_table(pd.DataFrame(rows))
    # mean 2, std 1, t(0.975, 2) = 4.303: half-width 4.303 / sqrt(3) = 2.48
    assert table.set_index("variant").loc["tso_first", "h over DSO limit"] == "2.00 ± 2.48"
    assert table.set_index("variant").loc["traffic_light", "h over DSO limit"] == "0.00 ± 0.00"
    assert table["seeds"].tolist() == [3, 3]

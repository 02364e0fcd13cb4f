"""TariffSim: init/create/step/get_data, summed power inputs, JSON-safe outputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cosim.errors import ModelError
from cosim.seeding import child_seed
from simulators.tariff.adapter import META, OUTPUT_ATTRS, TariffSim

START = "2024-01-08T00:00:00+01:00"  # Monday


def _sim(*, json_safe: bool = False, **init: object) -> TariffSim:
    sim = TariffSim(json_safe=json_safe)
    meta = sim.init("Tariff-0", 1.0, step_s=900, start=START, seed=child_seed(1, "tariff"), **init)
    assert meta["type"] == "time-based"
    assert set(OUTPUT_ATTRS) | {"p_kw"} == set(meta["models"]["Tariff"]["attrs"])
    return sim


def test_tou_tariff_bills_power_summed_over_sources_and_elements() -> None:
    sim = _sim()
    (ent,) = sim.create(1, "Tariff", kind="tou", tou="fr_hphc", p_kw_lag_steps=0)
    eid = ent["eid"]
    assert ent["extra_info"]["tou_periods"]["winter.weekday"] == ["HP", "HC"]
    assert ent["extra_info"]["forecast_offset_s"][:3] == [0, 900, 1800]
    inputs = {eid: {"p_kw": {"EVSE-0.bank": np.array([3.0, 4.0]), "PV-0.pv": -1.0}}}
    assert sim.step(23 * 3600, inputs, 10**9) == 23 * 3600 + 900
    data = sim.get_data({eid: list(OUTPUT_ATTRS)})[eid]
    assert data["price_eur_mwh"] == pytest.approx(206.8)
    assert data["period"] == 0
    assert data["cost_step_eur"] == pytest.approx(6.0 * 0.25 * 0.2068)
    assert isinstance(data["price_forecast_eur_mwh"], np.ndarray)
    assert data["price_forecast_eur_mwh"].shape == (96,)


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "flat", "energy_eur_mwh": 250.0, "network_eur_mwh": 50.0},
        {"kind": "dynamic", "synthetic": "de_lu_2019", "forecast": "day_ahead"},
        {"kind": "dynamic", "synthetic": {"level_eur_mwh": 60.0}, "network_tou": "fr_hphc"},
        {
            "kind": "capacity",
            "energy_eur_mwh": 200.0,
            "capacity": {"mode": "peak", "eur_kw_month": 4},
        },
    ],
)
def test_json_safe_outputs_are_json_serialisable(params: dict) -> None:
    sim = _sim(json_safe=True, timezone="Europe/Paris")
    eids = [e["eid"] for e in sim.create(2, "Tariff", **params)]
    json.dumps(sim.meta)
    for t in range(0, 4 * 900, 900):
        sim.step(t, {eid: {"p_kw": {"src": [1.5, 2.5]}} for eid in eids}, 10**9)
    data = sim.get_data({eid: list(OUTPUT_ATTRS) for eid in eids})
    text = json.dumps(data)
    assert "NaN" not in text
    for eid in eids:
        assert isinstance(data[eid]["price_forecast_eur_mwh"], list)
        assert data[eid]["price_forecast_eur_mwh"][0] == data[eid]["price_eur_mwh"]
        assert data[eid]["cost_eur"] > 0


def test_dynamic_tariffs_are_reproducible_for_a_seed() -> None:
    def run() -> list[float]:
        sim = _sim()
        (ent,) = sim.create(1, "Tariff", kind="dynamic")
        sim.step(0, {}, 10**9)
        return list(
            sim.get_data({ent["eid"]: ["price_forecast_eur_mwh"]})[ent["eid"]][
                "price_forecast_eur_mwh"
            ]
        )

    assert run() == run()


def test_csv_prices_through_the_adapter(tmp_path: Path) -> None:
    path = tmp_path / "da.csv"
    rows = [f"2024-01-08T{h:02d}:00:00+01:00,{10.0 * h}" for h in range(24)]
    path.write_text("timestamp,price_eur_mwh\n" + "\n".join(rows) + "\n")
    sim = _sim()
    (ent,) = sim.create(1, "Tariff", kind="dynamic", prices_csv=str(path), forecast_steps=4)
    sim.step(13 * 3600 + 1800, {}, 10**9)
    out = sim.get_data({ent["eid"]: ["price_eur_mwh", "price_forecast_eur_mwh"]})[ent["eid"]]
    assert out["price_eur_mwh"] == 130.0
    np.testing.assert_allclose(out["price_forecast_eur_mwh"], [130.0, 130.0, 140.0, 140.0])
    sim.step(23 * 3600 + 1800, {}, 10**9)  # forecast past the file end repeats the day before
    out = sim.get_data({ent["eid"]: ["price_forecast_eur_mwh"]})[ent["eid"]]
    np.testing.assert_allclose(out["price_forecast_eur_mwh"], [230.0, 230.0, 0.0, 0.0])
    with pytest.raises(ModelError, match="no price for the step"):
        sim.step(24 * 3600, {}, 10**9)


def test_errors_name_the_problem() -> None:
    sim = _sim()
    with pytest.raises(ValueError, match="unknown model"):
        sim.create(1, "Tarif")
    with pytest.raises(ValueError, match="kind='capacity' needs capacity"):
        sim.create(1, "Tariff", kind="capacity")
    with pytest.raises(ValueError, match="valid:"):
        sim.create(1, "Tariff", kind="spot")
    with pytest.raises(ValueError, match="give network_tou instead"):
        sim.create(1, "Tariff", kind="flat", energy_eur_mwh=200.0, tou="fr_hphc")
    with pytest.raises(ValueError, match="only used by kind='dynamic'"):
        sim.create(1, "Tariff", kind="flat", synthetic="de_lu_2023")
    (ent,) = sim.create(1, "Tariff", kind="flat", energy_eur_mwh=1.0)
    with pytest.raises(ModelError, match="before its first step"):
        sim.get_data({ent["eid"]: ["price_eur_mwh"]})
    sim.step(0, {}, 10**9)
    with pytest.raises(ValueError, match="no output 'v_pu'"):
        sim.get_data({ent["eid"]: ["v_pu"]})
    with pytest.raises(ValueError, match="timezone"):
        TariffSim().init("T", start=START, timezone="Mars/Olympus")


def test_meta_params_match_create_keywords() -> None:
    import inspect

    params = set(inspect.signature(TariffSim.create).parameters) - {"self", "num", "model"}
    assert params == set(META["models"]["Tariff"]["params"])

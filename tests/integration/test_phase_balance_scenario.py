"""The phases scenario with the phase balancer: the rule holds, the weak phase recovers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cosim.config import load_config
from results.compare import comparison_kpis
from results.reader import open_run
from scenarios import phases

ROOT = Path(__file__).resolve().parents[2]
CASE = ('scenario.until="1d"', "fleet.evs_per_household=1.5", "evse.share_single_phase=1.0")


@pytest.fixture
def run_phases(tmp_path: Path):
    counter = iter(range(100))

    def _run(*overrides: str):
        cfg = load_config(
            ROOT / "scenarios" / "phases.toml", ["scenario.progress=false", *CASE, *overrides]
        )
        out = phases.run(cfg, out=tmp_path / f"run{next(counter)}.h5", progress=False)
        assert out.status == "complete" and out.path is not None, out
        run = open_run(out.path)
        return run, {k.name: k.value for k in comparison_kpis(run)}

    return _run


def test_balancer_keeps_the_rule_and_lifts_the_weakest_phase(run_phases) -> None:
    off_run, off = run_phases()
    on_run, on = run_phases("phase_balance.enabled=true")
    # VDE-AR-N 4100: per connection, single-phase charging on one phase stays within 4.6 kW
    chargers = on_run.table("charger_phase")
    bus = np.asarray(on_run.table("fleet")["charger_bus"])
    phase = np.asarray(chargers["phase"])
    p = on_run.get("ChargerBank", "p_kw").to_numpy()
    single = phase >= 0
    assert single.all()
    for b, ph in set(zip(bus.tolist(), phase.tolist(), strict=True)):
        group = (bus == b) & (phase == ph)
        assert np.nansum(p[:, group], axis=1).max() <= 4.6 + 1e-3, (b, ph)
    assert np.nanmax(off_run.get("ChargerBank", "p_kw").to_numpy()) > 7.0
    assert on["v_phase_min_pu"] > off["v_phase_min_pu"] + 0.03
    assert on["vuf_max_pct"] < off["vuf_max_pct"]
    assert on["ev_energy_unserved_kwh"] >= 0.0  # the KPI of the study is recorded
    assert on_run.has("PhaseBalancer", "n_limited") and on_run.has("PhaseBalancer", "cap_kw")
    assert on["ev_energy_ac_kwh"] < off["ev_energy_ac_kwh"]  # it acts by curtailing


def test_balancer_runs_on_the_balanced_grid_with_its_positive_sequence(run_phases) -> None:
    _, kpis = run_phases(
        "phase_balance.enabled=true", "phase_balance.rule=false", "grid.unbalanced=false"
    )
    assert "v_phase_min_pu" not in kpis
    assert kpis["v_min_pu"] > 0.9

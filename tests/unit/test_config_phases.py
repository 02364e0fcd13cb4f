"""Config of three-phase studies: the unbalanced grid and single-phase chargers."""

from __future__ import annotations

import pytest

from cosim.config import parse_config
from cosim.errors import ConfigError


def test_unbalanced_grid_needs_power_grid_model_and_passes_its_data() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config({"grid": {"unbalanced": True}})
    assert "grid.backend = 'power_grid_model'" in str(info.value)
    cfg = parse_config(
        {
            "grid": {
                "unbalanced": True,
                "backend": "power_grid_model",
                "zero_sequence": {"line_r0_r1": 3.5},
                "phases": {"load_share_single": 0.5},
            }
        }
    )
    params = cfg.grid.sim_params()
    assert params["backend"] == "power_grid_model_asym"
    assert params["zero_sequence"]["line_r0_r1"] == 3.5
    assert params["zero_sequence"]["vector_group"] == "Dyn"
    assert params["phases"] == {"load_share_single": 0.5, "sgen_single_max_kva": 4.6}


def test_balanced_grid_passes_only_its_backend() -> None:
    assert parse_config({}).grid.sim_params() == {"backend": "lightsim2grid"}


def test_bad_phase_settings_are_reported_with_their_paths() -> None:
    bad = {
        "grid": {"zero_sequence": {"line_x0_x1": 0.0, "vector_group": "Yd"}},
        "evse": {"share_single_phase": 1.5, "p_rated_single_phase_kw": 11.0},
    }
    with pytest.raises(ConfigError) as info:
        parse_config(bad)
    paths = {p.path for p in info.value.problems}
    assert paths == {
        "grid.zero_sequence.line_x0_x1",
        "grid.zero_sequence.vector_group",
        "evse.share_single_phase",
        "evse.p_rated_single_phase_kw",
    }


def test_charger_phase_draw_settings_are_not_charger_parameters() -> None:
    cfg = parse_config({"evse": {"share_single_phase": 0.3}})
    params = cfg.evse.create_params(bus_id=[1])
    assert "share_single_phase" not in params and "p_rated_single_phase_kw" not in params

"""aFRR from the aggregator: offered from the band FCR leaves, dispatched after FCR by the
coordinator, delivered and settled by the TSO; without aFRR nothing else changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from controllers.aggregator.adapter import AggregatorSim
from controllers.aggregator.afrr import AFRRProvision, offer_afrr
from controllers.aggregator.fcr import offer_band
from controllers.coordination import count_by_kind, resolve
from controllers.coordination.adapter import CoordinatorSim
from cosim.config import load_config
from cosim.errors import ConfigError
from cosim.family import load_family
from results.compare import comparison_kpis
from results.reader import open_run
from results.services import afrr_window_eur
from scenarios import dso_tso
from tests.integration.conftest import datasets
from tests.unit.test_conflict_detection import observation

ROOT = Path(__file__).resolve().parents[2]
INF = np.inf
SCHEMES = ("tso_first", "traffic_light", "common_market")


# --- the band split ----------------------------------------------------------------------
def test_band_split_by_hand() -> None:
    # forecast symmetric room 10 kW (min over the block of min(up, down)); FCR takes 0.5
    fcr = offer_band([12.0, 10.0], [15.0, 11.0], safety_factor=0.5, min_kw=0.0)
    assert (fcr.capacity_kw, fcr.room_kw) == (5.0, 10.0)
    afrr = offer_afrr(fcr, AFRRProvision(enabled=True, share=0.8))
    assert afrr.capacity_kw == pytest.approx(4.0)  # 0.8 of the 5 kW FCR leaves
    assert offer_afrr(fcr, AFRRProvision(enabled=True, max_kw=3.0)).capacity_kw == 3.0
    small = offer_afrr(fcr, AFRRProvision(enabled=True, min_kw=4.5))
    assert small.capacity_kw == 0.0 and "minimum bid size" in small.reason
    # FCR below its own minimum bid offers nothing: aFRR gets the whole room's share
    none = offer_band([12.0, 10.0], [15.0, 11.0], safety_factor=0.5, min_kw=6.0)
    assert offer_afrr(none, AFRRProvision(enabled=True)).capacity_kw == pytest.approx(8.0)


@given(
    room=st.floats(0.0, 1e4),
    safety=st.floats(0.01, 1.0),
    share=st.floats(0.01, 1.0),
    min_kw=st.floats(0.0, 100.0),
)
def test_fcr_and_afrr_never_exceed_the_room(
    room: float, safety: float, share: float, min_kw: float
) -> None:
    fcr = offer_band([room], [room], safety_factor=safety, min_kw=min_kw)
    afrr = offer_afrr(fcr, AFRRProvision(enabled=True, share=share, min_kw=min_kw))
    assert fcr.capacity_kw + afrr.capacity_kw <= room * (1 + 1e-12) + 1e-12
    assert afrr.capacity_kw == 0.0 or afrr.capacity_kw >= min_kw


def test_invalid_provision_names_field_and_value() -> None:
    with pytest.raises(ValueError, match=r"share=1\.5 must be in \(0, 1\]"):
        AFRRProvision(share=1.5)
    with pytest.raises(ValueError, match=r"unknown afrr key\(s\) \['sahre'\]"):
        AFRRProvision.from_dict({"sahre": 0.5})


EV_STATE: dict[str, Any] = {
    "plugged": np.array([1, 1, 0, 1], dtype=bool),
    "soc": np.array([0.5, 0.5, 0.5, 0.5]),
    "e_need_kwh": np.array([24.0, 24.0, 0.0, 24.0]),
    "departure_s": np.array([40 * 900, 40 * 900, -1, 40 * 900]),
    "p_max_kw": np.full(4, 11.0),
    "charger_idx": np.array([0, 1, -1, 3]),
}


def _aggregator(**create: Any) -> tuple[list[dict[str, Any]], AggregatorSim, str]:
    """Steps 03:00-04:15 local: the 04:00 block is offered at 03:45 and held from 04:00."""
    sim = AggregatorSim()
    sim.init("Agg-0", 1.0, step_s=900, start="2016-06-06T03:00:00+02:00", seed=[1])
    (ent,) = sim.create(1, "Aggregator", n_chargers=4, **create)
    eid = ent["eid"]
    attrs = ["fcr_capacity_kw", "afrr_capacity_kw", "fcr_band_kw", "afrr_band_kw", "p_set_kw"]
    out = []
    for k in range(6):
        state = {a: {"Fleet-0.Fleet_0": v} for a, v in EV_STATE.items()}
        sim.step(k * 900, {eid: state}, 0)
        out.append(sim.get_data({eid: attrs})[eid])
    return out, sim, eid


def test_aggregator_offers_afrr_from_the_room_fcr_leaves() -> None:
    fcr = {"enabled": True, "base_shape": "even", "safety_factor": 0.5}
    both, _, _ = _aggregator(fcr=fcr, afrr={"enabled": True, "share": 0.8})
    alone, _, _ = _aggregator(fcr=fcr)
    offer = both[3]  # 03:45: the offer for the 04:00 block
    assert offer["fcr_capacity_kw"] > 0
    # FCR is served first and unchanged; aFRR = 0.8 x (room - FCR) = 0.8 x FCR here
    assert offer["fcr_capacity_kw"] == alone[3]["fcr_capacity_kw"]
    assert offer["afrr_capacity_kw"] == pytest.approx(0.8 * offer["fcr_capacity_kw"])
    for a, b in zip(both, alone, strict=True):
        np.testing.assert_array_equal(a["p_set_kw"], b["p_set_kw"])
        np.testing.assert_array_equal(a["fcr_band_kw"], b["fcr_band_kw"])
        assert b["afrr_capacity_kw"] == 0.0 and not np.asarray(b["afrr_band_kw"]).any()
    # held from the block's first step, spread over the chargers like the FCR band
    held = both[4]
    assert np.asarray(held["afrr_band_kw"]).sum() == pytest.approx(offer["afrr_capacity_kw"])
    ratio = np.asarray(held["afrr_band_kw"]) / np.maximum(held["fcr_band_kw"], 1e-12)
    np.testing.assert_allclose(ratio[np.asarray(held["fcr_band_kw"]) > 0], 0.8)


# --- the coordinator ---------------------------------------------------------------------
def test_afrr_is_dispatched_after_fcr_on_what_fcr_leaves() -> None:
    # FCR takes 12 of the 16 kW up; aFRR asks 6 more: it gets the 4 kW FCR leaves (the
    # 2 kW beyond are not blocked by anyone: the fleet has no more)
    obs = observation(fcr_req_kw=12.0, afrr_req_kw=6.0)
    d = resolve(obs, "tso_first")
    assert d.fcr_served_kw == pytest.approx(12.0)
    np.testing.assert_allclose(d.p_fcr_kw, 3.0)
    np.testing.assert_allclose(d.p_afrr_kw, 1.0)
    assert d.afrr_served_kw == pytest.approx(4.0) and d.afrr_blocked_kw == 0.0
    np.testing.assert_allclose(d.p_adj_kw, 4.0)  # every charger at its top, never beyond
    # against FCR: aFRR takes down capacity, never by reversing FCR's move
    d = resolve(observation(fcr_req_kw=8.0, afrr_req_kw=-6.0), "tso_first")
    np.testing.assert_allclose(d.p_fcr_kw, 2.0)
    np.testing.assert_allclose(d.p_afrr_kw, -1.5)


def test_traffic_light_limits_afrr_to_the_headroom_fcr_leaves() -> None:
    # red zone 0 has 3 kW headroom: FCR fills it (1.5 + 1.5) and puts 2.5 + 2.5 on the
    # others; aFRR gets the 1.5 + 1.5 kW those have left, the red zone's 5 kW are blocked
    obs = observation(fcr_req_kw=8.0, afrr_req_kw=4.0, headroom_kw=[3.0, INF])
    d = resolve(obs, "traffic_light")
    assert d.fcr_served_kw == pytest.approx(8.0)
    assert d.p_adj_kw[:2].sum() == pytest.approx(3.0)
    np.testing.assert_allclose(d.p_afrr_kw, [0.0, 0.0, 1.5, 1.5], atol=1e-9)
    assert d.afrr_served_kw == pytest.approx(3.0) and d.afrr_blocked_kw == pytest.approx(1.0)
    kinds = count_by_kind(d.conflicts)
    assert kinds["afrr_aggravates_dso"] == 0
    # TSO-first pushes aFRR into the red zone beyond its headroom: counted as aFRR's
    d = resolve(obs, "tso_first")
    assert count_by_kind(d.conflicts)["afrr_aggravates_dso"] == 1


def test_afrr_conflict_kinds_by_hand() -> None:
    # double claim: zone 0 holds 2 x 1.5 kW FCR and 2 x 1 kW aFRR band, the DSO awards 4 kW
    # down of its 8 kW: 3 + 2 + 4 - 8 = 1 kW beyond, all of it the aFRR band's
    obs = observation(
        dso_req_kw=[-4.0, 0.0],
        fcr_band_kw=[1.5, 1.5, 0.0, 0.0],
        afrr_band_kw=[1.0, 1.0, 0.0, 0.0],
    )
    found = [(c.kind.value, c.zone, c.mw * 1e3) for c in resolve(obs, "tso_first").conflicts]
    assert found == [("afrr_double_claim", 0, pytest.approx(1.0))]
    # the same without the aFRR band: no claim by both
    clean = observation(dso_req_kw=[-4.0, 0.0], fcr_band_kw=[1.5, 1.5, 0.0, 0.0])
    assert resolve(clean, "tso_first").conflicts == ()
    # counteracts: the traffic light serves the red zone's 6 kW relief first; aFRR asks
    # 14 kW up and gets only the 8 kW of the other chargers (alone it would get 14)
    obs = observation(afrr_req_kw=14.0, dso_req_kw=[-6.0, 0.0], headroom_kw=[INF, INF])
    d = resolve(obs, "traffic_light")
    assert d.afrr_served_kw == pytest.approx(8.0)
    c = [x for x in d.conflicts if x.kind.value == "dso_counteracts_afrr"]
    assert [(x.zone, x.mw * 1e3) for x in c] == [(0, pytest.approx(6.0))]
    assert count_by_kind(d.conflicts)["dso_counteracts_tso"] == 0


def test_coordinator_adapter_takes_the_afrr_request_and_bands() -> None:
    sim = CoordinatorSim()
    sim.init("coord", step_s=900, seed=[1])
    (ent,) = sim.create(1, "Coordinator", zone_of_charger=[0, 0, 1, -1])
    eid = ent["eid"]
    four = [4.0, 4.0, 4.0, 4.0]
    attrs = {
        "p_base_kw": {"agg-0.Agg": [5.0, 5.0, 5.0, 5.0]},
        "p_up_kw": {"agg-0.Agg": four},
        "p_down_kw": {"agg-0.Agg": four},
        "fcr_p_req_kw": {"tso-0.TSO_0": 12.0},
        "afrr_p_req_kw": {"tso-0.TSO_0": 3.0, "tso-0.TSO_1": 3.0},  # summed over sources
        "afrr_band_kw": {"agg-0.Agg": [1.0, 1.0, 1.0, 1.0]},
    }
    sim.step(0, {eid: attrs})
    out = sim.get_data({eid: ["p_set_kw", "fcr_served_kw", "afrr_served_kw", "afrr_blocked_kw"]})
    got = out[eid]
    assert got["fcr_served_kw"] == pytest.approx(12.0)
    assert got["afrr_served_kw"] == pytest.approx(4.0) and got["afrr_blocked_kw"] == 0.0
    np.testing.assert_allclose(got["p_set_kw"], 9.0)  # every charger at 5 + 4 kW, its top


finite = st.floats(-30.0, 30.0)
caps = st.lists(st.floats(0.0, 11.0), min_size=4, max_size=4)


@settings(max_examples=60, deadline=None)
@given(
    up=caps,
    down=caps,
    fcr=finite,
    afrr=finite,
    dso=st.lists(st.floats(-8.0, 8.0), min_size=2, max_size=2),
    head=st.lists(st.one_of(st.just(INF), st.floats(-5.0, 20.0)), min_size=2, max_size=2),
    scheme=st.sampled_from(SCHEMES),
)
def test_afrr_never_beyond_flexibility_and_fcr_unchanged(
    up: list[float],
    down: list[float],
    fcr: float,
    afrr: float,
    dso: list[float],
    head: list[float],
    scheme: str,
) -> None:
    kw = {"p_up_kw": up, "p_down_kw": down, "fcr_req_kw": fcr, "dso_req_kw": dso}
    without = resolve(observation(**kw, headroom_kw=head), scheme)
    d = resolve(observation(**kw, headroom_kw=head, afrr_req_kw=afrr), scheme)
    tol = 1e-6
    # each charger stays within its flexibility with FCR, DSO and aFRR together
    assert (d.p_adj_kw <= np.asarray(up) + tol).all()
    assert (d.p_adj_kw >= -np.asarray(down) - tol).all()
    # aFRR: the request's direction, never beyond it; FCR and the DSO as without aFRR
    assert d.afrr_served_kw * afrr >= 0 and abs(d.afrr_served_kw) <= abs(afrr) + tol
    assert d.fcr_served_kw == without.fcr_served_kw
    np.testing.assert_array_equal(d.dso_served_kw, without.dso_served_kw)
    p_afrr = d.p_afrr_kw if d.p_afrr_kw.size else np.zeros(4)  # empty: no aFRR requested
    np.testing.assert_allclose(d.p_adj_kw - p_afrr, without.p_adj_kw, atol=1e-9)
    fcr_kinds = ("tso_aggravates_dso", "dso_counteracts_tso", "double_claim")
    a, b = count_by_kind(d.conflicts), count_by_kind(without.conflicts)
    assert [a[k] for k in fcr_kinds] == [b[k] for k in fcr_kinds]


# --- config ------------------------------------------------------------------------------
def test_config_errors_name_field_value_and_fix() -> None:
    path = ROOT / "scenarios" / "dso_tso_afrr.toml"
    with pytest.raises(ConfigError) as info:
        load_config(path, ["tso.enabled=false"])
    text = str(info.value)
    assert "aggregator.afrr" in text and "tso.enabled = true" in text
    with pytest.raises(ConfigError) as info:
        load_config(path, ["aggregator.afrr_share=1.5"])
    assert "aggregator.afrr_share" in str(info.value) and "1.5" in str(info.value)


# --- short scenario runs -----------------------------------------------------------------
SHORT = ['scenario.until="1d"', "scenario.progress=false"]


def _afrr_family(*extra: str) -> dict[str, Any]:
    return load_family(ROOT / "scenarios" / "dso_tso_afrr_family.toml", [*SHORT, *extra]).variants


def _run(cfg: Any, out: Path) -> Path:
    outcome = dso_tso.run(cfg, out=out, progress=False)
    assert outcome.status == "complete" and outcome.path is not None, outcome.message
    return outcome.path


def test_one_day_afrr_is_delivered_and_settled(tmp_path: Path) -> None:
    cfg = _afrr_family("dso.loading_limit_pct=100.0")["tso_first"]
    run = open_run(_run(cfg, tmp_path / "afrr.h5"))
    k = {x.name: x.value for x in comparison_kpis(run)}
    assert k["afrr_revenue_eur_ev_year"] > 0 and k["fcr_revenue_eur_ev_year"] > 0
    assert k["afrr_requested_kwh"] > 10.0
    # unconstrained: delivered as requested (one step's lag between the two sums)
    assert k["afrr_shortfall_kwh"] < 1e-6 and k["afrr_penalty_eur"] == 0.0
    assert k["afrr_delivered_kwh"] == pytest.approx(k["afrr_requested_kwh"], rel=0.1)
    assert k["ev_energy_unserved_kwh"] < 1e-3


def test_afrr_revenue_counts_the_recorded_window_only(tmp_path: Path) -> None:
    # the same simulated span recorded from its start: its revenue series at the end of
    # the warm-up is what the windowed run must leave out
    cfg = _afrr_family()["tso_first"]
    windowed = open_run(_run(cfg, tmp_path / "w.h5"))
    full_cfg = _afrr_family(
        'scenario.warmup="0s"', 'scenario.until="2d"', 'scenario.start="2016-01-10T00:00:00+01:00"'
    )["tso_first"]
    full = open_run(_run(full_cfg, tmp_path / "f.h5"))
    rev = full.get("TSO", "afrr_revenue_eur").to_numpy().ravel()
    n = len(rev) // 2
    revenue, _ = afrr_window_eur(windowed)
    last = windowed.get("TSO", "afrr_revenue_eur").to_numpy().ravel()[-1]
    assert last == pytest.approx(rev[-1])  # the same run
    assert revenue == pytest.approx(rev[-1] - rev[n - 1])


def test_afrr_off_or_never_activated_changes_nothing_else(tmp_path: Path) -> None:
    # aFRR offered and paid but never activated (zero setpoint): every dataset of the run
    # without aFRR is the same, and only aFRR's own series and conflicts are added
    base = _afrr_family("tso.afrr_sigma=0.0")["tso_first"]
    off = _afrr_family("aggregator.afrr=false")["tso_first"]
    a = datasets(_run(base, tmp_path / "on.h5"))
    b = datasets(_run(off, tmp_path / "off.h5"))
    assert set(b) <= set(a)
    extra = sorted(set(a) - set(b))
    assert extra and all("afrr" in name for name in extra), extra
    kinds = [k.decode() if isinstance(k, bytes) else k for k in a["tables/conflicts/kind"]]
    keep = np.array([not k.startswith("afrr") for k in kinds])
    for name in b:
        x, y = a[name], b[name]
        if name.startswith("tables/conflicts/"):
            x = x[keep]
        np.testing.assert_array_equal(x, y, err_msg=name)

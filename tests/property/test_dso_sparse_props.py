"""The sparse DSO topology, zones and shares answer exactly as brute-force dense tables do.

Random radial trees (lines and trafos anywhere, parallel elements, an unsupplied island),
random chargers, zones, baselines and loadings. The reference builds the dense element ×
bus and element × charger tables from networkx descendants and applies the dense formulas
the operator used before the tables became sparse.
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from controllers.dso.cover import ChargerCover
from controllers.dso.curtailment import interruptible_limits, release_limits, water_fill_level
from controllers.dso.market import forecast_loading, zone_relief_kw
from controllers.dso.signals import HEADROOM_UNCONSTRAINED_KW, traffic_light
from controllers.dso.topology import GridTopology, build_topology
from controllers.dso.zones import ZoneMap, feeder_zones

SLACK = 10_000
ISLAND = (20_000, 20_001)


@st.composite
def grids(draw: st.DrawFn) -> dict[str, Any]:
    """A radial tree below a slack bus, as build_topology keywords plus the tree itself."""
    n = draw(st.integers(1, 40))
    parent = [draw(st.integers(0, i - 1)) for i in range(1, n)]
    is_trafo = [draw(st.booleans()) and draw(st.booleans()) for _ in parent]
    doubled = [draw(st.integers(0, 9)) == 0 for _ in parent]
    ids = draw(st.permutations(range(n)))
    bus = [3 * int(i) + 1 for i in ids]  # original ids: neither rows nor contiguous
    island = draw(st.booleans())
    edges = [(bus[p], bus[i + 1], t) for i, (p, t) in enumerate(zip(parent, is_trafo, strict=True))]
    edges += [
        (bus[p], bus[i + 1], t)
        for i, (p, t, d) in enumerate(zip(parent, is_trafo, doubled, strict=True))
        if d
    ]
    lines = [(a, b) for a, b, t in edges if not t] + ([ISLAND] if island else [])
    trafos = [(SLACK, bus[0])] + [(a, b) for a, b, t in edges if t]
    lines = draw(st.permutations(lines))
    trafos = [trafos[0], *draw(st.permutations(trafos[1:]))]
    bus_ids = draw(st.permutations([*bus, SLACK, *(ISLAND if island else ())]))
    kw = {
        "bus_id": list(bus_ids),
        "line_id": [100 + i for i in range(len(lines))],
        "line_from_bus_id": [a for a, _ in lines],
        "line_to_bus_id": [b for _, b in lines],
        "line_max_i_ka": [0.1 + 0.01 * i for i in range(len(lines))],
        "line_vn_kv": [0.4] * len(lines),
        "trafo_id": [500 + i for i in range(len(trafos))],
        "trafo_hv_bus_id": [a for a, _ in trafos],
        "trafo_lv_bus_id": [b for _, b in trafos],
        "trafo_sn_kva": [250.0 + i for i in range(len(trafos))],
        "root_bus_id": [SLACK],
    }
    tree = nx.DiGraph([(SLACK, bus[0])] + [(bus[p], bus[i + 1]) for i, p in enumerate(parent)])
    return {"kw": kw, "tree": tree}


def dense_downstream(g: dict[str, Any]) -> np.ndarray:
    """(E, B): the far end of each element and everything below it in the tree."""
    kw, tree = g["kw"], g["tree"]
    ends = list(zip(kw["line_from_bus_id"], kw["line_to_bus_id"], strict=True))
    ends += list(zip(kw["trafo_hv_bus_id"], kw["trafo_lv_bus_id"], strict=True))
    out = np.zeros((len(ends), len(kw["bus_id"])), dtype=bool)
    for e, (_, b) in enumerate(ends):
        if b in tree:
            below = {b} | nx.descendants(tree, b)
            out[e] = [x in below for x in kw["bus_id"]]
    return out


def dense_zone_map(mask: np.ndarray, zc: np.ndarray, n_zone: int) -> dict[str, np.ndarray]:
    onehot = np.zeros((zc.size, n_zone))
    onehot[np.flatnonzero(zc >= 0), zc[zc >= 0]] = 1.0
    return {"count": mask.astype(float) @ onehot, "size": onehot.sum(axis=0)}


def dense_shares(ref: dict[str, np.ndarray], baseline: Any) -> np.ndarray:
    def norm(w: np.ndarray) -> np.ndarray:
        total = w.sum(axis=1, keepdims=True)
        return np.divide(w, total, out=np.zeros_like(w), where=total > 0)

    count, size = ref["count"], np.broadcast_to(ref["size"], ref["count"].shape)
    by_count = norm(count)
    if baseline is None:
        return by_count
    frac = np.divide(count, size, out=np.zeros_like(count), where=size > 0)
    by_base = frac * np.clip(np.nan_to_num(np.asarray(baseline, dtype=float)), 0.0, None)
    return np.where((by_base.sum(axis=1) > 0)[:, None], norm(by_base), by_count)


def dense_feeder_owner(topo: GridTopology, down: np.ndarray) -> np.ndarray:
    """Per bus, the deepest feeder head or trafo upstream of it (-1: none), brute force."""
    size, depth = down.sum(axis=1), down.sum(axis=0)
    is_line = topo.element_kind == "line"
    heads = []
    for e in np.flatnonzero(is_line & (size > 0)):
        rows = np.flatnonzero(down[e])
        far = rows[np.argmin(depth[rows])]
        above = down[:, far] & (size > size[e])
        if not above.any() or not is_line[np.flatnonzero(above)[np.argmin(size[above])]]:
            heads.append(e)
    cand = np.array(heads + np.flatnonzero(~is_line).tolist(), dtype=np.int64)
    weight = np.where(down[cand], size[cand][:, None], np.iinfo(np.int64).max)
    best = cand[np.argmin(weight, axis=0)]
    return np.where(down[cand].any(axis=0), best, -1)


finite = st.floats(0.0, 1e3, allow_nan=False)
values = st.one_of(st.floats(-50.0, 1e3), st.just(np.nan), st.just(0.0))


@settings(max_examples=150, deadline=None)
@given(grids(), st.data())
def test_intervals_and_feeder_zones_match_the_dense_tables(g: dict[str, Any], data: Any) -> None:
    topo = build_topology(**g["kw"])
    down = dense_downstream(g)
    np.testing.assert_array_equal(topo.downstream_matrix().toarray(), down)
    np.testing.assert_array_equal(topo.n_downstream_bus, down.sum(axis=1))
    bus_ids = g["kw"]["bus_id"]
    chargers = data.draw(st.lists(st.sampled_from(bus_ids), max_size=30))
    rows = topo.bus_rows(chargers)
    cover = topo.charger_cover(chargers)
    mask = down[:, rows]
    np.testing.assert_array_equal(cover.toarray(), mask)
    np.testing.assert_array_equal(cover.count(), mask.sum(axis=1))
    sel = np.asarray(
        data.draw(st.lists(st.booleans(), min_size=mask.shape[0], max_size=mask.shape[0]))
    )
    np.testing.assert_array_equal(cover.any_of(sel), mask[sel].any(axis=0))
    if not chargers:
        return
    zones = feeder_zones(topo, chargers)
    owner = dense_feeder_owner(topo, down)
    used = sorted(np.unique(owner[rows]).tolist(), key=lambda e: (e < 0, e))
    assert zones.element.tolist() == used
    assert [used[z] for z in zones.zone_of_charger] == owner[rows].tolist()
    for z, e in enumerate(used):
        assert zones.buses[z] == tuple(int(b) for b in topo.bus_id[owner == e])


@settings(max_examples=150, deadline=None)
@given(grids(), st.data())
def test_shares_light_and_relief_are_bit_identical_to_dense(g: dict[str, Any], data: Any) -> None:
    topo = build_topology(**g["kw"])
    down = dense_downstream(g)
    n_ch = data.draw(st.integers(1, 40))
    chargers = data.draw(st.lists(st.sampled_from(g["kw"]["bus_id"]), min_size=n_ch, max_size=n_ch))
    n_zone = data.draw(st.integers(1, 30))
    zc = np.asarray(data.draw(st.lists(st.integers(-1, n_zone - 1), min_size=n_ch, max_size=n_ch)))
    cover = topo.charger_cover(chargers)
    mask = down[:, topo.bus_rows(chargers)]
    zm, ref = ZoneMap.build(cover, zc, n_zone), dense_zone_map(mask, zc, n_zone)
    np.testing.assert_array_equal(zm.count.toarray(), ref["count"])
    np.testing.assert_array_equal(zm.behind.toarray(), ref["count"] > 0)
    baseline = data.draw(st.one_of(st.none(), st.lists(values, min_size=n_zone, max_size=n_zone)))
    shares = dense_shares(ref, baseline)
    np.testing.assert_array_equal(zm.shares(baseline).toarray(), shares)  # bit-identical
    n_e = topo.n_element
    loading = np.asarray(data.draw(st.lists(values, min_size=n_e, max_size=n_e)))
    forecast = np.asarray(data.draw(st.lists(values, min_size=n_e, max_size=n_e)))
    light = traffic_light(
        loading, forecast, rating_kva=topo.rating_kva, mask=cover, zone_map=zm, baseline_kw=baseline
    )
    red = (np.nan_to_num(loading, nan=-1) > 90.0) | (np.nan_to_num(forecast, nan=-1) > 100.0)
    np.testing.assert_array_equal(light.congested_mask, mask[red].any(axis=0))
    head_e = (100.0 - np.fmax(loading, forecast)) / 100.0 * topo.rating_kva
    share = shares * head_e[:, None]
    usable = (ref["count"] > 0) & np.isfinite(share)
    head_z = np.where(usable, share, np.inf).min(axis=0, initial=np.inf)
    np.testing.assert_array_equal(light.headroom_kw, np.minimum(head_z, HEADROOM_UNCONSTRAINED_KW))
    over_kw = np.clip(np.nan_to_num(loading - 95.0), 0.0, None) / 100.0 * topo.rating_kva
    relief = np.zeros(n_zone)
    if over_kw.max(initial=0.0) > 0:
        hot = over_kw > 0
        relief = (shares[hot] * over_kw[hot, None]).max(axis=0)
    got = zone_relief_kw(
        loading[None, :],
        rating_kva=topo.rating_kva,
        zone_map=zm,
        baseline_kw=None if baseline is None else np.asarray(baseline)[None, :],
        threshold_pct=95.0,
    )
    np.testing.assert_array_equal(got[0], relief)
    frac = np.divide(
        ref["count"], ref["size"], out=np.zeros_like(ref["count"]), where=ref["size"] > 0
    )
    delta = np.asarray(data.draw(st.lists(finite, min_size=n_zone, max_size=n_zone)))
    sparse_fc = forecast_loading(
        np.full((1, n_e), 50.0),
        baseline_ref_kw=np.zeros((1, n_zone)),
        baseline_new_kw=delta[None, :],
        rating_kva=topo.rating_kva,
        fraction=zm.fraction(),
    )
    dense_fc = 50.0 + 100.0 * (delta[None, :] @ frac.T) / topo.rating_kva
    np.testing.assert_allclose(sparse_fc, dense_fc, rtol=1e-12, atol=1e-12)


@settings(max_examples=150, deadline=None)
@given(grids(), st.data())
def test_curtailment_caps_are_bit_identical_to_dense(g: dict[str, Any], data: Any) -> None:
    topo = build_topology(**g["kw"])
    down = dense_downstream(g)
    n_ch = data.draw(st.integers(1, 30))
    chargers = data.draw(st.lists(st.sampled_from(g["kw"]["bus_id"]), min_size=n_ch, max_size=n_ch))
    cover = topo.charger_cover(chargers)
    mask = down[:, topo.bus_rows(chargers)]
    n_e = topo.n_element
    p_kw = np.asarray(data.draw(st.lists(st.floats(0.0, 22.0), min_size=n_ch, max_size=n_ch)))
    shed = np.asarray(
        data.draw(st.lists(st.one_of(st.just(0.0), finite), min_size=n_e, max_size=n_e))
    )
    want = np.full(n_ch, np.inf)
    for e in np.flatnonzero(shed > 0):
        want[mask[e]] = np.minimum(want[mask[e]], water_fill_level(p_kw[mask[e]], shed[e]))
    np.testing.assert_array_equal(interruptible_limits(shed, cover, p_kw), want)
    prev = np.asarray(
        data.draw(
            st.lists(st.one_of(st.just(np.nan), st.floats(0.0, 22.0)), min_size=n_ch, max_size=n_ch)
        )
    )
    head = np.asarray(data.draw(st.lists(finite, min_size=n_e, max_size=n_e)))
    rated = np.full(n_ch, 22.0)
    capped = ~np.isnan(prev)
    n_capped = (mask & capped).sum(axis=1)
    share = np.where(n_capped > 0, head / np.maximum(n_capped, 1), np.inf)
    room = np.where(mask, share[:, None], np.inf).min(axis=0, initial=np.inf)
    raised = prev + np.minimum(1.0, room)
    want_kept = np.where(raised >= rated, np.nan, raised) if capped.any() else prev
    got = release_limits(prev, headroom_kw=head, mask=cover, release_kw=1.0, p_rated_kw=rated)
    np.testing.assert_array_equal(got, want_kept)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12), st.integers(1, 300), st.integers(0, 2**32 - 1))
def test_shares_of_wide_rows_round_like_the_dense_sum(n_e: int, n_zone: int, seed: int) -> None:
    # wide rows (an MV line over hundreds of zones) are where summation order shows
    rng = np.random.default_rng(seed)
    n_ch = 4 * n_zone
    mask = rng.random((n_e, n_ch)) < rng.random((n_e, 1))
    zc = rng.integers(-1, n_zone, n_ch)
    baseline = rng.lognormal(0.0, 3.0, n_zone) * (rng.random(n_zone) < 0.8)
    zm, ref = ZoneMap.build(mask, zc, n_zone), dense_zone_map(mask, zc, n_zone)
    np.testing.assert_array_equal(zm.shares(baseline).toarray(), dense_shares(ref, baseline))
    np.testing.assert_array_equal(zm.shares(None).toarray(), dense_shares(ref, None))


@settings(max_examples=150, deadline=None)
@given(grids(), st.data())
def test_nested_min_upstream_matches_the_generic_sparse_one(g: dict[str, Any], data: Any) -> None:
    topo = build_topology(**g["kw"])
    chargers = data.draw(st.lists(st.sampled_from(g["kw"]["bus_id"]), min_size=1, max_size=30))
    cover = topo.charger_cover(chargers)
    assert cover.nesting is not None
    generic = ChargerCover.from_mask(cover.toarray())
    n_e = topo.n_element
    value = np.asarray(data.draw(st.lists(st.floats(-1e3, 1e3), min_size=n_e, max_size=n_e)))
    want = np.where(cover.toarray(), value[:, None], np.inf).min(axis=0, initial=np.inf)
    np.testing.assert_array_equal(cover.min_upstream(value), want)
    np.testing.assert_array_equal(generic.min_upstream(value), want)


@settings(max_examples=150, deadline=None)
@given(grids(), st.data())
def test_row_sums_over_a_radial_grid_use_runs_and_equal_the_dense_sums(
    g: dict[str, Any], data: Any
) -> None:
    topo = build_topology(**g["kw"])
    chargers = data.draw(st.lists(st.sampled_from(g["kw"]["bus_id"]), min_size=1, max_size=30))
    mask = topo.charger_cover(chargers).toarray()
    x = np.asarray(
        data.draw(st.lists(st.floats(-1e3, 1e3), min_size=len(chargers), max_size=len(chargers)))
    )
    want = np.where(mask, x[None, :], 0.0).sum(axis=1)
    for cover in (topo.charger_cover(chargers), ChargerCover.from_mask(mask)):
        np.testing.assert_allclose(cover.row_sums(x), want, rtol=1e-12, atol=1e-9)
        # the cover from the mask alone finds a charger order too (as the coordinator's does)
        assert cover.spans


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_row_sums_of_any_mask_equal_the_dense_sums(data: Any) -> None:
    n_e, n_c = data.draw(st.integers(1, 8)), data.draw(st.integers(1, 12))
    mask = np.asarray(data.draw(st.lists(st.booleans(), min_size=n_e * n_c, max_size=n_e * n_c)))
    mask = mask.reshape(n_e, n_c)
    x = np.asarray(data.draw(st.lists(st.floats(-1e3, 1e3), min_size=n_c, max_size=n_c)))
    cover = ChargerCover.from_mask(mask)
    want = np.where(mask, x[None, :], 0.0).sum(axis=1)
    np.testing.assert_allclose(cover.row_sums(x), want, rtol=1e-12, atol=1e-9)
    if cover.spans:  # an order was found: each row is one run in it
        order, lo, hi = cover.spans
        for e in range(n_e):
            assert sorted(order[lo[e] : hi[e]].tolist()) == np.flatnonzero(mask[e]).tolist()

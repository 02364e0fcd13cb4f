"""Every config mistake that used to pass `cosim check` and fail in `run` is caught at load."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cosim.config import load_config, parse_config
from cosim.errors import ConfigError
from cosim.family import load_family

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "scenarios" / "base.toml"
FRAMEWORKS = ROOT / "scenarios" / "frameworks.toml"
DSO_TSO = ROOT / "scenarios" / "dso_tso.toml"

# frameworks.toml runs 2016-01-10 00:00+01:00 (warm-up) to 2016-01-18 00:00+01:00
_PRICE_HEAD = "timestamp,price_eur_mwh\n"
_FREQ_HEAD = "timestamp,f_hz\n"
_T0 = "2016-01-09T00:00:00+01:00"
_T1 = "2016-01-20T00:00:00+01:00"


def _csv(tmp: Path, name: str, text: str) -> str:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _dynamic(csv: str) -> list[str]:
    return ['tariff.kind="dynamic"', f'tariff.prices_csv="{csv}"']


def _freq(csv: str) -> list[str]:
    return [f'tso.frequency_csv="{csv}"']


#: (config file, overrides given the tmp folder, expected path, a fragment of the message)
CASES: dict[str, tuple[Path, Callable[[Path], list[str]], str, str]] = {
    "unknown ToU preset": (BASE, lambda t: ['tariff.tou="nosuch"'], "tariff.tou", "fr_hphc"),
    "unknown price preset": (
        BASE,
        lambda t: ['tariff.synthetic="nosuch"'],
        "tariff.synthetic",
        "de_lu_2023",
    ),
    "unknown frequency preset": (
        BASE,
        lambda t: ['tso.frequency="nosuch"'],
        "tso.frequency",
        "presets: ce",
    ),
    "bad capacity charge": (
        BASE,
        lambda t: ["tariff.capacity={mode='peak', colour=1}"],
        "tariff.capacity",
        "colour",
    ),
    "missing price CSV": (
        FRAMEWORKS,
        lambda t: _dynamic(str(t / "none.csv")),
        "tariff.prices_csv",
        "no such price CSV",
    ),
    "price CSV with NaN": (
        FRAMEWORKS,
        lambda t: _dynamic(_csv(t, "p.csv", f"{_PRICE_HEAD}{_T0},50\n{_T1},nan\n")),
        "tariff.prices_csv",
        "row 3",
    ),
    "price CSV with wrong columns": (
        FRAMEWORKS,
        lambda t: _dynamic(_csv(t, "p.csv", f"time,price\n{_T0},50\n")),
        "tariff.prices_csv",
        "missing column",
    ),
    "price CSV too short": (
        FRAMEWORKS,
        lambda t: _dynamic(_csv(t, "p.csv", f"{_PRICE_HEAD}{_T0},50\n")),
        "tariff.prices_csv",
        "but the run (warm-up included) needs 2016-01-09 23:00",
    ),
    "empty price CSV": (
        FRAMEWORKS,
        lambda t: _dynamic(_csv(t, "p.csv", "")),
        "tariff.prices_csv",
        "timestamp,price_eur_mwh",
    ),
    "missing frequency CSV": (
        DSO_TSO,
        lambda t: _freq(str(t / "none.csv")),
        "tso.frequency_csv",
        "no such frequency CSV",
    ),
    "frequency CSV with NaN": (
        DSO_TSO,
        lambda t: _freq(_csv(t, "f.csv", f"{_FREQ_HEAD}{_T0},50\n{_T1},nan\n")),
        "tso.frequency_csv",
        "finite",
    ),
    "frequency CSV with wrong columns": (
        DSO_TSO,
        lambda t: _freq(_csv(t, "f.csv", f"timestamp,hz\n{_T0},50\n{_T1},50\n")),
        "tso.frequency_csv",
        "missing column",
    ),
    "frequency CSV with one row": (
        DSO_TSO,
        lambda t: _freq(_csv(t, "f.csv", f"{_FREQ_HEAD}{_T0},50\n")),
        "tso.frequency_csv",
        "at least 2 rows",
    ),
    "frequency CSV too short": (
        DSO_TSO,
        lambda t: _freq(_csv(t, "f.csv", f"{_FREQ_HEAD}{_T0},50\n2016-01-09T00:00:10+01:00,50\n")),
        "tso.frequency_csv",
        "covers",
    ),
    "frequency CSV in mHz": (
        DSO_TSO,
        lambda t: _freq(_csv(t, "f.csv", f"{_FREQ_HEAD}{_T0},-20\n{_T1},15\n")),
        "tso.frequency_csv",
        "not a grid frequency in Hz",
    ),
    "unknown segment field": (
        BASE,
        lambda t: ["fleet.segment.workplace.bogus=1"],
        "fleet.segment.workplace.bogus",
        "allowed: name, alpha",
    ),
    "reversed soc_init range": (
        BASE,
        lambda t: ["fleet.segment.workplace.soc_init=[0.9, 0.3]"],
        "fleet.segment.workplace.soc_init",
        "low <= high",
    ),
    "segment number as boolean": (
        BASE,
        lambda t: ["fleet.segment.company_fleet.p_opt_out=true"],
        "fleet.segment.company_fleet.p_opt_out",
        "must be a number",
    ),
    "S rated below P rated": (BASE, lambda t: ["evse.s_rated_kva=5"], "evse.s_rated_kva", ">= 11"),
    "simulator module missing": (
        BASE,
        lambda t: ['simulators.evse.impl="nosuchpkg.mod:Cls"'],
        "simulators.evse.impl",
        "cannot import module 'nosuchpkg.mod'",
    ),
    "simulator class missing": (
        BASE,
        lambda t: ['simulators.evse.impl="simulators.evse.adapter:Nope"'],
        "simulators.evse.impl",
        "EVSESim",
    ),
    "missing network JSON": (
        BASE,
        lambda t: [f'grid.network="{t / "net.json"}"'],
        "grid.network",
        "no such pandapower JSON",
    ),
    "unknown pandapower network": (
        BASE,
        lambda t: ['grid.network="pandapower:mv_oberrein"'],
        "grid.network",
        "mv_oberrhein",
    ),
    "seed beyond 64 bits": (
        BASE,
        lambda t: ["scenario.seed=99999999999999999999"],
        "scenario.seed",
        "0 to 2**63 - 1",
    ),
    "negative seed": (BASE, lambda t: ["scenario.seed=-1"], "scenario.seed", "0 to 2**63 - 1"),
    "seed as boolean": (BASE, lambda t: ["scenario.seed=true"], "scenario.seed", "integer"),
    "start in year 1": (
        BASE,
        lambda t: ['scenario.start="0001-01-01T00:00:00+00:00"'],
        "scenario.start",
        "1900-01-01",
    ),
    "start in year 9999": (
        BASE,
        lambda t: ['scenario.start="9999-06-01T00:00:00+00:00"'],
        "scenario.start",
        "2200-01-01",
    ),
    "run ends after 2200": (
        BASE,
        lambda t: ['scenario.start="2199-12-30T00:00:00+00:00"'],
        "scenario.start",
        "the run ends 2200-01-06",
    ),
    "script outside scenarios": (
        BASE,
        lambda t: ['scenario.script="../../etc/passwd"'],
        "scenario.script",
        "valid: base, frameworks, dso_tso",
    ),
    "aggregator unused by base": (
        BASE,
        lambda t: ["aggregator.enabled=true", 'aggregator.policy="cost_min"'],
        "aggregator.enabled",
        "scenarios/frameworks.toml",
    ),
    "tariff unused by base": (
        BASE,
        lambda t: ["tariff.enabled=true"],
        "tariff.enabled",
        "does not use it",
    ),
    "TSO unused by frameworks": (
        FRAMEWORKS,
        lambda t: ["tso.enabled=true"],
        "tso.enabled",
        "dso_tso",
    ),
    "horizon not whole steps": (
        BASE,
        lambda t: ["scenario.until=1000"],
        "scenario.until",
        "use 900 (15min) or 1800 (30min)",
    ),
    "warm-up not whole steps": (
        BASE,
        lambda t: ['scenario.warmup="20min"'],
        "scenario.warmup",
        "use 900 (15min) or 1800 (30min)",
    ),
    "fractional seconds": (BASE, lambda t: ['scenario.step="1.5s"'], "scenario.step", "whole"),
    "absurd horizon": (
        BASE,
        lambda t: ['scenario.until="99999999999999999999d"'],
        "scenario.until",
        "allowed: 1 s to",
    ),
    "number as boolean": (
        BASE,
        lambda t: ["fleet.evs_per_household=true"],
        "fleet.evs_per_household",
        "valid number",
    ),
    "string as boolean": (BASE, lambda t: ['record.float32="yes"'], "record.float32", "boolean"),
    "string as integer": (BASE, lambda t: ['record.buffer_steps="96"'], "record.buffer_steps", ""),
    "NaN as number": (BASE, lambda t: ["fleet.alpha=nan"], "fleet.alpha", ""),
    "frequency step not dividing the step": (
        DSO_TSO,
        lambda t: ["tso.f_step_s=7"],
        "tso.f_step_s",
        "valid: 1, 2, 3, 4, 5, 6, 9, 10",
    ),
    "results name with a slash": (
        BASE,
        lambda t: ['scenario.name="a/b"'],
        "scenario.name",
        "",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_mistake_is_reported_at_load_with_its_path(case: str, tmp_path: Path) -> None:
    config, overrides, path, fragment = CASES[case]
    with pytest.raises(ConfigError) as info:
        load_config(config, overrides(tmp_path))
    found = {p.path: p.message for p in info.value.problems}
    assert list(found) == [path], str(info.value)
    assert fragment in found[path]
    assert path in str(info.value)


def test_good_price_and_frequency_files_pass(tmp_path: Path) -> None:
    prices = _csv(tmp_path, "p.csv", f"{_PRICE_HEAD}{_T0},50\n{_T1},60\n")
    cfg = load_config(FRAMEWORKS, _dynamic(prices))
    assert cfg.tariff.prices_csv == prices
    freq = _csv(tmp_path, "f.csv", f"{_FREQ_HEAD}{_T0},50.01\n{_T1},49.99\n")
    assert load_config(DSO_TSO, _freq(freq)).tso.frequency_csv == freq


def test_presets_are_not_checked_for_a_users_own_simulator() -> None:
    cfg = parse_config(
        {"tariff": {"tou": "my_preset"}, "simulators": {"tariff": "collections:OrderedDict"}}
    )
    assert cfg.tariff.tou == "my_preset"


def test_several_mistakes_in_one_file_are_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        "[scenario]\nseed = true\nuntil = 1000\n"
        "[fleet]\nevs_per_household = true\n"
        "[fleet.segment.workplace]\nbogus = 1\nsoc_init = [0.9, 0.3]\n"
        "[evse]\ns_rated_kva = 5.0\n"
        '[tariff]\nenabled = true\ntou = "nosuch"\n'
        '[aggregator]\nenabled = true\npolicy = "cost_min"\n'
        '[record]\nfloat32 = "yes"\n'
        '[simulators]\nevse = "nosuchpkg.mod:Cls"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert {p.path for p in info.value.problems} == {
        "scenario.seed",
        "scenario.until",
        "fleet.evs_per_household",
        "fleet.segment.workplace.bogus",
        "evse.s_rated_kva",
        "tariff.tou",
        "tariff.enabled",
        "aggregator.enabled",
        "record.float32",
        "simulators.evse.impl",
    }


def test_a_rule_reading_a_broken_field_is_skipped_not_misled() -> None:
    # an unknown script cannot say which sections it uses: no 'unused section' guess
    with pytest.raises(ConfigError) as info:
        parse_config({"scenario": {"script": "nosuch"}, "tariff": {"enabled": True}})
    assert [p.path for p in info.value.problems] == ["scenario.script"]


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe[\x00s\x00c\x00]\x00", "[scenario]\nname = 'é'\n".encode("utf-16"), b"\x00\x9f\x92"],
)
def test_non_utf8_file_is_named_and_explained(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "scenario.toml"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match="must be UTF-8 encoded TOML") as info:
        load_config(path)
    assert str(path) in str(info.value)


def test_utf8_with_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "scenario.toml"
    path.write_bytes("[scenario]\nname = 'bom'\n".encode("utf-8-sig"))
    assert load_config(path).scenario.name == "bom"


def _shipped(kind: str) -> list[Path]:
    files = sorted((ROOT / "scenarios").glob("*.toml"))
    family = [f for f in files if f.stem.endswith("_family")]
    return family if kind == "family" else [f for f in files if f not in family]


@pytest.mark.parametrize("path", _shipped("scenario"), ids=lambda p: p.name)
def test_every_shipped_scenario_file_loads(path: Path) -> None:
    assert load_config(path).scenario.name


@pytest.mark.parametrize("path", _shipped("family"), ids=lambda p: p.name)
def test_every_shipped_family_file_loads(path: Path) -> None:
    import tomllib

    if "sweep" in tomllib.loads(path.read_text(encoding="utf-8")):
        from cosim.sweep_plan import load_sweep

        assert load_sweep(path).runs  # every run of the grid validated
    else:
        assert load_family(path).variants


@settings(max_examples=60, deadline=None)
@given(step_s=st.integers(1, 3600), until_s=st.integers(1, 10 * 86_400))
def test_horizon_is_accepted_iff_whole_steps(step_s: int, until_s: int) -> None:
    data = {"scenario": {"step": step_s, "until": until_s, "warmup": 0}}
    if until_s % step_s == 0:
        assert parse_config(data).scenario.until_s == until_s
        return
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    (problem,) = info.value.problems
    suggested = [int(w) for w in problem.message.split("use ")[1].split() if w.isdigit()]
    assert suggested and all(v % step_s == 0 and abs(v - until_s) < step_s for v in suggested)

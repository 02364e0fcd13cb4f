"""Statistics of a sweep across seeds: KPI mean, spread and 95 % CI per variant and parameter.

Reads the run files a sweep wrote (``<out_dir>/<run_id>.h5``) and its manifest
(``sweep_manifest.json``: variant, parameter values and seed of each run), computes each
run's KPIs with :func:`results.compare.comparison_kpis` (which includes
:func:`results.kpis.summary_kpis`), then aggregates across seeds.

Which variant differences are real? :func:`compare_variants` tests each pair of variants at
each parameter point with a **paired** t-test on the seeds both completed. Every variant
runs the same seeds (same fleet, trips and background load: common random numbers), so the
seed-to-seed spread that both share cancels in the per-seed difference; a Welch test (used
when fewer than two seeds are shared) ignores that pairing and overlapping 95 % CIs are
more conservative still (two CIs can overlap while the difference is significant at
p ≈ 0.005). p-values are Holm-corrected over the pairs of one KPI at one point.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

from cosim.sweep_run import MANIFEST
from results.compare import comparison_kpis
from results.reader import open_run

__all__ = [
    "collect_kpis",
    "compare_variants",
    "kpi_stats",
    "load_manifest",
    "plot_stats",
    "save_stats",
]

log = logging.getLogger(__name__)

_KPI_COLS = ["kpi", "label", "unit"]


def load_manifest(out_dir: str | Path) -> dict[str, Any]:
    """The sweep manifest written by :func:`cosim.sweep_run.run_sweep`."""
    path = Path(out_dir) / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"no {MANIFEST} in {out_dir}; run `cosim sweep` there first")
    return dict(json.loads(path.read_text(encoding="utf-8")))


def collect_kpis(out_dir: str | Path) -> pd.DataFrame:
    """Every KPI of every complete run of a sweep, one row per run and KPI (long form).

    Columns: ``run_id``, ``variant``, one column per swept field (named by its path),
    ``seed``, ``kpi``, ``label``, ``unit``, ``value``. Runs whose file is missing or not
    complete are left out (logged), so the statistics count only finished runs.
    """
    out = Path(out_dir)
    manifest = load_manifest(out)
    params = list(manifest.get("params", {}))
    rows: list[dict[str, Any]] = []
    for entry in manifest["runs"]:
        path = out / entry["file"]
        run = open_run(path) if path.is_file() else None
        if run is None or run.status != "complete":
            log.warning("leaving out %s: %s", entry["run_id"], run.status if run else "no file")
            continue
        head = {"run_id": entry["run_id"], "variant": entry["variant"]}
        head |= {p: _cell(entry["params"].get(p)) for p in params}
        head["seed"] = entry["seed"]
        for kpi in comparison_kpis(run):
            rows.append(
                head | {"kpi": kpi.name, "label": kpi.label, "unit": kpi.unit, "value": kpi.value}
            )
    columns = ["run_id", "variant", *params, "seed", *_KPI_COLS, "value"]
    frame = pd.DataFrame(rows, columns=columns)
    frame.attrs["params"] = params
    return frame


def kpi_stats(kpis: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """Mean, standard deviation and Student-t confidence interval across seeds.

    One row per KPI, variant and parameter point: ``n`` (seeds), ``mean``, ``std``
    (sample, ddof=1), ``ci_half`` = t(1-(1-confidence)/2, n-1)·std/√n, ``ci_low``,
    ``ci_high``. With one seed, ``std`` and the interval are NaN.

    >>> f = pd.DataFrame({"variant": "a", "seed": [1, 2, 3], "kpi": "x", "label": "X",
    ...                   "unit": "kW", "value": [1.0, 2.0, 3.0]})
    >>> row = kpi_stats(f).iloc[0]
    >>> float(row["mean"]), round(float(row["ci_half"]), 4)
    (2.0, 2.4841)
    """
    keys = [*_KPI_COLS, "variant", *_params(kpis)]
    clean = kpis.dropna(subset=["value"])
    grouped = clean.groupby(keys, sort=False, dropna=False)["value"]
    table = grouped.agg(n="count", mean="mean", std="std").reset_index()
    t = stats.t.ppf(0.5 + confidence / 2, np.maximum(table["n"] - 1, 1))
    half = np.where(table["n"] > 1, t * table["std"] / np.sqrt(table["n"]), np.nan)
    table["ci_half"] = half
    table["ci_low"] = table["mean"] - half
    table["ci_high"] = table["mean"] + half
    table.attrs["params"] = _params(kpis)
    return table


def save_stats(table: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """Write ``stats.csv`` (every KPI) and ``stats/<kpi>.csv`` (one table per KPI)."""
    out = Path(out_dir)
    (out / "stats").mkdir(parents=True, exist_ok=True)
    saved = [out / "stats.csv"]
    table.to_csv(saved[0], index=False)
    for kpi, part in table.groupby("kpi", sort=False):
        path = out / "stats" / f"{_safe(str(kpi))}.csv"
        part.drop(columns=_KPI_COLS).to_csv(path, index=False)
        saved.append(path)
    return saved


def plot_stats(table: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """One PNG per KPI: mean against the first swept parameter with the CI as a band.

    One line per variant (and per value of any further swept parameter). Without a swept
    parameter, the variants are bars with CI error bars.
    """
    out = Path(out_dir) / "stats"
    out.mkdir(parents=True, exist_ok=True)
    params = _params(table)
    saved = []
    for kpi, part in table.groupby("kpi", sort=False):
        fig, ax = plt.subplots(figsize=(8, 5), constrained_layout=True)
        if params:
            _lines(ax, part, params)
        else:
            ax.bar(part["variant"], part["mean"], yerr=part["ci_half"].fillna(0), capsize=4)
        label, unit = part["label"].iloc[0], part["unit"].iloc[0]
        ax.set(ylabel=f"{label} [{unit}]", title=f"{label}: mean and 95 % CI across seeds")
        path = out / f"{_safe(str(kpi))}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        saved.append(path)
    return saved


def _lines(ax: Any, part: pd.DataFrame, params: list[str]) -> None:
    x_name, others = params[0], params[1:]
    for key, line in part.groupby(["variant", *others], sort=False):
        keys = key if isinstance(key, tuple) else (key,)
        name = ", ".join(
            [str(keys[0]), *(f"{o}={v}" for o, v in zip(others, keys[1:], strict=True))]
        )
        line = line.sort_values(x_name)
        drawn = ax.plot(line[x_name], line["mean"], marker="o", label=name)[0]
        ax.fill_between(
            line[x_name], line["ci_low"], line["ci_high"], alpha=0.2, color=drawn.get_color(), lw=0
        )
    ax.set_xlabel(x_name)
    ax.legend(fontsize=8)


def compare_variants(kpis: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Which pairwise differences between variants exceed the seed-to-seed spread.

    For each KPI, parameter point and pair of variants (a, b): ``n`` seeds used,
    ``diff`` = mean(a) - mean(b), ``test`` (``paired`` on shared seeds, else ``welch``),
    ``p``, ``p_holm`` (Holm over the pairs of the KPI at that point) and ``significant``
    (``p_holm < alpha``). See the module docstring for why paired.
    """
    keys = ["kpi", "label", "unit", *_params(kpis)]
    rows: list[dict[str, Any]] = []
    for key, group in kpis.dropna(subset=["value"]).groupby(keys, sort=False, dropna=False):
        family = []
        by_variant = {
            v: g.set_index("seed")["value"] for v, g in group.groupby("variant", sort=False)
        }
        for a, b in itertools.combinations(by_variant, 2):
            row = dict(zip(keys, key, strict=True)) | {"variant_a": a, "variant_b": b}
            family.append(row | _pair_test(by_variant[a], by_variant[b]))
        for row, p_holm in zip(family, _holm([r["p"] for r in family]), strict=True):
            rows.append(row | {"p_holm": p_holm, "significant": bool(p_holm < alpha)})
    columns = [*keys, "variant_a", "variant_b", "n", "diff", "test", "p", "p_holm", "significant"]
    return pd.DataFrame(rows, columns=columns)


def _pair_test(a: pd.Series, b: pd.Series) -> dict[str, Any]:
    shared = a.index.intersection(b.index)
    if len(shared) >= 2:
        d = (a[shared] - b[shared]).to_numpy(dtype=float)
        p = (
            _p_constant(d)
            if np.ptp(d) == 0
            else float(stats.ttest_rel(a[shared], b[shared]).pvalue)
        )
        return {"n": len(shared), "diff": float(d.mean()), "test": "paired", "p": p}
    diff = float(a.mean() - b.mean())
    if len(a) < 2 or len(b) < 2:
        return {"n": min(len(a), len(b)), "diff": diff, "test": "none", "p": float("nan")}
    if np.ptp(a) == 0 and np.ptp(b) == 0:
        p = _p_constant(np.array([diff]))
    else:
        p = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
    return {"n": min(len(a), len(b)), "diff": diff, "test": "welch", "p": p}


def _p_constant(d: np.ndarray) -> float:
    """p of a difference without spread: 0 if it is not zero, 1 if it is."""
    return 1.0 if np.all(d == 0) else 0.0


def _holm(p: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (NaN stays NaN).

    >>> _holm([0.01, 0.04, 0.03])
    [0.03, 0.06, 0.06]
    """
    values = np.asarray(p, dtype=float)
    valid = np.flatnonzero(~np.isnan(values))
    order = valid[np.argsort(values[valid], kind="stable")]
    adjusted = values.copy()
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(order) - rank) * values[i]))
        adjusted[i] = running
    return [float(x) for x in adjusted]


_NOT_PARAMS = frozenset(
    {"run_id", "variant", "seed", *_KPI_COLS, "value", "n", "mean", "std"}
    | {"ci_half", "ci_low", "ci_high", "variant_a", "variant_b", "diff", "test", "p", "p_holm"}
    | {"significant"}
)


def _params(frame: pd.DataFrame) -> list[str]:
    """The swept fields: recorded in ``attrs``, else every column that is not ours."""
    if "params" in frame.attrs:
        return list(frame.attrs["params"])
    return [c for c in frame.columns if c not in _NOT_PARAMS]


def _cell(value: Any) -> Any:
    """A grouping-safe cell: lists and tables as their JSON text."""
    return json.dumps(value, sort_keys=True) if isinstance(value, list | dict) else value


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)

"""The DSO-TSO conflict study's table and plots, from any sweep folder.

Per coordination scheme (sweep variant) and swept parameter point, across seeds (mean and
95 % Student-t interval): hours and energy over the DSO's limit and over 100 %, conflicts by
kind, FCR (and, where recorded, aFRR) revenue, the DSO's cost of flexibility, energy not
served and FCR (aFRR) blocked. One plot per scheme shows each of these KPIs seed by seed
with the mean and its interval.

    python -m results.conflict_study runs/dso_tso_conflict [--out DIR]

Energy over a limit is ``Σ_e max(0, L_e − limit)/100 · S_e · Δt`` over lines and
transformers (``S_e`` the rating: trafo ``sn``, line √3·V·I_max), summed over elements, so
an overload seen on a transformer and on the line below it counts twice.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from results.grid_kpis import excess_kwh
from results.kpi_registry import STUDY, kpis_of
from results.reader import open_run
from results.sweep_stats import collect_kpis, kpi_stats, load_manifest

__all__ = ["TABLE_KPIS", "excess_kwh", "markdown", "plot_schemes", "study_kpis", "study_table"]

log = logging.getLogger(__name__)

#: the table's columns, in the issue's order: (kpi, short header)
TABLE_KPIS: tuple[tuple[str, str], ...] = (
    ("dso_limit_hours", "h over DSO limit"),
    ("dso_limit_excess_kwh", "kWh over DSO limit"),
    ("congestion_hours", "h over 100 %"),
    ("overload_excess_kwh", "kWh over 100 %"),
    ("conflicts_tso_aggravates_dso", "FCR aggravates DSO"),
    ("conflicts_dso_counteracts_tso", "DSO counteracts TSO"),
    ("conflicts_double_claim", "double claim"),
    ("fcr_revenue_eur_ev_year", "FCR revenue EUR/EV/yr"),
    ("afrr_revenue_eur_ev_year", "aFRR revenue EUR/EV/yr"),
    ("dso_flex_cost_eur", "DSO flex cost EUR"),
    ("ev_energy_unserved_kwh", "EV kWh not served"),
    ("fcr_blocked_kwh", "FCR blocked kWh"),
    ("afrr_blocked_kwh", "aFRR blocked kWh"),
)


def study_kpis(out_dir: str | Path) -> pd.DataFrame:
    """Every run's KPIs (long form, as :func:`results.sweep_stats.collect_kpis`) plus the
    registry's ``study`` group: the energy over the DSO limit (``dso_limit_excess_kwh``)
    and over 100 % (``overload_excess_kwh``, :func:`results.grid_kpis.excess_kwh`)."""
    out = Path(out_dir)
    kpis = collect_kpis(out)
    files = {e["run_id"]: out / e["file"] for e in load_manifest(out)["runs"]}
    rows = []
    for run_id, head in kpis.drop_duplicates("run_id").set_index("run_id").iterrows():
        base = {"run_id": run_id, **head.drop(["kpi", "label", "unit", "value"]).to_dict()}
        for k in kpis_of(open_run(files[run_id]), (STUDY,)):
            rows.append(base | {"kpi": k.name, "label": k.label, "unit": k.unit, "value": k.value})
    extra = pd.DataFrame(rows, columns=kpis.columns)
    frame = pd.concat([kpis, extra], ignore_index=True)
    frame.attrs["params"] = kpis.attrs.get("params", [])
    return frame


def study_table(kpis: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """One row per scheme (and parameter point), one ``mean ± CI half-width`` cell per KPI."""
    stats = kpi_stats(kpis[kpis["kpi"].isin([k for k, _ in TABLE_KPIS])], confidence=confidence)
    params = list(stats.attrs.get("params", []))
    keys = ["variant", *params]
    cells = stats.assign(
        cell=[_cell(m, h) for m, h in zip(stats["mean"], stats["ci_half"], strict=True)]
    )
    table = cells.pivot_table(index=keys, columns="kpi", values="cell", aggfunc="first", sort=False)
    cols = [k for k, _ in TABLE_KPIS if k in table.columns]
    table = table[cols].rename(columns=dict(TABLE_KPIS)).reset_index()
    n = stats.groupby(keys, sort=False)["n"].max().reset_index(drop=True)
    table.insert(len(keys), "seeds", n.to_numpy())
    return table


def markdown(table: pd.DataFrame) -> str:
    """The table as GitHub markdown.

    >>> print(markdown(pd.DataFrame({"a": ["x"], "b": [1.5]})), end="")
    | a | b |
    |---|---|
    | x | 1.5 |
    """
    head = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "|" + "---|" * len(table.columns)
    body = ["| " + " | ".join(map(str, row)) + " |" for row in table.itertuples(index=False)]
    return "\n".join([head, rule, *body]) + "\n"


def _cell(mean: float, half: float) -> str:
    if not np.isfinite(mean):
        return "n/a"
    digits = 2 if abs(mean) < 100 else 0
    if not np.isfinite(half):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {half:.{digits}f}"


def plot_schemes(kpis: pd.DataFrame, out_dir: str | Path) -> list[Path]:
    """One PNG per scheme: each table KPI seed by seed (dots), mean and 95 % CI (bar)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    params = list(kpis.attrs.get("params", []))
    stats = kpi_stats(kpis[kpis["kpi"].isin([k for k, _ in TABLE_KPIS])])
    saved = []
    for variant, part in kpis.groupby("variant", sort=False):
        shown = [(k, h) for k, h in TABLE_KPIS if k in set(part["kpi"])]
        ncol = 4
        nrow = -(-len(shown) // ncol)
        fig, axes = plt.subplots(nrow, ncol, figsize=(3.2 * ncol, 2.6 * nrow), squeeze=False)
        for ax, (kpi, header) in zip(axes.flat, shown, strict=False):
            _panel(ax, part[part["kpi"] == kpi], stats, variant, kpi, params)
            ax.set_title(header, fontsize=9)
        for ax in axes.flat[len(shown) :]:
            ax.axis("off")
        fig.suptitle(f"{variant}: per seed (dots), mean and 95 % CI across seeds")
        fig.tight_layout()
        path = out / f"conflict_{variant}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        saved.append(path)
    return saved


def _panel(
    ax: plt.Axes,
    rows: pd.DataFrame,
    stats: pd.DataFrame,
    variant: str,
    kpi: str,
    params: list[str],
) -> None:
    points = rows[params].drop_duplicates().to_numpy().tolist() if params else [[]]
    for i, point in enumerate(points):
        sel = np.ones(len(rows), dtype=bool)
        st_sel = (stats["variant"] == variant) & (stats["kpi"] == kpi)
        for p, v in zip(params, point, strict=True):
            sel &= (rows[p] == v).to_numpy()
            st_sel &= stats[p] == v
        ax.scatter(np.full(int(sel.sum()), i), rows.loc[sel, "value"], s=10, alpha=0.6)
        s = stats[st_sel]
        if len(s):
            ax.errorbar(i + 0.25, s["mean"].iloc[0], yerr=np.nan_to_num(s["ci_half"].iloc[0]),
                        fmt="o", color="k", capsize=3)  # fmt: skip
    ax.set_xticks(range(len(points)), [",".join(f"{v:g}" if isinstance(v, float) else str(v)
                                                for v in p) or "-" for p in points])  # fmt: skip
    ax.set_xlim(-0.5, len(points) - 0.25)
    ax.set_xlabel(", ".join(params), fontsize=7)
    ax.tick_params(labelsize=7)


def main(argv: list[str] | None = None) -> int:
    """Write ``conflict_table.csv``/``.md`` and one plot per scheme for a sweep folder."""
    ap = argparse.ArgumentParser(prog="python -m results.conflict_study", description=__doc__)
    ap.add_argument("sweep_dir", help="folder of a finished sweep (with sweep_manifest.json)")
    ap.add_argument("--out", help="where to write (default: <sweep_dir>/conflict_study)")
    args = ap.parse_args(argv)
    out = Path(args.out or Path(args.sweep_dir) / "conflict_study")
    out.mkdir(parents=True, exist_ok=True)
    kpis = study_kpis(args.sweep_dir)
    table = study_table(kpis)
    table.to_csv(out / "conflict_table.csv", index=False)
    (out / "conflict_table.md").write_text(markdown(table), encoding="utf-8")
    saved = plot_schemes(kpis, out)
    print(markdown(table), end="")
    print(f"saved {out / 'conflict_table.csv'}, {len(saved)} plots in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Voltage unbalance results: EN 50160 VUF check, minimum phase voltage, worst bus and phase."""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from results.kpis import Kpi
from results.reader import Run
from results.series import area

__all__ = [
    "BALANCED_MODEL_SUFFIX",
    "EN50160_VUF_LIMIT_PCT",
    "EN50160_VUF_SHARE",
    "PHASES",
    "STUDY_COLUMNS",
    "VufCheck",
    "WorstPhaseVoltage",
    "en50160_vuf_check",
    "interval_means",
    "markdown_table",
    "phase_study_table",
    "unbalance_kpis",
    "worst_phase_of_run",
    "worst_phase_voltage",
]

#: EN 50160 4.2.5: 10-minute mean rms negative-sequence voltage within 0-2 % of the
#: positive sequence for 95 % of each week.
EN50160_VUF_LIMIT_PCT = 2.0
EN50160_VUF_SHARE = 0.95
_TEN_MIN_S = 600
_WEEK_S = 7 * 86400
_BLOCK_COLS = 16
PHASES = ("a", "b", "c")


def interval_means(
    values: NDArray[np.floating], step_s: int, *, interval_s: int = _TEN_MIN_S
) -> NDArray[np.float64]:
    """Time-weighted means over fixed intervals of a step-wise constant series.

    A step's value holds until the next step (as the simulators apply it). With steps
    longer than the interval (e.g. 15-min steps, 10-min intervals), an interval inside one
    step takes that step's value and one straddling two steps the time-weighted mix, so
    the variation inside a step that a meter would see is not there: the check is then
    only as fine as the simulation step.

    Parameters
    ----------
    values : NDArray (n_step, ...)
        One row per step; NaN rows (non-converged steps) make their intervals NaN.
    step_s : int
        Step length [s].
    interval_s : int
        Averaging interval [s]; a last incomplete interval is dropped.

    Returns
    -------
    NDArray (n_interval, ...)

    Examples
    --------
    >>> interval_means(np.array([1.0, 3.0]), 900).tolist()  # 15-min steps, 10-min means
    [1.0, 2.0, 3.0]
    """
    values = np.asarray(values, dtype=np.float64)
    total_s = values.shape[0] * step_s
    edges = np.gcd(step_s, interval_s)
    fine = np.repeat(values, step_s // edges, axis=0)  # exact: both lengths are multiples
    per = interval_s // edges
    n_int = total_s // interval_s
    fine = fine[: n_int * per]
    return fine.reshape(n_int, per, *values.shape[1:]).mean(axis=1)


@dataclass(frozen=True)
class VufCheck:
    """EN 50160 voltage-unbalance check per bus.

    Attributes
    ----------
    share_ok : NDArray (n_bus)
        Smallest share over the evaluated weeks of 10-minute means with VUF <= limit [-].
    vuf_p95_pct : NDArray (n_bus)
        Largest 95th percentile over the weeks of the 10-minute mean VUF [%].
    passed : bool
        Every bus keeps the limit for at least 95 % of every evaluated week.
    n_weeks : int
        Weeks evaluated: the complete weeks from the start of the recorded window (a
        trailing incomplete week is left out), or, when the window is shorter than a
        week, the window as one incomplete week (``full_weeks`` is then False).
    full_weeks : bool
        At least one complete week was recorded.
    """

    share_ok: NDArray[np.float64]
    vuf_p95_pct: NDArray[np.float64]
    passed: bool
    n_weeks: int
    full_weeks: bool


def en50160_vuf_check(
    vuf_pct: NDArray[np.floating],
    step_s: int,
    *,
    limit_pct: float = EN50160_VUF_LIMIT_PCT,
    share: float = EN50160_VUF_SHARE,
) -> VufCheck:
    """Check VUF <= ``limit_pct`` for ``share`` of the 10-minute means of each week.

    Parameters
    ----------
    vuf_pct : NDArray (n_step, n_bus)
        Voltage unbalance factor per step and bus [%].
    step_s : int
        Step length [s] (see :func:`interval_means` for steps longer than 10 min).

    References
    ----------
    .. [1] EN 50160:2010, 4.2.5 Supply voltage unbalance (LV and MV).
    """
    vuf = np.asarray(vuf_pct)
    flat = vuf.reshape(vuf.shape[0], -1)
    # column blocks bound the memory of the 10-minute means of a long, wide run
    parts = [
        _weekly(flat[:, i : i + _BLOCK_COLS], step_s, limit_pct=limit_pct, share=share)
        for i in range(0, max(flat.shape[1], 1), _BLOCK_COLS)
    ]
    ok = np.concatenate([p[0] for p in parts], axis=1)
    p95 = np.concatenate([p[1] for p in parts], axis=1)
    n_full = parts[0][2]
    share_ok = ok.min(axis=0).reshape(vuf.shape[1:])
    return VufCheck(
        share_ok=share_ok,
        vuf_p95_pct=p95.max(axis=0).reshape(vuf.shape[1:]),
        passed=bool(np.all(share_ok >= share)),
        n_weeks=ok.shape[0],
        full_weeks=n_full > 0,
    )


def _weekly(
    vuf: NDArray[np.floating], step_s: int, *, limit_pct: float, share: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], int]:
    """Share of 10-minute means within the limit and their percentile, per week and column."""
    means = interval_means(vuf, step_s)
    per_week = _WEEK_S // _TEN_MIN_S
    n_full = means.shape[0] // per_week
    weeks = [means[k * per_week : (k + 1) * per_week] for k in range(n_full)] or [means]
    ok = np.stack([np.mean(w <= limit_pct, axis=0) for w in weeks])
    p95 = np.stack([np.nanpercentile(w, 100.0 * share, axis=0) for w in weeks])
    return ok, p95, n_full


@dataclass(frozen=True)
class WorstPhaseVoltage:
    """The lowest phase voltage of a run and where it occurred."""

    v_min_pu: float
    bus: int
    phase: str
    step: int


def worst_phase_voltage(
    vm_abc_pu: NDArray[np.floating], bus_ids: NDArray[np.integer] | None = None
) -> WorstPhaseVoltage:
    """Minimum phase voltage over steps, buses and phases (NaN ignored).

    Parameters
    ----------
    vm_abc_pu : NDArray (n_step, n_bus, 3)
        Phase voltage magnitudes [p.u.].
    bus_ids : NDArray (n_bus), optional
        Ids to report instead of the bus column.

    Examples
    --------
    >>> v = np.ones((2, 2, 3)); v[1, 0, 2] = 0.93
    >>> worst_phase_voltage(v, np.array([10, 11]))
    WorstPhaseVoltage(v_min_pu=0.93, bus=10, phase='c', step=1)
    """
    v = np.asarray(vm_abc_pu)  # float32 as recorded: a copy would double a year's memory
    flat = int(np.nanargmin(v))
    step, col, ph = np.unravel_index(flat, v.shape)
    bus = int(bus_ids[col]) if bus_ids is not None else int(col)
    return WorstPhaseVoltage(float(v[step, col, ph]), bus, PHASES[int(ph)], int(step))


def worst_phase_of_run(run: Run) -> WorstPhaseVoltage:
    """The lowest phase voltage of a run, reading one phase at a time (not all three)."""
    worst: WorstPhaseVoltage | None = None
    for ph in PHASES:
        frame = run.get(*area(f"v_{ph}_pu"))
        found = worst_phase_voltage(
            frame.to_numpy()[:, :, None], np.asarray(frame.columns, dtype=np.int64)
        )
        if worst is None or found.v_min_pu < worst.v_min_pu:
            worst = replace(found, phase=ph)
    assert worst is not None  # PHASES is not empty
    return worst


def unbalance_kpis(run: Run) -> list[Kpi]:
    """Unbalance KPIs of a run that recorded ``Area.vuf_pct`` (and ``Area.v_{a,b,c}_pu`` for
    the lowest phase voltage): registry group ``unbalance``."""
    from results.kpi_registry import UNBALANCE, kpis_of  # the registry imports this module

    return kpis_of(run, (UNBALANCE,))


#: a family variant named ``<case>_balanced_model`` solves ``<case>`` as a balanced network
BALANCED_MODEL_SUFFIX = "_balanced_model"
#: study table column -> KPI (mean over seeds)
STUDY_COLUMNS: dict[str, str] = {
    "vuf_p95_pct": "vuf_p95_pct",
    "vuf_max_pct": "vuf_max_pct",
    "en50160_ok_pct": "en50160_vuf_share_ok",
    "en50160_passed": "en50160_vuf_passed",
    "v_phase_min_pu": "v_phase_min_pu",
    "e_unserved_kwh": "ev_energy_unserved_kwh",
    "e_ev_kwh": "ev_energy_ac_kwh",
}


def phase_study_table(kpis: pd.DataFrame) -> pd.DataFrame:
    """The phase study: unbalance, lowest phase voltage, energy, and the balanced model's error.

    One row per unbalanced variant and parameter point, the mean over seeds of each KPI of
    :data:`STUDY_COLUMNS`; where the family also ran the case as ``<variant>_balanced_model``,
    ``v_min_balanced_pu`` is that run's lowest (positive-sequence) bus voltage and
    ``v_error_pu`` = ``v_min_balanced_pu`` − ``v_phase_min_pu``, paired by seed, then
    averaged: > 0 means the balanced model overestimates the worst voltage.

    Parameters
    ----------
    kpis : DataFrame
        Long-form KPIs of a sweep (:func:`results.sweep_stats.collect_kpis`).
    """
    params = list(kpis.attrs.get("params", []))
    keys = [*params, "seed"]
    wide = kpis.pivot_table(index=["variant", *keys], columns="kpi", values="value").reset_index()
    balanced = wide[wide["variant"].str.endswith(BALANCED_MODEL_SUFFIX)].copy()
    balanced["variant"] = balanced["variant"].str.removesuffix(BALANCED_MODEL_SUFFIX)
    balanced = balanced[["variant", *keys, "v_min_pu"]].rename(
        columns={"v_min_pu": "v_min_balanced_pu"}
    )
    unbalanced = wide[~wide["variant"].str.endswith(BALANCED_MODEL_SUFFIX)]
    rows = unbalanced.merge(balanced, on=["variant", *keys], how="left")
    rows = rows.rename(columns={kpi: col for col, kpi in STUDY_COLUMNS.items()})
    rows["v_error_pu"] = rows["v_min_balanced_pu"] - rows["v_phase_min_pu"]
    columns = [c for c in (*STUDY_COLUMNS, "v_min_balanced_pu", "v_error_pu") if c in rows]
    table = rows.groupby(["variant", *params], sort=False)[columns].mean().reset_index()
    table.insert(len(params) + 1, "n_seeds", rows.groupby(["variant", *params]).size().values)
    return table.sort_values([*params, "variant"], kind="stable").reset_index(drop=True)


def markdown_table(table: pd.DataFrame, *, digits: int = 3) -> str:
    """A DataFrame as a Markdown table (numbers rounded to ``digits``).

    >>> print(markdown_table(pd.DataFrame({"a": ["x"], "b": [0.12345]})))
    | a | b |
    |---|---|
    | x | 0.123 |
    """

    def cell(v: object) -> str:
        return f"{v:.{digits}f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(map(str, table.columns)) + " |"]
    lines.append("|" + "---|" * len(table.columns))
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(False)]
    return "\n".join(lines)


def _main(argv: list[str]) -> None:
    """``python -m results.unbalance <sweep out_dir>``: print the study table, save CSV."""
    from pathlib import Path

    from results.sweep_stats import collect_kpis

    if len(argv) != 1:
        raise SystemExit("usage: python -m results.unbalance <sweep out_dir>")
    table = phase_study_table(collect_kpis(argv[0]))
    path = Path(argv[0]) / "phase_study.csv"
    table.to_csv(path, index=False)
    print(markdown_table(table))
    print(f"saved {path}")


if __name__ == "__main__":
    _main(sys.argv[1:])

"""The KPI registry: every KPI of the product, declared once, in the order it is shown.

Each entry (:class:`results.kpi_base.KpiSpec`) names the series it reads
(:mod:`results.series`: the adapters' model constants and the catalogue's ports), its unit,
label and description, whether it counts the recorded window only, and its function
(:mod:`results.kpi_functions`). The run summary (:func:`results.kpis.summary_kpis`), the
comparison and sweep tables (:func:`results.compare.comparison_kpis`), the CLI's KPI print
and the conflict study read it.

Energies integrate the recorded powers over the step (rectangle rule: a step's power holds
until the next step, as the simulators apply it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from results import grid_kpis as gk
from results import kpi_functions as f
from results import window as wd
from results.kpi_base import Group, KpiContext, KpiSpec, evaluate
from results.kpis import Kpi
from results.reader import Run
from results.series import Series, area, charger, coordinator, fleet, market, segments, tso
from results.unbalance import PHASES

__all__ = [
    "AFRR",
    "CHARGERS",
    "COMPARISON",
    "FLEET",
    "GROUPS",
    "REGISTRY",
    "SERVICES",
    "STUDY",
    "SUMMARY",
    "UNBALANCE",
    "by_name",
    "kpis_of",
    "markdown_catalogue",
]

SUMMARY = Group("summary", "loading, voltage band, EV energy, trips, losses, convergence")
UNBALANCE = Group("unbalance", "voltage unbalance (runs on an unbalanced grid)")
CHARGERS = Group("chargers", "user cost, curtailment, charger losses, V2G")
FLEET = Group("fleet", "sessions, durations, flexibility band, ageing", (fleet("plugged"),))
_SERVICES_GATE = (tso("f_hz"), market("p_requested_kw"), coordinator("n_conflicts"))
SERVICES = Group("services", "FCR, the DSO market, congestion, conflicts", _SERVICES_GATE)
AFRR = Group("afrr", "aFRR revenue, energy and conflicts", _SERVICES_GATE)
STUDY = Group("study", "energy over the DSO limit and over 100 % (conflict study only)")
GROUPS = (SUMMARY, UNBALANCE, CHARGERS, FLEET, SERVICES, AFRR, STUDY)
#: the groups of the comparison and sweep tables and of ``cosim show``
COMPARISON = (SUMMARY, UNBALANCE, CHARGERS, FLEET, SERVICES, AFRR)

REGISTRY: list[KpiSpec] = []
Compute = Callable[[KpiContext], float | None]


def _kpi(
    group: Group, name: str, label: str, unit: str, compute: Compute, doc: str, **kw: Any
) -> None:
    REGISTRY.append(KpiSpec(name, label, unit, doc, group, compute, **kw))


def _once(fn: Callable[..., Any], *args: Any) -> Callable[[KpiContext], Any]:
    return lambda c: c.once(fn, *args)


def _energy(series: Series) -> Compute:
    return lambda c: f.total(c, series, c.dt_h)


def _gross(series: Series) -> Compute:
    return lambda c: f.gross(c, series)


def _excess_kwh(c: KpiContext) -> dict[float, float]:
    """Energy over 100 % and over the DSO limit, each loading series read once [kWh]."""
    return c.once(f.excess_kwh, f.loading_limits(c))  # type: ignore[no-any-return]


def _conflict(kinds: tuple[str, ...], kind: str) -> Compute:
    return lambda c: c.once(f.conflicts, kinds)[kind]


# The table: one KPI per entry, in the order they are shown.
# fmt: off
_TRAFO, _LINE, _V = area("trafo_loading_pct"), area("line_loading_pct"), area("v_pu")
_P, _P_BATT = charger("p_kw"), charger("p_batt_kw")
_trafo, _line = _once(f.loading, _TRAFO), _once(f.loading, _LINE)
_volt, _power = _once(f.voltage), _once(f.ev_power)
S = SUMMARY
_kpi(S, "peak_trafo_loading_pct", "Peak transformer loading", "%", lambda c: _trafo(c)[0],
     "Highest loading of any transformer.", needs=(_TRAFO,))
_kpi(S, "trafo_hours_over_100", "Transformer hours > 100 %", "h", lambda c: _trafo(c)[1],
     "Hours with any transformer above its rating.", needs=(_TRAFO,))
_kpi(S, "peak_line_loading_pct", "Peak line loading", "%", lambda c: _line(c)[0],
     "Highest loading of any line.", needs=(_LINE,))
_kpi(S, "line_hours_over_100", "Line hours > 100 % (any line)", "h", lambda c: _line(c)[1],
     "Hours with any line above its rating.", needs=(_LINE,))
_kpi(S, "v_min_pu", "Minimum bus voltage", "p.u.", lambda c: _volt(c)[0],
     "Lowest bus voltage magnitude (positive sequence on an unbalanced grid).", needs=(_V,))
_kpi(S, "v_max_pu", "Maximum bus voltage", "p.u.", lambda c: _volt(c)[1],
     "Highest bus voltage magnitude.", needs=(_V,))
_kpi(S, "v_violation_bus_hours", "Bus-hours outside EN 50160 ±10 %", "h", lambda c: _volt(c)[2],
     "Hours outside 0.9-1.1 p.u., summed over buses.", needs=(_V,))
_kpi(S, "ev_energy_ac_kwh", "EV energy drawn from the grid", "kWh", lambda c: _power(c)[0],
     "AC energy the chargers drew (charging only).", needs=(_P,))
_kpi(S, "ev_peak_kw", "Peak EV charging power (sum)", "kW", lambda c: _power(c)[1],
     "Highest sum of the chargers' AC power.", needs=(_P,))
_kpi(S, "ev_energy_charged_kwh", "EV energy charged (battery side)", "kWh",
     lambda c: f.positive_total(c, _P_BATT, c.dt_h),
     "Energy into the batteries (charging only).", needs=(_P_BATT,))
_kpi(S, "ev_energy_unserved_kwh", "EV energy not served at departure", "kWh",
     lambda c: f.total(c, fleet("e_unserved_kwh")),
     "Energy short of the drivers' targets at departure.", needs=(fleet("e_unserved_kwh"),))
_kpi(S, "sessions_per_ev_day", "Plug-in sessions per EV and day", "1/d", f.sessions_per_ev_day,
     "Plug-in sessions started inside the window, per EV and day.", needs=(fleet("plugged"),))
_kpi(S, "charger_trips", "Charger undervoltage trips", "1",
     lambda c: f.rising_edges(c, charger("tripped")),
     "Undervoltage trips that started inside the window (simulators.evse.protection).",
     needs=(charger("tripped"),))
_kpi(S, "ev_energy_tripped_kwh", "EV energy not delivered while tripped (AC)", "kWh",
     lambda c: f.total(c, charger("p_tripped_kw"), c.dt_h),
     "AC energy the chargers would have drawn while tripped.", needs=(charger("p_tripped_kw"),))
_kpi(S, "grid_losses_kwh", "Grid losses", "kWh", lambda c: f.total(c, area("losses_kw"), c.dt_h),
     "Active power losses of the grid areas.", needs=(area("losses_kw"),))
_kpi(S, "nonconverged_steps", "Non-converged power flows", "steps",
     lambda c: (c.values(area("converged")) < 0.5).sum(),
     "Steps whose power flow did not converge (flagged).", needs=(area("converged"),))

_VUF, _V_ABC = area("vuf_pct"), tuple(area(f"v_{ph}_pu") for ph in PHASES)
_vuf, _worst = _once(f.vuf), _once(f.worst_phase)
U = UNBALANCE
_kpi(U, "vuf_max_pct", "Maximum voltage unbalance factor", "%", lambda c: _vuf(c)[0],
     "Highest |V2| / |V1| of any bus and step.", needs=(_VUF,))
_kpi(U, "vuf_p95_pct", "VUF, 95th percentile of 10-min means (worst bus)", "%",
     lambda c: np.nanmax(_vuf(c)[1].vuf_p95_pct),
     "EN 50160 statistic of the worst bus and week.", needs=(_VUF,))
_kpi(U, "en50160_vuf_share_ok", "Share of 10-min means with VUF <= 2 % (worst bus and week)",
     "%", lambda c: float(np.nanmin(_vuf(c)[1].share_ok)) * 100.0,
     "EN 50160 asks for 95 % of each week.", needs=(_VUF,))
_kpi(U, "en50160_vuf_passed", "EN 50160 unbalance check passed", "1",
     lambda c: float(_vuf(c)[1].passed),
     "1 when every bus keeps VUF <= 2 % for 95 % of every week.", needs=(_VUF,))
_kpi(U, "v_phase_min_pu", "Minimum phase voltage", "p.u.", lambda c: _worst(c).v_min_pu,
     "Lowest phase-to-earth voltage.", needs=(_VUF, *_V_ABC))
_kpi(U, "v_phase_min_bus", "Bus of the minimum phase voltage", "id",
     lambda c: float(_worst(c).bus), "Bus id of v_phase_min_pu.", needs=(_VUF, *_V_ABC))
_kpi(U, "v_phase_min_phase", "Phase of the minimum phase voltage (0=a, 1=b, 2=c)", "1",
     lambda c: float(PHASES.index(_worst(c).phase)), "Phase of v_phase_min_pu.",
     needs=(_VUF, *_V_ABC))

C = CHARGERS
_kpi(C, "user_cost_eur", "EV user energy cost", "EUR", f.user_cost,
     "What the tariff billed in the window.", needs=(f.COST,), uses=(f.COST_STEP,))
_kpi(C, "curtailed_kwh", "Energy curtailed by contracts", "kWh",
     lambda c: f.total(c, charger("p_curtailed_kw"), c.dt_h),
     "Energy the contract limits kept the chargers from drawing.",
     needs=(charger("p_curtailed_kw"),))
_kpi(C, "charger_losses_kwh", "Charger conversion losses", "kWh",
     lambda c: f.total(c, charger("p_loss_kw"), c.dt_h),
     "AC minus battery-side energy of the chargers.", needs=(charger("p_loss_kw"),))
_kpi(C, "v2g_energy_kwh", "Energy fed back (V2G)", "kWh", lambda c: _power(c)[2],
     "AC energy the chargers injected.", needs=(_P,))

_PLUGGED, _FADE = fleet("plugged"), fleet("capacity_fade")
_BAND = (segments("p_flex_max_kw"), segments("p_flex_min_kw"))
_SESSION_USES = (_P_BATT, "fleet")  # the charging time; each EV's segment
_width = _once(f.band_width)
F = FLEET
_kpi(F, "sessions_per_ev_week", "Plug-in sessions per EV and week", "1/wk",
     f.sessions_per_ev_week, "Plug-in sessions started inside the window, per EV and week.",
     needs=(_PLUGGED,), uses=_SESSION_USES)
_kpi(F, "mean_connection_h", "Mean connection duration", "h", f.mean_connection_h,
     "Plugged hours per session.", needs=(_PLUGGED,), uses=_SESSION_USES)
_kpi(F, "mean_charging_h", "Mean charging duration", "h", f.mean_charging_h,
     "Hours with battery power > 0 per session.", needs=(_PLUGGED, _P_BATT), uses=("fleet",))
_kpi(F, "idle_ratio", "Idle ratio (connected, not charging)", "1", f.idle_ratio,
     "Share of the connected time without charging.", needs=(_PLUGGED, _P_BATT),
     uses=("fleet",))
_kpi(F, "flex_energy_kwh_day", "Flexible energy per day (band area)", "kWh/d",
     f.flex_energy_kwh_day, "Area of the fleet's flexibility band per day.", needs=_BAND)
_kpi(F, "flex_band_mean_kw", "Mean flexibility band width", "kW",
     lambda c: np.nanmean(_width(c)), "Time-mean of p_flex_max_kw - p_flex_min_kw.",
     needs=_BAND)
_kpi(F, "flex_band_max_kw", "Peak flexibility band width", "kW",
     lambda c: np.nanmax(_width(c)), "Largest p_flex_max_kw - p_flex_min_kw.", needs=_BAND)
_kpi(F, "capacity_fade_mean_pct", "Mean battery capacity fade", "%",
     lambda c: np.nanmean(f.last_row(c, _FADE)) * 100,
     "Mean capacity lost by the last step, warm-up included.", needs=(_FADE,),
     window_only=False)

_fcr, _mkt, _afrr = _once(f.fcr_eur), _once(f.market_eur), _once(f.afrr_eur)
_year = _once(f.per_ev_year)
_FCR = (wd.FCR_REVENUE, wd.FCR_PENALTY, wd.FCR_CAPACITY, wd.FCR_PRICE, wd.FCR_SHORTFALL)
_MARKET = (wd.MARKET_COST, wd.MARKET_PENALTY, "flex_settlements", "flex_tender_offers")
_LOADINGS = gk.LOADINGS
SV = SERVICES
_kpi(SV, "fcr_revenue_eur_ev_year", "FCR revenue per EV and year", "EUR",
     lambda c: (_fcr(c)[0] - _fcr(c)[1]) * _year(c),
     "FCR capacity pay net of penalties, scaled to a year per EV of the fleet table.",
     uses=(*_FCR, "fleet"))
_kpi(SV, "dso_flex_revenue_eur_ev_year", "DSO flexibility revenue per EV and year", "EUR",
     lambda c: (_mkt(c)[0] - _mkt(c)[1]) * _year(c),
     "DSO market payments net of penalties, scaled to a year per EV.", uses=(*_MARKET, "fleet"))
_kpi(SV, "dso_flex_cost_eur", "DSO cost of flexibility", "EUR",
     lambda c: _mkt(c)[0] - _mkt(c)[1], "What the DSO paid net of penalties.", uses=_MARKET)
_kpi(SV, "fcr_shortfall_kwh", "FCR energy not delivered", "kWh",
     lambda c: f.total(c, wd.FCR_SHORTFALL) if c.has(wd.FCR_SHORTFALL) else 0.0,
     "FCR energy short of the request (0 without a TSO).", uses=(wd.FCR_SHORTFALL,))
for _what in ("requested", "awarded", "delivered"):
    _s = market(f"p_{_what}_kw")
    _kpi(SV, f"flex_{_what}_kwh", f"DSO flexibility {_what}", "kWh",
         _energy(_s), f"DSO flexibility energy {_what}.",
         needs=(market("p_awarded_kw"), _s))
_kpi(SV, "congestion_hours", "Congestion hours (any line or trafo > 100 %)", "h",
     lambda c: f.congestion_hours(c, 100.0), "Hours with any element over 100 %.",
     uses=_LOADINGS)
_kpi(SV, "dso_limit_hours", "Hours over the DSO limit (any line or trafo > {dso_limit_pct:g} %)",
     "h", lambda c: f.congestion_hours(c, c.dso_limit_pct),
     "Hours with any element over the DSO's loading limit.", uses=_LOADINGS)
_kpi(SV, "dso_limit_excess_pct_h", "Loading over the DSO limit, summed over elements", "%·h",
     lambda c: f.excess_pct_h(c, c.dso_limit_pct),
     "Loading above the DSO's limit, summed over elements and time.", uses=_LOADINGS)
for _k in wd.CONFLICT_KINDS:
    _kpi(SV, f"conflicts_{_k}", f"Conflicts: {_k.replace('_', ' ')}", "count",
         _conflict(wd.CONFLICT_KINDS, _k),
         "Conflicts of this kind detected in the window.", needs=(wd.N_CONFLICTS,),
         uses=("conflicts", wd.CONFLICT_COUNT_SERIES[_k]))
_kpi(SV, "conflict_mwh", "Energy in conflicts", "kWh",
     lambda c: f.total(c, coordinator("conflict_mw"), c.dt_h) * 1000.0,
     "Size of the conflicts times their duration.",
     needs=(wd.N_CONFLICTS, coordinator("conflict_mw")))
_kpi(SV, "fcr_blocked_kwh", "FCR blocked by the DSO", "kWh",
     lambda c: f.total(c, coordinator("fcr_blocked_kw"), c.dt_h),
     "FCR the fleet could deliver but the scheme did not.",
     needs=(wd.N_CONFLICTS, coordinator("fcr_blocked_kw")))

_AFRR = (wd.AFRR_PENALTY, wd.AFRR_CAPACITY, wd.AFRR_DELIVERED, wd.AFRR_SHORTFALL)
A = AFRR
_kpi(A, "afrr_revenue_eur_ev_year", "aFRR revenue per EV and year", "EUR",
     lambda c: (_afrr(c)[0] - _afrr(c)[1]) * _year(c),
     "aFRR capacity and energy pay net of penalties, scaled to a year per EV.",
     needs=(wd.AFRR_REVENUE,), uses=(*_AFRR, "fleet"))
_kpi(A, "afrr_penalty_eur", "aFRR non-delivery penalties", "EUR", lambda c: _afrr(c)[1],
     "aFRR penalties of the window.", needs=(wd.AFRR_REVENUE,), uses=_AFRR)
for _name, _label, _s in (
    ("afrr_requested_kwh", "aFRR energy requested", tso("e_afrr_req_kwh")),
    ("afrr_delivered_kwh", "aFRR energy delivered", wd.AFRR_DELIVERED),
    ("afrr_shortfall_kwh", "aFRR energy not delivered", wd.AFRR_SHORTFALL),
):
    _kpi(A, _name, _label, "kWh", _gross(_s),
         "Gross Σ|e| (up and down do not cancel); delivered: of the verified step.",
         needs=(wd.AFRR_REVENUE, _s))
_kpi(A, "afrr_blocked_kwh", "aFRR blocked by the DSO", "kWh",
     lambda c: f.gross(c, coordinator("afrr_blocked_kw"), c.dt_h),
     "aFRR the fleet could deliver but the scheme did not (0 without a coordinator).",
     needs=(wd.AFRR_REVENUE,), uses=(coordinator("afrr_blocked_kw"),))
for _k in wd.AFRR_CONFLICT_KINDS:
    _kpi(A, f"conflicts_{_k}", f"Conflicts: {_k.replace('_', ' ')}", "count",
         _conflict(wd.AFRR_CONFLICT_KINDS, _k),
         "aFRR conflicts of this kind detected in the window.", needs=(wd.AFRR_REVENUE,),
         needs_any=("conflicts", wd.CONFLICT_COUNT_SERIES["afrr_aggravates_dso"]),
         uses=(wd.N_CONFLICTS, wd.CONFLICT_COUNT_SERIES[_k]))

_kpi(SV, "battery_fade_pct", "Mean battery capacity fade at the end", "%",
     lambda c: 100.0 * float(np.nanmean(f.last_row(c, _FADE))),
     "Mean capacity lost by the last step, warm-up included.", needs=(_FADE,),
     window_only=False)

_kpi(STUDY, "dso_limit_excess_kwh", "Energy over the DSO limit ({dso_limit_pct:g} %)", "kWh",
     lambda c: _excess_kwh(c)[c.dso_limit_pct],
     "Σ over elements of the loading above the DSO limit × rating × step.", uses=_LOADINGS)
_kpi(STUDY, "overload_excess_kwh", "Energy over 100 %", "kWh",
     lambda c: _excess_kwh(c)[100.0],
     "Σ over elements of the loading above 100 % × rating × step.", uses=_LOADINGS)
# fmt: on


def by_name(name: str) -> KpiSpec:
    """The registered KPI ``name``."""
    for spec in REGISTRY:
        if spec.name == name:
            return spec
    raise KeyError(f"no KPI {name!r}; registered: {', '.join(s.name for s in REGISTRY)}")


def kpis_of(run: Run, groups: Sequence[Group] = COMPARISON, *, gated: bool = True) -> list[Kpi]:
    """The KPIs of ``groups`` for ``run``, in registry order (see :func:`evaluate`)."""
    return evaluate(run, [s for s in REGISTRY if s.group in groups], gated=gated)


def markdown_catalogue() -> str:
    """Every registered KPI as a Markdown table: name, unit, group, series, window, meaning."""
    lines = [
        "| KPI | unit | group | reads | window only | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for s in REGISTRY:
        reads = ", ".join(f"`{x}`" for x in s.needs) or "–"
        if s.uses or s.needs_any:
            reads += " (also " + ", ".join(f"`{x}`" for x in (*s.needs_any, *s.uses)) + ")"
        window = "yes" if s.window_only else "no"
        lines.append(
            f"| `{s.name}` | {s.unit} | {s.group.name} | {reads} | {window} | {s.description} |"
        )
    return "\n".join(lines)

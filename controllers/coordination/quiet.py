"""A quiet traffic-light step, decided in one compiled call
(:func:`controllers.coordination.quiet_kernels.quiet_light`).

Quiet: headroom mode ``measured`` with its ex-ante correction, no aFRR input, valid
values and no DSO request; most steps of a traffic-light coordinator are.
The dispatch, the setpoints and what the correction remembers are the ones the general
way (:func:`controllers.coordination.schemes.resolve` and the adapter's step) gives such
a step.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import conflict_kernels
from .choices import Scheme
from .conflicts import Conflict, tso_aggravates_only
from .entity import CoordinatorEntity
from .headroom import ExAnteHeadroom
from .observation import CoordinationObservation
from .quiet_kernels import NOT_QUIET, QUIET_CONFLICT, quiet_light
from .schemes import accounted

__all__ = ["quiet_light_step"]


def quiet_light_step(ent: CoordinatorEntity, values: dict[str, Any]) -> bool:
    """Decide the step of ``values`` (the observation's per-step fields) if it is quiet:
    set ``ent``'s dispatch and setpoints, remember its zone sums, and return True; else
    return False having changed nothing."""
    exante = ent.exante
    if exante is None or "afrr_req_kw" in values:
        return False
    time = values["time_s"]
    rows = exante.compiled_rows(time, ent.n_zone)
    if rows is None:
        return False
    layout = ent.layout
    req = values["fcr_req_kw"]
    status, p_fcr, p_adj, f, cap_kw, p_dso, dso_served, p_now, p_now_z = quiet_light(
        values["p_base_kw"],
        values["p_up_kw"],
        values["p_down_kw"],
        values["fcr_band_kw"],
        layout.afrr_band_kw,  # zeros: no aFRR input
        values["dso_req_kw"],
        values["headroom_kw"],
        values["congested_mask"],
        layout.zone_of_charger,
        float(req),
        0.0,
        *rows,
    )
    if status == NOT_QUIET:
        return False
    dispatch = accounted(req, Scheme.TRAFFIC_LIGHT, p_adj, p_fcr, p_dso, f, dso_served, cap_kw)
    if status == QUIET_CONFLICT:  # listed as resolve lists it (before remember drops ev_then)
        dispatch = replace(dispatch, conflicts=_conflicts(exante, layout, values, p_fcr, p_adj))
    ent.record(dispatch)
    exante.remember(time, p_now_z)
    ent.p_set_kw = p_now  # the setpoint output: the baseline plus the adjustment
    return True


def _conflicts(
    exante: ExAnteHeadroom,
    layout: CoordinationObservation,
    values: dict[str, Any],
    p_fcr: NDArray[np.float64],
    p_adj: NDArray[np.float64],
) -> tuple[Conflict, ...]:
    """The conflicts of a quiet step: its FCR part beyond the true headroom (the same
    compiled calls as the general way's, on the same values; a few steps in a hundred)."""
    obs = CoordinationObservation.of_step(layout, **values)
    _, true = exante.headroom_by_charger_kw(
        obs.time_s, obs.headroom_kw, obs.p_base_kw, obs.zone_of_charger
    )
    beyond, _ = conflict_kernels.tso_aggravates(
        p_fcr, p_adj, obs.zone_of_charger, obs.dso_req_kw, true
    )
    return tso_aggravates_only(obs, p_fcr, beyond)

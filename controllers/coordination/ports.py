"""The coordinator's ports: the inputs it reads, the outputs it writes, its params, and the
mosaik META built from them (:class:`~controllers.coordination.adapter.CoordinatorSim`)."""

from __future__ import annotations

from controllers.coordination.choices import MODEL_COORDINATOR
from cosim.adapter_base import ModelPorts, build_meta
from cosim.ports_types import Combine

from .entity import COUNT_ATTRS
from .params import PRICE_PARAMS

__all__ = [
    "ELEMENT_PARAMS",
    "HEADROOM_PARAMS",
    "INPUT_ATTRS",
    "META",
    "OUTPUT_ATTRS",
    "PORTS",
]

#: per charger: p_base_kw, p_up_kw, p_down_kw, fcr_band_kw (summed), congested_mask (any);
#: per zone: dso_req_kw (summed), headroom_kw (minimum); scalar: fcr_p_req_kw (summed);
#: flex_activations: market activation dicts, added to dso_req_kw while they are active;
#: line_loading_pct, trafo_loading_pct: element loadings (with :data:`ELEMENT_PARAMS`);
#: afrr_p_req_kw (scalar, summed) and afrr_band_kw (per charger, summed): aFRR
INPUT_ATTRS: tuple[str, ...] = (
    "p_base_kw",
    "p_up_kw",
    "p_down_kw",
    "fcr_band_kw",
    "congested_mask",
    "dso_req_kw",
    "headroom_kw",
    "fcr_p_req_kw",
    "flex_activations",
    "line_loading_pct",
    "trafo_loading_pct",
    "afrr_p_req_kw",
    "afrr_band_kw",
)
OUTPUT_ATTRS: tuple[str, ...] = (
    "p_adj_kw",
    "p_set_kw",
    "fcr_served_kw",
    "fcr_blocked_kw",
    "afrr_served_kw",
    "afrr_blocked_kw",
    "dso_served_kw",
    "n_conflicts",
    "conflict_mw",
    *COUNT_ATTRS,
)
#: ex-ante headroom (see :mod:`controllers.coordination.headroom`): mode, relative error of
#: the background forecast [%], measurement lag [steps], background per zone (T, Z) [kW]
#: one row per step from time 0
HEADROOM_PARAMS: tuple[str, ...] = (
    "headroom_mode",
    "headroom_error_pct",
    "headroom_lag_steps",
    "background_kw",
)
#: element-level headroom (see :mod:`controllers.coordination.elements`): the charger
#: indices downstream of each element (lines then trafos), their ratings [kVA], the DSO's
#: loading limit [%] and the background load behind each element (T, E) [kW], as rows or
#: as the parts each row is summed from (``element_background``, see
#: :class:`~controllers.coordination.headroom.ProfileBackground`); with these the zone
#: headroom comes from the element loadings, not from the DSO's ``headroom_kw``
ELEMENT_PARAMS: tuple[str, ...] = (
    "element_chargers",
    "element_rating_kva",
    "loading_limit_pct",
    "element_background_kw",
    "element_background",
)

_CHECKED_SUMS = ("p_base_kw", "p_up_kw", "p_down_kw", "fcr_band_kw", "afrr_band_kw", "dso_req_kw")

PORTS = {
    MODEL_COORDINATOR: ModelPorts(
        inputs=INPUT_ATTRS,
        outputs=OUTPUT_ATTRS,
        params=(
            "zone_of_charger",
            "scheme",
            "zone_names",
            "charger_ids",
            *PRICE_PARAMS,
            *HEADROOM_PARAMS,
            *ELEMENT_PARAMS,
        ),
        # a NaN baseline, availability, band or request is the sender's error, reported
        combine=dict.fromkeys(_CHECKED_SUMS, Combine.ADD),
        senders=dict.fromkeys(("line_loading_pct", "trafo_loading_pct"), "grid Area"),
    ),
}
META = build_meta(PORTS, extra_methods=("events",))

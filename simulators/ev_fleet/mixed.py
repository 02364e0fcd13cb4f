"""A whole fleet: persistent EVs of every segment plus public-charging visitor sessions.

Rows are the persistent EVs (segment by segment) followed by one row per public charger;
:meth:`MixedFleet.step` returns the per-row :class:`FleetState` the EVSE reads and the
per-segment :class:`SegmentState` (plug-ins, plugged EVs, flexibility band). Like the
persistent fleet's (:mod:`.outputs`), the arrays handed out are read-only and never change
later; an array equal to the last step's is that same array again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cosim.errors import ModelError
from simulators.ev_fleet.flex import SegmentState
from simulators.ev_fleet.model import FleetModel
from simulators.ev_fleet.outputs import FleetState, readonly
from simulators.ev_fleet.segment_sums import SegmentSums
from simulators.ev_fleet.segments import Segment, SegmentKind
from simulators.ev_fleet.visitors import VisitorModel, VisitorParams

__all__ = ["MixedFleet"]

#: visitor outputs recomputed every step; the others change only when a session arrives or
#: leaves
_STEP_FIELDS = ("soc", "e_need_kwh", "e_unserved_kwh", "plugin_event")
_SESSION_FIELDS = tuple(
    f for f in FleetState.__dataclass_fields__ if f != "time_s" and f not in _STEP_FIELDS
)


class MixedFleet:
    """Persistent segments and public visitors, stepped together.

    Parameters
    ----------
    segments : sequence of Segment
        Persistent segments (may be empty when there are visitors).
    rng : numpy.random.Generator
        Seeded generator: the persistent fleet draws first, then the visitors.
    n_public : int
        Number of public chargers (visitor rows); 0 for none.
    visitors : VisitorParams, optional
        Visitor session distributions.
    step_s, week_offset_s : int
        As in :class:`FleetModel`.
    **model_kw
        Passed to :class:`FleetModel` (``climate``, ``start_doy``, ``ageing``...).
    """

    def __init__(
        self,
        segments: Sequence[Segment],
        rng: np.random.Generator,
        *,
        n_public: int = 0,
        visitors: VisitorParams | None = None,
        step_s: int = 900,
        week_offset_s: int = 0,
        **model_kw: object,
    ) -> None:
        persistent = [s for s in segments if s.n_ev > 0]
        self.persistent: FleetModel | None = None
        if persistent:
            self.persistent = FleetModel(
                persistent,
                None,
                rng,
                step_s=step_s,
                week_offset_s=week_offset_s,
                **model_kw,  # type: ignore[arg-type]
            )
        self.visitors: VisitorModel | None = None
        if n_public > 0:
            self.visitors = VisitorModel(
                visitors or VisitorParams(),
                n_public,
                rng,
                step_s=step_s,
                week_offset_s=week_offset_s,
            )
        if self.persistent is None and self.visitors is None:
            raise ValueError("the fleet is empty: give a segment with n_ev >= 1 or n_public >= 1")
        self.step_s = int(step_s)
        self.n_persistent = 0 if self.persistent is None else self.persistent.n_ev
        self.n_ev = self.n_persistent + (0 if self.visitors is None else self.visitors.n)
        names = [s.name for s in persistent]
        kinds = [s.kind.value for s in persistent]
        seg_idx = [] if self.persistent is None else [self.persistent.segment_idx]
        if self.visitors is not None:
            names.append(SegmentKind.PUBLIC_VISITOR.value)
            kinds.append(SegmentKind.PUBLIC_VISITOR.value)
            seg_idx.append(np.full(self.visitors.n, len(names) - 1, dtype=np.int64))
        if len(set(names)) != len(names):
            raise ValueError(f"segment names must be unique, got {names}")
        self.segment_names: list[str] = names
        self.segment_kinds: list[str] = kinds
        self.segment_idx: NDArray[np.int64] = np.concatenate(seg_idx)
        self._sums = SegmentSums(self.segment_idx, self.n_segments, self.step_s)
        self._visitor_out: dict[str, NDArray[Any]] = {}
        self._visitor_sessions = -1  # VisitorModel.session_changes of the kept outputs
        self._stacked: dict[str, tuple[NDArray[Any], NDArray[Any], NDArray[Any]]] = {}

    @property
    def n_segments(self) -> int:
        """Number of segments (visitors count as one)."""
        return len(self.segment_names)

    def step(self, time_s: int, p_batt_kw: NDArray[np.float64]) -> tuple[FleetState, SegmentState]:
        """Apply the last step's battery power, move the fleet to ``time_s``."""
        if self.visitors is None and self.persistent is not None:
            # persistent EVs only: FleetModel.step checks the power (and takes NaN as 0)
            # its per-segment outputs came with the step (FleetModel._state, one kernel)
            state = self.persistent.step(time_s, p_batt_kw)
            return state, self.persistent.segment_state
        p = np.asarray(p_batt_kw, dtype=float).reshape(-1)
        if p.shape != (self.n_ev,):
            raise ModelError(
                f"ev_fleet at t={time_s} s: p_batt_kw has {p.size} values for {self.n_ev} "
                "EVs; connect one value per EV"
            )
        parts = []
        if self.persistent is not None:  # FleetModel.step takes NaN as 0 itself
            parts.append(self.persistent.step(time_s, p[: self.n_persistent]))
        if self.visitors is not None:
            p_vis = p[self.n_persistent :]
            if not np.isfinite(p_vis).all():
                p_vis = np.nan_to_num(p_vis, nan=0.0)
            self.visitors.apply_power(p_vis)
            parts.append(self._visitor_state(time_s))
        state = parts[0] if len(parts) == 1 else self._concat(parts)
        return state, self._sums(state)

    def _visitor_state(self, time_s: int) -> FleetState:
        v = self.visitors
        assert v is not None
        unserved, arrived = v.step(time_s)
        plugged = v.plugged
        fields = {
            "soc": v.soc,
            "e_need_kwh": np.where(
                plugged, np.maximum(v.soc_target - v.soc, 0.0) * v.capacity_kwh, 0.0
            ),
            "e_unserved_kwh": unserved,
            "plugin_event": arrived,
        }
        out = {k: self._stable(k, a) for k, a in fields.items()}
        if v.session_changes != self._visitor_sessions:  # else the outputs kept are equal
            self._visitor_sessions = v.session_changes
            zeros = np.zeros(v.n)
            session: dict[str, NDArray[Any]] = {
                "plugged": plugged,
                "e_capacity_kwh": v.capacity_kwh,
                "departure_s": np.where(plugged, v.departure_s, -1),
                "p_max_kw": v.p_max_kw,
                "soc_min": v.soc_min,
                "soc_target": v.soc_target,
                # as rows of the whole fleet: visitor chargers follow the persistent ones
                "charger_idx": np.where(plugged, np.arange(v.n) + self.n_persistent, -1),
                "e_trip_kwh": zeros,
                "e_trip_unmet_kwh": zeros,
                "opt_out": v.opt_out,
                "capacity_fade": zeros,
            }
            for k in _SESSION_FIELDS:
                self._stable(k, session[k])
        kept = self._visitor_out
        return FleetState(time_s=time_s, **out, **{k: kept[k] for k in _SESSION_FIELDS})

    def _stable(self, name: str, arr: NDArray[Any]) -> NDArray[Any]:
        """A read-only copy of visitor output ``arr``; last step's if equal, bit for bit."""
        old = self._visitor_out.get(name)
        if old is not None and old.dtype == arr.dtype and old.tobytes() == arr.tobytes():
            return old
        self._visitor_out[name] = new = readonly(np.array(arr, copy=True))
        return new

    def _concat(self, parts: list[FleetState]) -> FleetState:
        """Stack persistent and visitor states (a field stacked again only when it changed)."""
        fields = {}
        for name in FleetState.__dataclass_fields__:
            if name == "time_s":
                continue
            a, b = getattr(parts[0], name), getattr(parts[1], name)
            old = self._stacked.get(name)
            if old is None or old[0] is not a or old[1] is not b:
                old = (a, b, readonly(np.concatenate([a, b])))
                self._stacked[name] = old
            fields[name] = old[2]
        return FleetState(time_s=parts[0].time_s, **fields)

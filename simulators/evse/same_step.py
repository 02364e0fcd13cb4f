"""Q(V), P(V) and undervoltage protection on the voltage of the same step (a same-time loop).

With the grid voltage connected time-shifted, a charger's local control acts on the voltage
of the previous step: with 15-min steps it reacts a quarter of an hour late, and barely at
the first step of a voltage dip. Real Q(V) controllers settle within seconds (IEEE 1547-2018
§5.3.3: open-loop response time 1-90 s, default 5 s), so over a step the grid sits at the
fixed point ``V = grid(Q)``, ``Q = Q(V)``.

The same-time loop finds that fixed point with mosaik 3's weak connections: the grid Area's
``v_pu`` goes to the bank's trigger input ``v_loop_pu`` (``weak=True``, both simulators in
one group), the bank re-steps at the same time with the new voltage, and while any charger's
P or Q changed by ``qv_loop_tol`` or more it sends ``resolve`` to the Area, which solves the
power flow again. A re-step starts from the state the bank had before the step (dead time,
ramp, protection timers), so the energy state advances once per step. The first iterate
uses the previous step's voltage, i.e. what the time-shifted connection gives. The
iteration is a fixed-point iteration on the voltage the chargers see, under-relaxed when
it oscillates (``SameStepLoop.end``); the relaxation changes the path, not the fixed
point. After ``qv_loop_max_iter`` re-steps the bank stops asking (``loop_iter`` then
shows the cap).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cosim.ports import port
from cosim.ports_types import Port
from simulators.evse.model import EVSEModel
from simulators.evse.state import EVSEState

__all__ = ["LOOP_ITER", "LOOP_PORTS", "RESOLVE", "SameStepLoop"]

#: the loop's ports: two trigger inputs (first), the grid's event input, a recorded count
LOOP_PORTS: tuple[Port, ...] = tuple(
    port(n) for n in ("v_loop_pu", "bus_id_loop", "resolve", "loop_iter")
)
#: event output asking the grid to solve again at the same time
RESOLVE = "resolve"
LOOP_ITER = "loop_iter"
#: EVSEModel attributes a step changes (restored before a re-step at the same time)
_STEP_STATE = ("_dead", "_p_prev", "_uv", "_warned_floor")


@dataclass
class SameStepLoop:
    """Loop state of one charger bank.

    Parameters
    ----------
    tol : float
        The loop has converged when no charger's P [kW] or Q [kvar] moves by ``tol`` or
        more between two iterations (scaled by the relaxation factor, see ``end``).
    max_iter : int
        Re-steps at one time after which the bank stops asking for another power flow.
    """

    tol: float = 0.01
    max_iter: int = 20
    time: int | None = None
    iteration: int = 0
    changed: bool = False
    n_capped: int = 0
    alpha: float = 1.0
    _saved: dict[str, Any] = field(default_factory=dict)
    _bus: dict[str, Any] = field(default_factory=dict)
    _v: dict[str, np.ndarray] = field(default_factory=dict)
    _prev: tuple[np.ndarray, np.ndarray] | None = None
    _step: np.ndarray | None = None

    def begin(self, time: int, model: EVSEModel, attrs: dict[str, Any]) -> None:
        """Prepare a (re-)step at ``time``: restore or save the model's step state and put
        the loop's voltage into ``attrs`` as ``v_pu`` / ``bus_id``.

        A re-step sees ``v + alpha (v_grid - v)``: the voltage it used last moved toward
        the grid's new solution (under-relaxation; ``alpha = 1`` takes the solution as is).
        """
        re_step = time == self.time
        if re_step:
            model.__dict__.update(copy.deepcopy(self._saved))
            self.iteration += 1
        else:
            self._saved = copy.deepcopy({k: model.__dict__[k] for k in _STEP_STATE})
            self.time, self.iteration, self._prev = time, 0, None
            self.alpha = 1.0
        v_src, bus_src = attrs.pop("v_loop_pu", None), attrs.pop("bus_id_loop", None)
        if v_src and bus_src and all(v is not None for v in v_src.values()):
            new = {k: np.asarray(v, dtype=float) for k, v in v_src.items()}
            if re_step and self._v.keys() == new.keys():
                new = {k: self._v[k] + self.alpha * (v - self._v[k]) for k, v in new.items()}
            self._v, self._bus = new, bus_src
        if self._v:  # nothing before the grid's first solve: the chargers take 1.0 p.u.
            attrs["v_pu"], attrs["bus_id"] = dict(self._v), self._bus

    def end(self, state: EVSEState) -> None:
        """Decide from the new powers whether the grid has to solve again.

        The first iterate (last step's voltage) is solved by the grid anyway. Q(V) and P(V)
        are negative feedback, so an iteration that overshoots alternates: when this
        change points against the last one, ``alpha`` shrinks by ``1 + r`` (``r``: ratio of
        their sizes, the loop gain seen), which would cancel a constant gain in one step;
        never below 1/8. Converged: no P or Q moved by ``tol * alpha`` or more.
        """
        if self._prev is None:
            self.changed, self._step = False, None
        else:
            step = np.concatenate([state.p_kw - self._prev[0], state.q_kvar - self._prev[1]])
            self.changed = float(np.abs(step).max(initial=0.0)) >= self.tol * self.alpha
            last = self._step
            if last is not None and float(step @ last) < 0.0:
                r = float(np.linalg.norm(step)) / max(float(np.linalg.norm(last)), 1e-12)
                self.alpha = max(self.alpha / (1.0 + r), 0.125)
            self._step = step
            if self.changed and self.iteration >= self.max_iter:
                self.changed = False
                self.n_capped += 1
        self._prev = (state.p_kw, state.q_kvar)

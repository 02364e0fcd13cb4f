"""One simulator's step under the sequential scheduler: its inputs, max_advance, call, outputs.

:mod:`cosim.sequential` performs every step with what mosaik 3.7's scheduler does for it
(``get_input_data``, ``get_max_advance``, ``step``, ``get_outputs``). Done literally, that
is six coroutines per step (``step`` awaits ``SimRunner.step``, which awaits the proxy's
``send``; the same for ``get_data``), a TieredTime built and added per scheduled step,
mosaik's output check rebuilding each entity's set of output attributes, and the pulled
inputs assembled one connection at a time: ~70 µs per time step of a world of ten
simulators. :class:`SimSteps` computes the same values directly for a simulator whose
methods :mod:`cosim.mosaik_fast` calls directly anyway (an in-process simulator whose
``step`` and ``get_data`` are plain functions):

- :meth:`SimSteps.inputs` builds the pulled inputs with the layout of mosaik's dict (the
  same entity, attribute and source order) worked out once (:mod:`cosim.pulled_inputs`);
- :meth:`SimSteps.max_advance` is ``get_max_advance`` over single-tier times: each
  triggering ancestor's next step plus its shortest distance;
- :meth:`SimSteps.take` is mosaik's ``step`` and ``get_outputs`` with the simulator's
  methods called in place of the proxy's, the same checks and errors
  (``SimRunner.step``'s report of inputs JSON cannot encode included), and mosaik's
  output check only for data with an entity or attribute not already found valid (the
  check only warns, and a valid entity and attribute stay valid); the next step's
  TieredTime is one object per time, shared by the simulators (mosaik compares them by
  value only).

A simulator these do not cover (a generator method, the fast paths off, an unexpected
time shape) is stepped with mosaik's own functions, as is a step whose inputs include
``set_data`` or pushed values.
"""

from __future__ import annotations

from heapq import heappop
from inspect import isgeneratorfunction
from json import JSONEncoder
from typing import Any

import mosaik.scheduler as scheduler
from mosaik.async_scenario import AsyncModelFactory
from mosaik.exceptions import (
    InvalidNextStepTimeError,
    InvalidNextStepTypeError,
    InvalidOutputTimeError,
    NonSerializableOutputsError,
)
from mosaik.tiered_time import TieredTime

from cosim.errors import CosimError
from cosim.pulled_inputs import OutputOrder, PulledInputs

__all__ = ["OutputAheadError", "SimSteps"]


class SimSteps:
    """What the sequential scheduler computes for one simulator (``runner``) per step."""

    def __init__(
        self,
        runner: Any,
        *,
        direct: bool,
        pushed: bool,
        times: dict[int, TieredTime],
        order: OutputOrder | None = None,
    ) -> None:
        self.runner = runner
        #: the TieredTime of each time a step was scheduled at, shared by the world's
        #: simulators (one object per time, not one per scheduled step; mosaik compares
        #: them by value only)
        self.times = times
        self.pulled = PulledInputs(runner, order)
        #: whether :meth:`take` set the runner's ``newer_step`` (only mosaik's simulator
        #: processes, which a sequential run does not start, wait for and clear it: once
        #: set, it stays set, and setting it again changes nothing)
        self.newer_set = False
        #: the world's output order (see take's outputs) and the newest time this cached
        self.order, self.newest = order, max(runner.outputs or (), default=float("-inf"))
        #: whether a connection pushes into the simulator (only those fill its
        #: ``timed_input_buffer``)
        self.pushed = pushed
        self.ancestors = _ancestor_distances(runner)
        obj = runner._proxy.sim
        #: the simulator's own methods
        self.sim_step, self.sim_get_data = obj.step, obj.get_data
        #: whether :meth:`take` can call them directly (else :meth:`take_by_mosaik`)
        self.direct = (
            direct
            and self.ancestors is not None
            and not isgeneratorfunction(self.sim_step)
            and not isgeneratorfunction(self.sim_get_data)
        )
        self.check_outputs = _output_check(runner)
        self.show = not getattr(runner.tqdm, "disable", False)

    def take(self, world: Any, now: int, until: int) -> None:
        """The simulator's step at ``now``, its methods called directly (``direct``).

        :meth:`inputs`, :meth:`max_advance`, mosaik's ``step`` and ``get_outputs`` in one
        frame for the usual step (pulled inputs, no ancestors, a next step at a new
        time; otherwise :meth:`_schedule` checks and schedules it): each runs once per
        simulator and step, and their calls cost more than their work.
        """
        sim = self.runner
        pending = sim.next_steps
        sim.current_step = current = heappop(pending)
        inputs = None
        if not (sim.inputs_from_set_data or (self.pushed and sim.timed_input_buffer)):
            inputs = self.pulled(now)  # as self.inputs(now), without its call
        if inputs is None:
            inputs = scheduler.get_input_data(world, sim)
        if self.ancestors:
            max_advance = self.max_advance(until)
        else:  # its own next step only
            max_advance = (
                pending[0].tiers[0] - 1 if pending and pending[0].tiers[0] <= until else until
            )
        if self.show:
            sim.tqdm.set_postfix_str("stepping")
        sim.is_in_step = True
        try:
            next_step_time = self.sim_step(now, inputs, max_advance)
        except TypeError:
            _report_unencodable(sim.sid, inputs)
            raise
        sim.last_step = current
        sim.is_in_step = False
        if type(next_step_time) is int and now < next_step_time < world.until and not pending:
            next_step = self.times.get(next_step_time)
            if next_step is None:
                next_step = self.times[next_step_time] = TieredTime(next_step_time)
            pending.append(next_step)  # what schedule_step does with no step pending
            if not self.newer_set:
                sim.newer_step.set()
                self.newer_set = True
            sim.next_self_step = next_step
        else:
            self._schedule(world, now, next_step_time)
        request = sim.output_request
        if request:  # mosaik's get_outputs, its output check where it could warn
            if self.show:
                sim.tqdm.set_postfix_str("get_data")
            data = self.sim_get_data(request)
            output_time = data.pop("time", now)  # (the last step's time is now)
            if output_time == now:
                sim.output_time = current
            else:
                sim.output_time = _other_output_time(sim, output_time, now)
            if sim.outputs is not None:
                sim.outputs[output_time] = data
                if output_time >= self.newest:
                    self.newest = output_time
                elif self.order is not None:  # (an output time set by the simulator)
                    self.order.in_order = False
            self.check_outputs(data)
            if sim.output_to_push:
                scheduler.push_output_data(sim, data, output_time)
            sim.data = data
        sim.current_step = None
        if sim.triggers:
            scheduler.trigger_successors(sim)

    async def take_by_mosaik(self, world: Any, now: int, until: int) -> None:
        """The simulator's step at ``now`` by mosaik's own scheduler functions."""
        sim = self.runner
        sim.current_step = heappop(sim.next_steps)
        inputs = self.inputs(now)
        if inputs is None:
            inputs = scheduler.get_input_data(world, sim)
        max_advance = scheduler.get_max_advance(world, sim, until)
        await scheduler.step(world, sim, inputs, max_advance)
        await scheduler.get_outputs(world, sim)
        reported = getattr(sim, "output_time", None)  # set by get_outputs when asked for data
        if reported is not None and reported.tiers[0] > now:
            raise OutputAheadError(sim.sid, reported.tiers[0], now)
        sim.current_step = None
        scheduler.trigger_successors(sim)

    def inputs(self, time: int) -> dict[str, Any] | None:
        """mosaik's ``get_input_data`` for a step whose inputs are all pulled (None for a
        step with ``set_data`` or pushed inputs, or when a source lacks a value: mosaik's
        own function serves those)."""
        sim = self.runner
        if sim.inputs_from_set_data or (self.pushed and sim.timed_input_buffer):
            return None
        return self.pulled(time)

    def max_advance(self, until: int) -> int:
        """mosaik's ``get_max_advance`` (single-tier times: :func:`_ancestor_distances`)."""
        best = until + 1
        for anc, distance in self.ancestors or ():
            steps = anc.next_steps
            if steps and steps[0].tiers[0] + distance < best:
                best = steps[0].tiers[0] + distance
        steps = self.runner.next_steps
        if steps and steps[0].tiers[0] < best:
            best = steps[0].tiers[0]
        return best - 1

    def _schedule(self, world: Any, now: int, next_step_time: Any) -> None:
        """mosaik's checks of the time a step returned, and its next step scheduled."""
        sim = self.runner
        if next_step_time is not None:
            if not isinstance(next_step_time, int):
                raise InvalidNextStepTypeError(sim.sid, next_step_time)
            if next_step_time <= now:
                raise InvalidNextStepTimeError(sim.sid, next_step_time, now)
            if next_step_time < world.until:
                # TieredTime(t) + from_world_time, which is (0,) without same-time loops
                next_step = self.times.get(next_step_time)
                if next_step is None:
                    next_step = self.times[next_step_time] = TieredTime(next_step_time)
                pending = sim.next_steps
                if pending:
                    sim.schedule_step(next_step)
                else:  # what schedule_step does with no step pending, without its calls
                    pending.append(next_step)
                    sim.newer_step.set()
                sim.next_self_step = next_step
        if sim.type == "time-based":
            assert next_step_time, "A time-based simulator must always return a next step"


class OutputAheadError(CosimError):
    """A simulator's ``get_data`` reported its outputs for a time after its step.

    mosaik reads such outputs by the order its cache received them, which the sequential
    scheduler's reads do not reproduce: rather than a run whose inputs differ from
    mosaik's, the run stops with the fix.
    """

    def __init__(self, sid: str, output_time: int, step_time: int) -> None:
        super().__init__(
            f"simulator {sid} reported outputs for time {output_time} at its step at "
            f"{step_time} (get_data's 'time' ahead of the step): the sequential scheduler "
            "does not read such outputs as mosaik does; run it on mosaik's scheduler with "
            "mosaik.sequential = false (--set mosaik.sequential=false)"
        )


def _other_output_time(sim: Any, output_time: Any, last: int) -> TieredTime:
    """The time of outputs ``get_data`` reported for a time not equal to the step's
    (``last``): mosaik's error for one before it, the sequential scheduler's for one after
    it, else (neither, as for NaN) the time as mosaik's ``get_outputs`` takes it."""
    if last > output_time:
        raise InvalidOutputTimeError(sim.sid, output_time, sim.last_step)
    if output_time > last:
        raise OutputAheadError(sim.sid, output_time, last)
    return TieredTime(output_time)


def _report_unencodable(sid: str, inputs: dict[str, Any]) -> None:
    """``SimRunner.step``'s answer to a TypeError from a step: raise the inputs JSON
    cannot encode, if any (the caller re-raises the TypeError otherwise)."""
    encoder = JSONEncoder()
    error = NonSerializableOutputsError(sid)
    for dest_eid, entity_inputs in inputs.items():
        for dest_attr, attr_inputs in entity_inputs.items():
            for src_id, value in attr_inputs.items():
                try:
                    encoder.encode(value)
                except TypeError as e:
                    error.add_error(dest_eid, dest_attr, src_id, e)
    if error:
        raise error


def _output_check(runner: Any) -> Any:
    """``runner.check_outputs``, skipped for data whose entities and attributes it found
    valid before (mosaik's ``validate_output_dict`` only warns about unknown ones)."""
    check = runner.check_outputs
    if getattr(check, "__func__", None) is not AsyncModelFactory.validate_output_dict:
        return check
    entities = check.__self__.entities
    valid: dict[str, frozenset[str]] = {}

    def checked(data: dict[str, Any]) -> None:
        for eid, attrs in data.items():
            allowed = valid.get(eid)
            if allowed is None and eid in entities:
                allowed = valid[eid] = frozenset(entities[eid].model_mock.output_attrs)
            if allowed is None or not allowed.issuperset(attrs):
                check(data)
                return

    return checked


def _ancestor_distances(runner: Any) -> tuple[tuple[Any, int], ...] | None:
    """Each triggering ancestor with its shortest distance (None unless every time and
    distance has one tier, where ``(t + d).time`` is ``t.time + d.time``)."""
    if len(runner.last_step.tiers) != 1:
        return None
    out = []
    for anc, distances in runner.triggering_ancestors.items():
        if any(d.pre_length != 1 or len(d.tiers) != 1 for d in distances.durations):
            return None
        if distances.durations:
            out.append((anc, min(d.tiers[0] for d in distances.durations)))
    return tuple(out)

"""The recorder's packed step (results.recorder._Packed: values looked up by attribute and
source, the array series stored as one concatenated row) records every dataset bit for bit
as the walk does, whatever the inputs: values of every kind a sender could pass (arrays of
other dtypes, shapes or lengths, lists, None, numpy scalars, large integers) and layouts
that change from step to step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from results import recorder
from results.recorder import RecorderSim

_BIG = 2**53 + 2**29 + 1  # rounds differently through float64 than straight to float32
_WIDTHS = {"S-0.a": 3, "S-0.b": 1, "S-0.c": 2}
#: entities with scalar outputs: each alone in its model, and two of one model (a family)
_ALONE = ("S-0.x", "S-0.y", "S-0.z")
_FAMILY = ("S-0.f1", "S-0.f2")


def _array(kind: str, n: int, t: int) -> Any:
    base = np.array([0.1 * t - 1.0, -0.0, np.nan, 1e-46, 3.4e39][:n] + [float(t)] * max(0, n - 5))
    return {
        "f8": base,
        "f4": base.astype(np.float32),
        "bool": base > 0,
        "int": np.arange(n, dtype=np.int64) + _BIG * (t % 2),
        "list": list(base),
        "one": base[:1],  # broadcast over the row by the walk
        "short": base[: n - 1] if n > 1 else base,  # (the walk raises on these two)
        "long": np.append(base, 2.0),
        "2d": base[None, :],
        "column": base[:, None],
        "0d": np.array(1.5),
    }[kind]


_SCALARS = [
    1.5,
    -0.0,
    np.nan,
    None,
    7,
    _BIG,
    True,
    np.float32(0.1),
    np.int64(_BIG),
    np.float64(2.5),
]


@st.composite
def _steps(draw: Any) -> list[dict[str, Any]]:
    n_steps = draw(st.integers(1, 12))
    steps = []
    for t in range(n_steps):
        attrs: dict[str, dict[str, Any]] = {}
        kinds = ["f8"] * 6 + ["f4", "bool", "int", "list", "one", "short", "long", "2d", "0d"]
        uniform = draw(st.sampled_from([None, "f8", "int", "bool", "f4"]))  # one kind for all
        for src, n in _WIDTHS.items():
            kind = uniform or draw(st.sampled_from([*kinds, "absent"]))
            if kind != "absent":
                attrs.setdefault("p_kw", {})[src] = _array(kind, n, t)
        family = draw(st.booleans())
        for src in _ALONE + (_FAMILY if family else ()):
            value = draw(st.sampled_from([*([float(t)] * 8), *_SCALARS, "absent"]))
            if value != "absent":
                attrs.setdefault("v_pu" if src != "S-0.z" else "q_kvar", {})[src] = value
        if draw(st.booleans()) and t > 2:  # another order of attributes and sources
            attrs = {a: dict(reversed(attrs[a].items())) for a in reversed(attrs)}
        steps.append({"recorder": attrs})
    return steps


def _record(
    path: Path, steps: list[dict[str, Any]], float32: bool, buffer_steps: int
) -> str | None:
    """Record ``steps`` into ``path``; the error a step raised, if any."""
    sim = RecorderSim()
    sim.init(
        "Rec-0",
        path=str(path),
        step_s=1,
        until_s=len(steps),
        buffer_steps=buffer_steps,
        float32=float32,
    )
    sim.create(1, "Recorder")
    labels = [{"full_id": s, "model": "A", "columns": list("abc")[:n]} for s, n in _WIDTHS.items()]
    scalars = [{"full_id": s, "model": s[-1].upper(), "columns": None} for s in _ALONE]
    family = [{"full_id": s, "model": "F", "columns": None} for s in _FAMILY]
    sim.describe([*labels, *scalars, *family])
    try:
        for t, inputs in enumerate(steps):
            sim.step(t, inputs, 10**9)
    except Exception as err:  # the same error either way (a value of another kind)
        return f"{type(err).__name__}: {err}"
    finally:
        sim.finalize()
    return None


def _datasets(path: Path) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    with h5py.File(path, "r") as f:
        f.visititems(
            lambda name, obj: out.update({name: obj[()]}) if isinstance(obj, h5py.Dataset) else None
        )
    return out


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=_steps(), float32=st.booleans(), buffer_steps=st.integers(1, 5))
def test_packed_steps_record_what_the_walk_records(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    steps: list[dict[str, Any]],
    float32: bool,
    buffer_steps: int,
) -> None:
    _assert_same_datasets(tmp_path, monkeypatch, steps, float32, buffer_steps)


@pytest.mark.parametrize(
    "kinds",
    [
        *((kind,) * 3 for kind in ["f8", "f4", "bool", "int", "list", "one", "2d", "column"]),
        ("short", "long", "f8"),  # the right number of values in all, each series' wrong
    ],
)
@pytest.mark.parametrize("float32", [True, False])
def test_arrays_of_one_kind_record_what_the_walk_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kinds: tuple[str, ...], float32: bool
) -> None:
    """(e.g. integers past 2**53 go through float64 first, as the walk converts them)"""
    steps = [
        {
            "recorder": {
                "p_kw": {
                    s: _array(kind if t > 1 else "f8", n, t)  # declared by plain arrays
                    for (s, n), kind in zip(_WIDTHS.items(), kinds, strict=True)
                },
                "v_pu": {"S-0.x": float(t), "S-0.y": _SCALARS[t % len(_SCALARS)]},
            }
        }
        for t in range(6)
    ]
    _assert_same_datasets(tmp_path, monkeypatch, steps, float32, 4)


def _assert_same_datasets(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    steps: list[dict[str, Any]],
    float32: bool,
    buffer_steps: int,
) -> None:
    """Recording ``steps`` packed and by the walk alone gives the same error and datasets."""
    name = f"{len(list(tmp_path.iterdir()))}"  # hypothesis reuses tmp_path
    error = _record(tmp_path / f"{name}p.h5", steps, float32, buffer_steps)
    with monkeypatch.context() as m:
        m.setattr(recorder._Packed, "of", classmethod(lambda cls, *args: None))
        assert _record(tmp_path / f"{name}w.h5", steps, float32, buffer_steps) == error
    packed, walked = _datasets(tmp_path / f"{name}p.h5"), _datasets(tmp_path / f"{name}w.h5")
    assert packed.keys() == walked.keys()
    for key, values in walked.items():
        assert packed[key].dtype == values.dtype, key
        assert packed[key].tobytes() == values.tobytes(), key  # NaN bits and -0.0 included


def test_a_run_of_plain_values_takes_the_packed_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The layout of a real run (every value an array of its width or a float) is packed
    from its second step on."""
    taken = []
    rows = recorder._Packed.rows
    monkeypatch.setattr(
        recorder._Packed, "rows", lambda self, i: taken.append(rows(self, i)) or taken[-1]
    )
    steps = [
        {
            "recorder": {
                "p_kw": {s: _array("f8", n, t) for s, n in _WIDTHS.items()},
                "v_pu": {"S-0.x": 1.0 * t},
            }
        }
        for t in range(6)
    ]
    _record(tmp_path / "run.h5", steps, True, 4)
    assert len(taken) == 5 and all(r is not None for r in taken)

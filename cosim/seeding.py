"""One seed per scenario, one independent child generator per simulator."""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["MAX_SEED", "child_seed", "generator"]

#: largest scenario seed: numpy's SeedSequence takes any integer >= 0, but the seed is
#: stored in the results file as an HDF5 attribute, which holds at most a signed 64-bit int
MAX_SEED = 2**63 - 1


def child_seed(seed: int, name: str) -> list[int]:
    """Return JSON-serialisable entropy for the child stream called ``name``.

    The stream depends only on ``seed`` and ``name`` (not on creation order), so adding a
    simulator to a scenario leaves the random draws of the others unchanged.

    >>> child_seed(42, "ev_fleet") == child_seed(42, "ev_fleet")
    True
    """
    key = zlib.crc32(name.encode("utf-8"))
    seq = np.random.SeedSequence(entropy=int(seed), spawn_key=(key,))
    return [int(x) for x in seq.generate_state(4)]


def generator(entropy: list[int] | int) -> np.random.Generator:
    """A numpy generator from entropy produced by :func:`child_seed` (or a plain int)."""
    return np.random.default_rng(np.random.SeedSequence(entropy))

"""The fleet's model names, light to import (stdlib only) for readers of its results."""

from __future__ import annotations

__all__ = ["MODEL_FLEET", "MODEL_SEGMENTS"]

#: mosaik model names (``world.start(...).<name>``, the ``type`` of created entities)
MODEL_FLEET = "Fleet"
MODEL_SEGMENTS = "Segments"

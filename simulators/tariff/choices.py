"""The tariff's model name, light to import (stdlib only) for readers of its results."""

from __future__ import annotations

__all__ = ["MODEL_TARIFF"]

#: mosaik model name (``world.start(...).<name>``, the ``type`` of created entities)
MODEL_TARIFF = "Tariff"

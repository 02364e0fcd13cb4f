"""The flexibility market's model name, light to import (stdlib only) so the results reader can use
it without loading the simulator."""

from __future__ import annotations

__all__ = ["MODEL_MARKET"]

#: mosaik model name (``world.start(...).<name>``, the ``type`` of created entities)
MODEL_MARKET = "Market"

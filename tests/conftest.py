"""Suite-wide settings: the tests keep their prepared-grid cache apart from the user's."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# One folder for every test process (xdist workers included): a grid is prepared once per
# machine and package versions, and the user's own cache is never touched.
os.environ.setdefault(
    "COSIM_CACHE_DIR", str(Path(tempfile.gettempdir()) / "ev-grid-cosim-test-cache")
)

# CI runs the same examples every time (a red CI then means a changed result, not a new
# random draw); local runs keep exploring new examples and store the failures they find.
if os.environ.get("CI"):
    from hypothesis import settings

    settings.register_profile("ci", derandomize=True)
    settings.load_profile("ci")

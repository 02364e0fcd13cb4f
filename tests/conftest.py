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

"""``cosim cache``: where the prepared grids are cached, what is there, and clearing it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

__all__ = ["add_cache_parser", "cmd_cache"]


def add_cache_parser(sub: Any) -> None:
    """Add the ``cache`` sub-command to the ``cosim`` parser's sub-parsers ``sub``."""
    cache = sub.add_parser(
        "cache",
        help="list the prepared-grid cache (set $COSIM_CACHE_DIR to move it, "
        "COSIM_NO_CACHE=1 to bypass it)",
    )
    cache.add_argument("--clear", action="store_true", help="delete every cached grid")
    cache.set_defaults(func=cmd_cache)


def cmd_cache(args: argparse.Namespace) -> int:
    """Print the cache folder and one line per cached grid; ``--clear`` empties it."""
    from simulators.grid.cache import cache_dir, clear_cache

    root = cache_dir()
    if args.clear:
        print(f"removed {clear_cache()} cached grid(s) from {root}")
        return 0
    entries = sorted(p for p in (root / "grids").glob("*") if p.is_dir())
    print(f"{root}: {len(entries)} cached grid(s)")
    for entry in entries:
        size_mb = sum(f.stat().st_size for f in entry.rglob("*") if f.is_file()) / 2**20
        print(f"  {_source(entry):<40} {size_mb:8.1f} MiB  {entry.name}")
    return 0


def _source(entry: Path) -> str:
    try:
        return str(json.loads((entry / "meta.json").read_text())["source"])
    except (OSError, ValueError, KeyError):
        return "(unreadable entry)"

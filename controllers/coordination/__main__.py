"""Run the DSO–TSO coordinator as its own process (mosaik ``cmd`` / ``connect`` starters)."""

from __future__ import annotations

import mosaik_api_v3

from controllers.coordination.adapter import CoordinatorSim


def main() -> None:
    """Start the simulator; mosaik passes the address on the command line."""
    mosaik_api_v3.start_simulation(CoordinatorSim(json_safe=True), "EV Grid Co-Sim coordinator")


if __name__ == "__main__":
    main()

"""Run the TSO simulator as its own process (mosaik ``cmd`` / ``connect`` starters)."""

from __future__ import annotations

import mosaik_api_v3

from simulators.tso.adapter import TSOSim


def main() -> None:
    """Start the simulator; mosaik passes the address on the command line."""
    mosaik_api_v3.start_simulation(TSOSim(json_safe=True), "EV Grid Co-Sim tso")


if __name__ == "__main__":
    main()

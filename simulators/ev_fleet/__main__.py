"""Run the EV fleet simulator as its own process (mosaik ``cmd`` / ``connect`` starters)."""

from __future__ import annotations

import mosaik_api_v3

from simulators.ev_fleet.adapter import EVFleetSim


def main() -> None:
    """Start the simulator; mosaik passes the address on the command line."""
    mosaik_api_v3.start_simulation(EVFleetSim(json_safe=True), "EV Grid Co-Sim EV fleet")


if __name__ == "__main__":
    main()

"""Run the home energy manager as its own process (mosaik ``cmd`` / ``connect`` starters)."""

from __future__ import annotations

import mosaik_api_v3

from simulators.home_energy.adapter import HomeEnergySim


def main() -> None:
    """Start the simulator; mosaik passes the address on the command line."""
    mosaik_api_v3.start_simulation(HomeEnergySim(json_safe=True), "EV Grid Co-Sim home energy")


if __name__ == "__main__":
    main()

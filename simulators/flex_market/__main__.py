"""Run the flexibility market as its own process (mosaik ``cmd`` / ``connect`` starters)."""

from __future__ import annotations

import mosaik_api_v3

from simulators.flex_market.adapter import FlexMarketSim


def main() -> None:
    """Start the simulator; mosaik passes the address on the command line."""
    mosaik_api_v3.start_simulation(FlexMarketSim(json_safe=True), "EV Grid Co-Sim flex market")


if __name__ == "__main__":
    main()

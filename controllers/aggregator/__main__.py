"""Run the aggregator as its own process (mosaik ``cmd`` / ``connect`` starters)."""

from __future__ import annotations

import mosaik_api_v3

from controllers.aggregator.adapter import AggregatorSim


def main() -> None:
    """Start the simulator; mosaik passes the address on the command line."""
    mosaik_api_v3.start_simulation(AggregatorSim(json_safe=True), "EV Grid Co-Sim aggregator")


if __name__ == "__main__":
    main()

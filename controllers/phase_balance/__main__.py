"""Run the phase balancer as its own process (mosaik ``cmd`` / ``connect`` starters)."""

from __future__ import annotations

import mosaik_api_v3

from controllers.phase_balance.adapter import PhaseBalanceSim


def main() -> None:
    """Start the simulator; mosaik passes the address on the command line."""
    mosaik_api_v3.start_simulation(PhaseBalanceSim(json_safe=True), "EV Grid Co-Sim phase balancer")


if __name__ == "__main__":
    main()

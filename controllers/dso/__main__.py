"""Run the DSO operator as its own process (mosaik ``cmd`` / ``connect`` starters)."""

from __future__ import annotations

import mosaik_api_v3

from controllers.dso.adapter import DSOSim


def main() -> None:
    """Start the simulator; mosaik passes the address on the command line."""
    mosaik_api_v3.start_simulation(DSOSim(json_safe=True), "EV Grid Co-Sim DSO operator")


if __name__ == "__main__":
    main()

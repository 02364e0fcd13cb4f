"""Run the tariff simulator as its own process (mosaik ``cmd`` / ``connect`` starters)."""

from __future__ import annotations

import mosaik_api_v3

from simulators.tariff.adapter import TariffSim


def main() -> None:
    """Start the simulator; mosaik passes the address on the command line."""
    mosaik_api_v3.start_simulation(TariffSim(json_safe=True), "EV Grid Co-Sim tariff")


if __name__ == "__main__":
    main()

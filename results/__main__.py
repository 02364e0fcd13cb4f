"""Run the results recorder as its own process (mosaik ``cmd`` starter)."""

from __future__ import annotations

import mosaik_api_v3

from results.recorder import RecorderSim


def main() -> None:
    mosaik_api_v3.start_simulation(RecorderSim(json_safe=True), "EV Grid Co-Sim recorder")


if __name__ == "__main__":
    main()

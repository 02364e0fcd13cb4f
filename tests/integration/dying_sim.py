"""A simulator whose process exits before it connects to mosaik (as an import error in a
user's simulator would); the class exists so that config validation accepts the impl."""

import sys

from simulators.evse.adapter import EVSESim


class Sim(EVSESim):
    """Never runs: its process ends first."""


if __name__ == "__main__":
    print("dying_sim: exiting before connecting", file=sys.stderr)
    sys.exit(3)

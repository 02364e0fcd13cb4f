"""Framework glue of EV Grid Co-Sim: ports, time base, config, registry, CLI, errors."""

"""Redis messaging: the radio dispatch stream, its relay and consoles, and the live fan-out."""

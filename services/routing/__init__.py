"""Routing context: major matters (大事) to county departments, flow-back, dead letters."""

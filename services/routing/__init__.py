"""Routing context: major matters (大事) to county departments, tickets, meetings, deadlines."""

"""Volunteer teams (义工队): volunteers, recurring services, visits, service hours, certificates."""

"""The demo data: the demo county (county.py) and a realistic year of triage (triage.py)."""

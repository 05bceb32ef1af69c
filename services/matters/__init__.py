"""Matters context (事项): requests under three-matter triage (三事分流), followed until solved."""

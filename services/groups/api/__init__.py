"""GraphQL adapter of the groups context: one module per capability, merged in root.py."""

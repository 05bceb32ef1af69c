"""The shared kernel: small pieces every context uses (declarations, pagination, vocabulary,
vote rules)."""

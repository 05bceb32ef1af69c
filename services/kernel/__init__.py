"""The shared kernel: small pieces every context uses (context declarations, pagination)."""

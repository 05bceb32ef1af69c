"""Migrations: platform/NNNN_name.sql (platform schema), tenant/NNNN_name.sql (each community)."""

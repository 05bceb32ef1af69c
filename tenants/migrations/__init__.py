"""Migrations: platform/NNNN_name.sql for the platform schema, tenant/NNNN_name.sql for each community."""

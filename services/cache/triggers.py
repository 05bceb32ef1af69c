"""The statement that ends every migration run: data-version triggers on any table lacking them."""

from __future__ import annotations

# New tables of a schema that keeps a data_version get its triggers
# (platform.install_data_version_triggers, platform migration 0004), so a table a later
# migration adds cannot change data without changing the token. A DO block, so a
# database whose platform schema is older than 0004 (or a schema without data_version)
# is left alone. tenants.migrate appends it to every non-empty script.
COVER_NEW_TABLES = """DO $cover$ BEGIN
    IF to_regprocedure('platform.install_data_version_triggers(text)') IS NOT NULL THEN
        PERFORM platform.install_data_version_triggers(current_schema());
    END IF;
END $cover$"""

-- The community's data version for the GraphQL response cache: see platform migration
-- 0004 (the trigger and functions live there) and docs/response-cache.md.
CREATE TABLE data_version (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    token    uuid    NOT NULL DEFAULT gen_random_uuid()
);
INSERT INTO data_version DEFAULT VALUES;
SELECT platform.install_data_version_triggers(current_schema());

-- Data versions for the GraphQL response cache (docs/response-cache.md).
--
-- Each schema that holds data (this platform schema and every community schema) has a
-- one-row data_version table. Its token (a random uuid, never reused: a dropped and
-- re-created schema cannot repeat an old token) changes at the commit of any transaction
-- that changed the schema's data, by a deferred constraint trigger on each of its tables.
-- Deferred = run at commit, after every other lock the transaction takes: the one-row
-- UPDATE cannot take part in a deadlock, and it is held only while the commit finishes.
-- A guard (a transaction-local setting) makes it one UPDATE per schema per transaction.
CREATE TABLE data_version (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    token    uuid    NOT NULL DEFAULT gen_random_uuid()
);
INSERT INTO data_version DEFAULT VALUES;

CREATE FUNCTION platform.bump_data_version() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    guard text := 'sanshi.dv_' || md5(TG_TABLE_SCHEMA);
BEGIN
    IF current_setting(guard, true) = '1' THEN
        RETURN NULL;
    END IF;
    EXECUTE format('UPDATE %I.data_version SET token = gen_random_uuid()', TG_TABLE_SCHEMA);
    PERFORM set_config(guard, '1', true);
    RETURN NULL;
END
$fn$;

-- The token of a schema's data; NULL when the schema has no data_version table.
CREATE FUNCTION platform.data_version_of(schema_name text) RETURNS uuid
LANGUAGE plpgsql STABLE AS $fn$
DECLARE
    result uuid;
BEGIN
    IF to_regclass(format('%I.data_version', schema_name)) IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE format('SELECT token FROM %I.data_version', schema_name) INTO result;
    RETURN result;
END
$fn$;

-- Put the triggers on every table of a schema that has none yet. The migration runner
-- calls it after each run on a schema with a data_version table, so a table added by a
-- later migration is covered without anyone remembering to. Not covered: data_version
-- itself, schema_migrations, and platform.outbox (infrastructure that the relay rewrites
-- constantly and no read shows; a change that is shown commits with its own data).
CREATE FUNCTION platform.install_data_version_triggers(schema_name text) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
    t record;
    installed integer := 0;
BEGIN
    IF to_regclass(format('%I.data_version', schema_name)) IS NULL THEN
        RETURN 0;
    END IF;
    -- The schema's tables through pg_depend (every object depends on its schema; indexed
    -- on the referenced object): pg_class has no index on relnamespace, and a scan of it
    -- grows with every community in the database.
    FOR t IN
        SELECT c.relname
        FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
        WHERE d.refclassid = 'pg_namespace'::regclass
          AND d.refobjid = to_regnamespace(quote_ident(schema_name))::oid
          AND d.classid = 'pg_class'::regclass
          AND c.relkind = 'r'
          AND c.relname NOT IN ('data_version', 'schema_migrations')
          AND NOT (schema_name = 'platform' AND c.relname = 'outbox')
          AND NOT EXISTS (
              SELECT 1 FROM pg_trigger tg
              WHERE tg.tgrelid = c.oid AND tg.tgname = 'sanshi_data_version')
        ORDER BY c.relname
    LOOP
        EXECUTE format(
            'CREATE CONSTRAINT TRIGGER sanshi_data_version '
            'AFTER INSERT OR UPDATE OR DELETE ON %I.%I '
            'DEFERRABLE INITIALLY DEFERRED FOR EACH ROW '
            'EXECUTE FUNCTION platform.bump_data_version()', schema_name, t.relname);
        EXECUTE format(
            'CREATE TRIGGER sanshi_data_version_truncate AFTER TRUNCATE ON %I.%I '
            'FOR EACH STATEMENT EXECUTE FUNCTION platform.bump_data_version()',
            schema_name, t.relname);
        installed := installed + 1;
    END LOOP;
    RETURN installed;
END
$fn$;

SELECT platform.install_data_version_triggers('platform');

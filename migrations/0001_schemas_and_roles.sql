-- Schemas of the four layers plus meta, and the roles of SPEC §5.
-- Roles are cluster-wide: created only when missing, tolerant of a
-- concurrent migration of another database creating them at the same time.

DO $$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['citizen_reader', 'citizen_clerk', 'citizen_supervisor', 'citizen_admin'] LOOP
        BEGIN
            EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END LOOP;
END
$$;

GRANT citizen_reader TO citizen_clerk, citizen_supervisor, citizen_admin;

CREATE SCHEMA IF NOT EXISTS land;
CREATE SCHEMA IF NOT EXISTS stage;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS mart;
CREATE SCHEMA IF NOT EXISTS meta;

REVOKE ALL ON SCHEMA land, stage, core, mart, meta FROM PUBLIC;
GRANT USAGE ON SCHEMA core, mart, meta TO citizen_reader;
GRANT USAGE ON SCHEMA land, stage TO citizen_clerk, citizen_supervisor, citizen_admin;

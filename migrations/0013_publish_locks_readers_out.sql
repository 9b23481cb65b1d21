-- Publishing a version's partition without a reader seeing an empty dataset.
--
-- meta.publish_staged_rows (0008) attaches the request's staged table to
-- core.<dataset>, a catalog change that ATTACH PARTITION makes under SHARE
-- UPDATE EXCLUSIVE, which readers' ACCESS SHARE does not wait for. A reader
-- could then plan its query (the `_current` view prunes core.<dataset> to the
-- active version's partition at run time) against the partitions as they were,
-- and run it on a snapshot taken after the approval committed: the new
-- version active, its partition not in the plan, no row at all (seen once by
-- tests/failures.rs under load). The publish now takes ACCESS EXCLUSIVE on
-- core.<dataset> first: a reader that started before waits out its query
-- before the publish goes on, and one that starts after waits until the
-- approval commits and then plans and reads the new version whole. The lock
-- is held from the publish to the commit (the count of the version's rows and
-- the bookkeeping: a small part of the approval).

CREATE OR REPLACE FUNCTION meta.publish_staged_rows(p_dataset text, p_request_id bigint, p_version_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta, pg_temp AS $$
DECLARE
    v_staged text := 'request-' || p_request_id;
    v_version text := 'version-' || p_version_id;
    v_columns text;
BEGIN
    IF to_regclass(format('stage.%I', v_staged)) IS NULL THEN
        RAISE EXCEPTION 'request % has no staged rows to publish', p_request_id USING ERRCODE = 'CD010';
    END IF;
    EXECUTE format('LOCK TABLE core.%I IN ACCESS EXCLUSIVE MODE', p_dataset);
    IF p_version_id = p_request_id THEN
        EXECUTE format('ALTER TABLE stage.%I DETACH PARTITION stage.%I', p_dataset, v_staged);
        EXECUTE format('ALTER TABLE stage.%I RENAME COLUMN request_id TO version_id', v_staged);
        EXECUTE format('ALTER TABLE stage.%I RENAME TO %I', v_staged, v_version);
        EXECUTE format('ALTER TABLE stage.%I SET SCHEMA core', v_version);
        EXECUTE format('ALTER TABLE core.%I ATTACH PARTITION core.%I FOR VALUES IN (%s)',
                       p_dataset, v_version, p_version_id);
    ELSE
        SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO v_columns
            FROM pg_attribute a
            WHERE a.attrelid = format('core.%I', p_dataset)::regclass AND a.attnum > 0
              AND NOT a.attisdropped AND a.attname <> 'version_id';
        EXECUTE format('CREATE TABLE core.%I PARTITION OF core.%I FOR VALUES IN (%s)',
                       v_version, p_dataset, p_version_id);
        EXECUTE format('INSERT INTO core.%I (version_id, %s) SELECT %s, %s FROM stage.%I',
                       v_version, v_columns, p_version_id, v_columns, v_staged);
    END IF;
END
$$;

-- Publishing without copying (issue 13): a rebuild or append approval no
-- longer copies the staged rows into core. core.<dataset> of those strategies
-- is partitioned by version_id (strategy/rebuild.rs), each version's rows one
-- partition, and the request's staged table becomes that partition: detached
-- from stage.<dataset>, its request_id column renamed version_id (the CHECK
-- made at open follows the column, so ATTACH needs no scan), moved to core
-- and attached. For that a version's id is now its request's id.
--
-- A database whose core.<dataset> predates this is converted by contracts
-- apply (ops/apply.rs): the old table becomes the DEFAULT partition, with a
-- CHECK bounding its version ids so that attaching a new version does not
-- scan it. A version that cannot take its request's id (an id the old
-- sequence gave already) takes the sequence's next free number, moves the
-- request ids past it, and gets its own partition and a copy of the rows.

-- Makes request p_request_id's staged rows the rows of version p_version_id
-- of p_dataset. Run by approve_request's transform, as the owner.
CREATE FUNCTION meta.publish_staged_rows(p_dataset text, p_request_id bigint, p_version_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta, pg_temp AS $$
DECLARE
    v_staged text := 'request-' || p_request_id;
    v_version text := 'version-' || p_version_id;
    v_columns text;
BEGIN
    IF to_regclass(format('stage.%I', v_staged)) IS NULL THEN
        RAISE EXCEPTION 'request % has no staged rows to publish', p_request_id USING ERRCODE = 'CD010';
    END IF;
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

CREATE OR REPLACE FUNCTION meta.approve_request(p_request_id bigint, p_note text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta, pg_temp SET work_mem = '256MB' AS $$
DECLARE
    r meta.load_request%ROWTYPE;
    c meta.contract%ROWTYPE;
    f record;
    v_previous bigint;
    v_version integer;
    v_version_id bigint;
    v_rows bigint;
    v_statement text;
    v_started timestamptz;
BEGIN
    PERFORM meta.require_role('citizen_supervisor', 'approve loads');
    SELECT * INTO r FROM meta.load_request WHERE request_id = p_request_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'request % not found', p_request_id USING ERRCODE = 'CD005';
    END IF;
    IF r.submitted_by = session_user THEN
        RAISE EXCEPTION 'four-eyes rule: % submitted request % and may not approve it; another supervisor must', session_user, p_request_id
            USING ERRCODE = 'CD001';
    END IF;
    IF r.status NOT IN ('pending', 'failed') OR r.file_id IS NULL THEN
        RAISE EXCEPTION 'request % is %, not pending', p_request_id, r.status USING ERRCODE = 'CD002';
    END IF;
    SELECT * INTO c FROM meta.contract WHERE dataset = r.dataset AND is_current;
    IF c.sha256 IS DISTINCT FROM r.contract_sha256 THEN
        RAISE EXCEPTION 'the % contract changed since request % was submitted; reject it and submit the file again', r.dataset, p_request_id
            USING ERRCODE = 'CD003';
    END IF;
    SELECT * INTO f FROM meta.stage_fingerprint(p_request_id);
    IF r.sealed_at IS NULL OR f.staged_rows IS DISTINCT FROM r.staged_rows OR f.checksum IS DISTINCT FROM r.staged_checksum THEN
        RAISE EXCEPTION 'the staged rows of request % are not the ones sealed at submit (sealed: % rows, now: % rows, checksum %); reject it and submit the file again',
            p_request_id, coalesce(r.staged_rows::text, 'none'), coalesce(f.staged_rows::text, 'none'),
            CASE WHEN f.checksum IS NOT DISTINCT FROM r.staged_checksum THEN 'equal' ELSE 'differs' END
            USING ERRCODE = 'CD010';
    END IF;
    -- Approvals of one dataset take turns, whatever their period: each reads
    -- stage.<dataset> in its transform and then drops its partition, which
    -- needs ACCESS EXCLUSIVE on stage.<dataset>; two at once each waited for
    -- the other's read (a deadlock PostgreSQL broke by failing one). Always
    -- this lock first, then the period's (rollback_to takes only that one).
    PERFORM pg_advisory_xact_lock(hashtext('citizen-db-stage:' || r.dataset));
    PERFORM pg_advisory_xact_lock(hashtext('citizen-db:' || r.dataset || ':' || r.period));
    SELECT version_id INTO v_previous FROM meta.dataset_version
        WHERE dataset = r.dataset AND period = r.period AND is_active FOR UPDATE;
    SELECT coalesce(max(version), 0) + 1 INTO v_version FROM meta.dataset_version
        WHERE dataset = r.dataset AND period = r.period;
    -- A version's id is its request's id, so the staged partition (whose
    -- rows carry the request's id) can become the version's rows as it is.
    -- A database from before 0008 may already hold a version with that id;
    -- then the next free number of the sequence is taken and the rows copied.
    -- Request ids are then moved past the number taken, so that no later
    -- request meets a version id already given.
    v_version_id := p_request_id;
    WHILE EXISTS (SELECT 1 FROM meta.dataset_version WHERE version_id = v_version_id) LOOP
        v_version_id := nextval(pg_get_serial_sequence('meta.dataset_version', 'version_id'));
    END LOOP;
    IF v_version_id <> p_request_id AND v_version_id > (SELECT last_value FROM meta.load_request_request_id_seq) THEN
        PERFORM setval(pg_get_serial_sequence('meta.load_request', 'request_id'), v_version_id);
    END IF;
    INSERT INTO meta.dataset_version (version_id, dataset, period, version, request_id, parent_version_id, created_by, approved_by)
    VALUES (v_version_id, r.dataset, r.period, v_version, p_request_id, v_previous, r.submitted_by, session_user);

    v_started := clock_timestamp();
    FOREACH v_statement IN ARRAY c.transform_sql LOOP
        EXECUTE v_statement USING p_request_id, v_version_id, r.period, v_previous;
    END LOOP;
    EXECUTE c.count_sql INTO v_rows USING p_request_id, v_version_id, r.period, v_previous;
    INSERT INTO meta.step_log (request_id, step, status, started_at, finished_at, rows)
    VALUES (p_request_id, 'transform', 'ok', v_started, clock_timestamp(), v_rows);

    v_started := clock_timestamp();
    UPDATE meta.dataset_version SET is_active = false WHERE version_id = v_previous;
    UPDATE meta.dataset_version SET is_active = true, activated_at = now(), row_count = v_rows
        WHERE version_id = v_version_id;
    UPDATE meta.load_request
        SET status = 'loaded', decided_by = session_user, decided_at = now(), decision_note = p_note, error = NULL
        WHERE request_id = p_request_id;
    PERFORM meta.drop_stage(p_request_id);
    INSERT INTO meta.step_log (request_id, step, status, started_at, finished_at, rows)
    VALUES (p_request_id, 'publish', 'ok', v_started, clock_timestamp(), v_rows);
    PERFORM meta.audit('approve', r.dataset, r.period, p_request_id, v_version_id,
                       jsonb_build_object('version', v_version, 'rows', v_rows, 'note', p_note));
    RETURN v_version_id;
END
$$;

ALTER FUNCTION meta.publish_staged_rows(text, bigint, bigint) OWNER TO citizen_owner;
REVOKE ALL ON FUNCTION meta.publish_staged_rows(text, bigint, bigint) FROM PUBLIC;
ALTER FUNCTION meta.approve_request(bigint, text) OWNER TO citizen_owner;

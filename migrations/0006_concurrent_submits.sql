-- Many desktops at once (issue 14): what scripts/bench_concurrency.sh and
-- crates/citizen-cli/tests/concurrency.rs found when several clerks and
-- supervisors work on one dataset at the same time.
--
-- * A submit no longer locks out the dataset. open_request created the
--   request's partition with CREATE TABLE ... PARTITION OF, which takes ACCESS
--   EXCLUSIVE on stage.<dataset> until the submit commits: every other submit
--   to the dataset (any period), every approval (its transform reads
--   stage.<dataset>) and every change preview waited for the whole COPY of
--   the file (4 clerks submitting 100k-row files: each waited for the ones
--   before it). The request's table is now made on its own, with the parent's
--   columns read from the catalog and a CHECK that holds only its request, and
--   seal_request attaches it as the partition (SHARE UPDATE EXCLUSIVE, from
--   the seal to the commit only; the CHECK spares ATTACH a scan). It is
--   written by its clerk only inside the submit, as before.
-- * Two approvals of one dataset for different periods deadlocked: each read
--   stage.<dataset> in its transform, then waited to drop its partition for
--   the other's read (ACCESS EXCLUSIVE). PostgreSQL failed one ("deadlock
--   detected", twice in two tries with 100k-row requests) and the client
--   retried it, its transform wasted. approve_request now takes a per-dataset
--   lock before its transform, so approvals of one dataset take turns.

CREATE OR REPLACE FUNCTION meta.open_request(p_dataset text, p_period text, p_file_id bigint, p_file_sha256 text,
                                  p_contract_sha256 text,
                                  p_rows bigint, p_invalid_rows bigint, p_report jsonb, p_warnings jsonb)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta, pg_temp AS $$
DECLARE
    v_current text;
    v_file land.file%ROWTYPE;
    v_request_id bigint;
    v_columns text;
BEGIN
    PERFORM meta.require_role('citizen_clerk', 'submit files');
    PERFORM meta.check_period(p_dataset, p_period);
    SELECT sha256 INTO v_current FROM meta.contract WHERE dataset = p_dataset AND is_current;
    IF v_current <> p_contract_sha256 THEN
        RAISE EXCEPTION 'the file was validated with another version of the % contract than the database holds; update your contracts or ask an administrator to run contracts apply', p_dataset
            USING ERRCODE = 'CD003';
    END IF;
    IF p_rows IS NULL OR p_rows < 0 OR p_invalid_rows IS NULL OR p_invalid_rows < 0 THEN
        RAISE EXCEPTION 'row counts must be zero or more' USING ERRCODE = 'CD011';
    END IF;
    SELECT * INTO v_file FROM land.file WHERE file_id = p_file_id;
    IF NOT FOUND OR v_file.received_by <> session_user
       OR EXISTS (SELECT 1 FROM meta.load_request WHERE file_id = p_file_id) THEN
        RAISE EXCEPTION 'landed file % not found among the files % landed for this submit', p_file_id, session_user
            USING ERRCODE = 'CD005';
    END IF;
    IF v_file.sha256 IS DISTINCT FROM p_file_sha256 THEN
        RAISE EXCEPTION 'the landed bytes (sha256 %) are not the bytes that were validated (sha256 %); nothing was submitted',
            left(v_file.sha256, 12), left(coalesce(p_file_sha256, ''), 12) USING ERRCODE = 'CD011';
    END IF;
    BEGIN
        INSERT INTO meta.load_request (dataset, period, file_id, file_name, file_sha256, contract_sha256, status,
                                       rows, invalid_rows, report, warnings)
        VALUES (p_dataset, p_period, p_file_id, v_file.file_name, v_file.sha256, p_contract_sha256, 'pending',
                p_rows, p_invalid_rows, p_report, coalesce(p_warnings, '[]'))
        RETURNING request_id INTO v_request_id;
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'this file (sha256 %) is already pending or loaded for % period %', left(v_file.sha256, 12), p_dataset, p_period
            USING ERRCODE = 'CD004';
    END;
    -- The parent's columns, read from the catalog: no lock on stage.<dataset>.
    SELECT string_agg(format('%I %s%s', a.attname, format_type(a.atttypid, a.atttypmod),
                             CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END), ', ' ORDER BY a.attnum)
        INTO v_columns
        FROM pg_attribute a
        WHERE a.attrelid = to_regclass(format('stage.%I', p_dataset)) AND a.attnum > 0 AND NOT a.attisdropped;
    IF v_columns IS NULL THEN
        RAISE EXCEPTION 'dataset % has no stage table; an administrator must run contracts apply', p_dataset
            USING ERRCODE = 'CD003';
    END IF;
    EXECUTE format('CREATE TABLE stage.%I (%s, CONSTRAINT %I CHECK (request_id IS NOT NULL AND request_id = %s))',
                   'request-' || v_request_id, v_columns, 'request-' || v_request_id || '-only', v_request_id);
    EXECUTE format('GRANT INSERT ON stage.%I TO %I', 'request-' || v_request_id, session_user);
    PERFORM meta.audit('submit', p_dataset, p_period, v_request_id, NULL,
                       jsonb_build_object('file', v_file.file_name, 'sha256', v_file.sha256, 'rows', p_rows));
    RETURN v_request_id;
END
$$;

CREATE OR REPLACE FUNCTION meta.seal_request(p_request_id bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta, pg_temp AS $$
DECLARE
    r meta.load_request%ROWTYPE;
    f record;
BEGIN
    PERFORM meta.require_role('citizen_clerk', 'submit files');
    SELECT * INTO r FROM meta.load_request WHERE request_id = p_request_id FOR UPDATE;
    IF NOT FOUND OR r.submitted_by <> session_user OR r.status <> 'pending' OR r.sealed_at IS NOT NULL THEN
        RAISE EXCEPTION 'request % is not an open submit of %', p_request_id, session_user USING ERRCODE = 'CD011';
    END IF;
    EXECUTE format('REVOKE ALL ON stage.%I FROM %I', 'request-' || p_request_id, session_user);
    SELECT * INTO f FROM meta.stage_fingerprint(p_request_id);
    IF f.staged_rows IS DISTINCT FROM r.rows THEN
        RAISE EXCEPTION 'request %: % rows were staged but % were validated; nothing was submitted', p_request_id,
            coalesce(f.staged_rows, 0), r.rows USING ERRCODE = 'CD010';
    END IF;
    -- Attach the request's table as its partition. SHARE UPDATE EXCLUSIVE on
    -- stage.<dataset>, held to the commit: readers and approvals' transforms go
    -- on; another seal, or an approval dropping its partition, waits that long.
    -- The CHECK made at open spares ATTACH a scan. Under this lock the
    -- parent's columns cannot change, so a contracts apply that changed them
    -- since the request opened is refused here by name.
    EXECUTE format('LOCK TABLE stage.%I IN SHARE UPDATE EXCLUSIVE MODE', r.dataset);
    IF NOT EXISTS (SELECT 1 FROM meta.contract
                   WHERE dataset = r.dataset AND is_current AND sha256 = r.contract_sha256) THEN
        RAISE EXCEPTION 'the % contract changed while request % was being submitted; nothing was submitted: update your contracts and submit the file again',
            r.dataset, p_request_id USING ERRCODE = 'CD003';
    END IF;
    EXECUTE format('ALTER TABLE stage.%I ATTACH PARTITION stage.%I FOR VALUES IN (%s)',
                   r.dataset, 'request-' || p_request_id, p_request_id);
    UPDATE meta.load_request
        SET staged_rows = f.staged_rows, staged_checksum = f.checksum, sealed_at = clock_timestamp()
        WHERE request_id = p_request_id;
    RETURN f.staged_rows;
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
    INSERT INTO meta.dataset_version (dataset, period, version, request_id, parent_version_id, created_by, approved_by)
    VALUES (r.dataset, r.period, v_version, p_request_id, v_previous, r.submitted_by, session_user)
    RETURNING version_id INTO v_version_id;

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

ALTER FUNCTION meta.open_request(text, text, bigint, text, text, bigint, bigint, jsonb, jsonb) OWNER TO citizen_owner;
ALTER FUNCTION meta.seal_request(bigint) OWNER TO citizen_owner;
ALTER FUNCTION meta.approve_request(bigint, text) OWNER TO citizen_owner;

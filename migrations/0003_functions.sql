-- The only doors into meta, core and mart for clerks and supervisors:
-- SECURITY DEFINER functions with a fixed search_path that check the caller's
-- role and the four-eyes rule before they touch anything.
-- Custom SQLSTATEs (class CD) let the program tell refusals apart:
--   CD001 four-eyes, CD002 wrong status, CD003 contract version differs,
--   CD004 same file already submitted, CD005 not found, CD006 rollback target
--   not reachable, CD007 role missing, CD008 note required.

CREATE FUNCTION meta.require_role(p_role text, p_action text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, meta AS $$
BEGIN
    IF NOT pg_has_role(session_user, p_role, 'MEMBER') THEN
        RAISE EXCEPTION '% may not %: the role % is required', session_user, p_action, p_role
            USING ERRCODE = 'CD007';
    END IF;
END
$$;

CREATE FUNCTION meta.audit(p_action text, p_dataset text, p_period text, p_request_id bigint,
                           p_version_id bigint, p_details jsonb) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, meta AS $$
    INSERT INTO meta.audit_log (action, dataset, period, request_id, version_id, details)
    VALUES (p_action, p_dataset, p_period, p_request_id, p_version_id, coalesce(p_details, '{}'));
$$;

-- Records one pipeline step. Clerks log their own requests' steps.
CREATE FUNCTION meta.log_step(p_request_id bigint, p_step text, p_status text, p_started_at timestamptz,
                              p_finished_at timestamptz, p_rows bigint, p_error text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta AS $$
BEGIN
    IF NOT (pg_has_role(session_user, 'citizen_clerk', 'MEMBER')
            OR pg_has_role(session_user, 'citizen_supervisor', 'MEMBER')) THEN
        RAISE EXCEPTION '% may not log pipeline steps', session_user USING ERRCODE = 'CD007';
    END IF;
    INSERT INTO meta.step_log (request_id, step, status, started_at, finished_at, rows, error)
    VALUES (p_request_id, p_step, p_status, p_started_at, p_finished_at, p_rows, p_error);
END
$$;

-- Opens a load request for a landed file and creates its stage partition.
-- The request is 'pending' once the surrounding transaction commits.
CREATE FUNCTION meta.open_request(p_dataset text, p_period text, p_file_id bigint, p_contract_sha256 text,
                                  p_rows bigint, p_invalid_rows bigint, p_report jsonb, p_warnings jsonb)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta AS $$
DECLARE
    v_current text;
    v_file land.file%ROWTYPE;
    v_request_id bigint;
BEGIN
    PERFORM meta.require_role('citizen_clerk', 'submit files');
    SELECT sha256 INTO v_current FROM meta.contract WHERE dataset = p_dataset AND is_current;
    IF v_current IS NULL THEN
        RAISE EXCEPTION 'dataset % is not registered in the database; an administrator must run contracts apply', p_dataset
            USING ERRCODE = 'CD003';
    END IF;
    IF v_current <> p_contract_sha256 THEN
        RAISE EXCEPTION 'the file was validated with another version of the % contract than the database holds; update your contracts or ask an administrator to run contracts apply', p_dataset
            USING ERRCODE = 'CD003';
    END IF;
    SELECT * INTO v_file FROM land.file WHERE file_id = p_file_id;
    IF NOT FOUND OR v_file.received_by <> session_user THEN
        RAISE EXCEPTION 'landed file % not found', p_file_id USING ERRCODE = 'CD005';
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
    EXECUTE format('CREATE TABLE stage.%I PARTITION OF stage.%I FOR VALUES IN (%s)',
                   p_dataset || '_r' || v_request_id, p_dataset, v_request_id);
    PERFORM meta.audit('submit', p_dataset, p_period, v_request_id, NULL,
                       jsonb_build_object('file', v_file.file_name, 'sha256', v_file.sha256, 'rows', p_rows));
    RETURN v_request_id;
END
$$;

-- Records a submit that failed after its transaction rolled back.
CREATE FUNCTION meta.record_failed_submit(p_dataset text, p_period text, p_file_name text, p_sha256 text,
                                          p_contract_sha256 text, p_step text, p_error text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta AS $$
DECLARE
    v_request_id bigint;
BEGIN
    PERFORM meta.require_role('citizen_clerk', 'submit files');
    INSERT INTO meta.load_request (dataset, period, file_name, file_sha256, contract_sha256, status, error)
    VALUES (p_dataset, p_period, p_file_name, p_sha256, p_contract_sha256, 'failed', p_error)
    RETURNING request_id INTO v_request_id;
    INSERT INTO meta.step_log (request_id, step, status, started_at, finished_at, error)
    VALUES (v_request_id, p_step, 'failed', now(), now(), p_error);
    PERFORM meta.audit('submit_failed', p_dataset, p_period, v_request_id, NULL, jsonb_build_object('error', p_error));
    RETURN v_request_id;
END
$$;

CREATE FUNCTION meta.drop_stage(p_dataset text, p_request_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta AS $$
BEGIN
    EXECUTE format('DROP TABLE IF EXISTS stage.%I', p_dataset || '_r' || p_request_id);
END
$$;

-- Approves a request: transforms its staged rows into core with the contract's
-- strategy and publishes a new active version, all in the caller's transaction.
CREATE FUNCTION meta.approve_request(p_request_id bigint, p_note text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta SET work_mem = '256MB' AS $$
DECLARE
    r meta.load_request%ROWTYPE;
    c meta.contract%ROWTYPE;
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
    PERFORM meta.drop_stage(r.dataset, p_request_id);
    INSERT INTO meta.step_log (request_id, step, status, started_at, finished_at, rows)
    VALUES (p_request_id, 'publish', 'ok', v_started, clock_timestamp(), v_rows);
    PERFORM meta.audit('approve', r.dataset, r.period, p_request_id, v_version_id,
                       jsonb_build_object('version', v_version, 'rows', v_rows, 'note', p_note));
    RETURN v_version_id;
END
$$;

-- Marks a request failed after its approval transaction rolled back.
CREATE FUNCTION meta.mark_failed(p_request_id bigint, p_step text, p_error text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta AS $$
DECLARE
    r meta.load_request%ROWTYPE;
BEGIN
    PERFORM meta.require_role('citizen_supervisor', 'record failed loads');
    SELECT * INTO r FROM meta.load_request WHERE request_id = p_request_id FOR UPDATE;
    IF NOT FOUND OR r.status NOT IN ('pending', 'failed') THEN
        RETURN;
    END IF;
    UPDATE meta.load_request SET status = 'failed', error = p_error WHERE request_id = p_request_id;
    INSERT INTO meta.step_log (request_id, step, status, started_at, finished_at, error)
    VALUES (p_request_id, p_step, 'failed', now(), now(), p_error);
    PERFORM meta.audit('load_failed', r.dataset, r.period, p_request_id, NULL, jsonb_build_object('error', p_error));
END
$$;

-- Rejects a request with a note and discards its staged rows.
CREATE FUNCTION meta.reject_request(p_request_id bigint, p_note text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta AS $$
DECLARE
    r meta.load_request%ROWTYPE;
BEGIN
    PERFORM meta.require_role('citizen_supervisor', 'reject loads');
    IF coalesce(btrim(p_note), '') = '' THEN
        RAISE EXCEPTION 'a rejection needs a note saying why' USING ERRCODE = 'CD008';
    END IF;
    SELECT * INTO r FROM meta.load_request WHERE request_id = p_request_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'request % not found', p_request_id USING ERRCODE = 'CD005';
    END IF;
    IF r.status NOT IN ('pending', 'failed') THEN
        RAISE EXCEPTION 'request % is %, not pending', p_request_id, r.status USING ERRCODE = 'CD002';
    END IF;
    UPDATE meta.load_request
        SET status = 'rejected', decided_by = session_user, decided_at = now(), decision_note = p_note
        WHERE request_id = p_request_id;
    PERFORM meta.drop_stage(r.dataset, p_request_id);
    PERFORM meta.audit('reject', r.dataset, r.period, p_request_id, NULL, jsonb_build_object('note', p_note));
END
$$;

-- Re-activates version p_version of a dataset and period. Rebuild and append
-- versions keep their rows, so this flips the active flag; merge datasets undo
-- each later version from its history until the state is exactly version p_version's.
CREATE FUNCTION meta.rollback_to(p_dataset text, p_period text, p_version integer) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta SET work_mem = '256MB' AS $$
DECLARE
    c meta.contract%ROWTYPE;
    v_target meta.dataset_version%ROWTYPE;
    v_active meta.dataset_version%ROWTYPE;
    v_cursor bigint;
    v_statement text;
BEGIN
    PERFORM meta.require_role('citizen_supervisor', 'roll back versions');
    PERFORM pg_advisory_xact_lock(hashtext('citizen-db:' || p_dataset || ':' || p_period));
    SELECT * INTO v_target FROM meta.dataset_version
        WHERE dataset = p_dataset AND period = p_period AND version = p_version FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'version % of % period % does not exist', p_version, p_dataset, p_period USING ERRCODE = 'CD005';
    END IF;
    SELECT * INTO v_active FROM meta.dataset_version
        WHERE dataset = p_dataset AND period = p_period AND is_active FOR UPDATE;
    IF v_active.version_id = v_target.version_id THEN
        RETURN v_target.version_id;
    END IF;
    SELECT * INTO c FROM meta.contract WHERE dataset = p_dataset AND is_current;
    IF c.strategy = 'merge' THEN
        v_cursor := v_active.version_id;
        WHILE v_cursor IS NOT NULL AND v_cursor <> v_target.version_id LOOP
            FOREACH v_statement IN ARRAY c.undo_sql LOOP
                EXECUTE v_statement USING NULL::bigint, v_cursor, p_period, NULL::bigint;
            END LOOP;
            SELECT parent_version_id INTO v_cursor FROM meta.dataset_version WHERE version_id = v_cursor;
        END LOOP;
        IF v_cursor IS NULL THEN
            RAISE EXCEPTION 'version % of % is not an earlier state of the active version %; merge datasets roll back only to earlier versions — submit the file again instead',
                p_version, p_dataset, v_active.version USING ERRCODE = 'CD006';
        END IF;
    END IF;
    UPDATE meta.dataset_version SET is_active = false WHERE version_id = v_active.version_id;
    UPDATE meta.dataset_version SET is_active = true, activated_at = now() WHERE version_id = v_target.version_id;
    PERFORM meta.audit('rollback', p_dataset, p_period, v_target.request_id, v_target.version_id,
                       jsonb_build_object('from_version', v_active.version, 'to_version', p_version));
    RETURN v_target.version_id;
END
$$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA meta FROM PUBLIC;
GRANT EXECUTE ON FUNCTION meta.log_step(bigint, text, text, timestamptz, timestamptz, bigint, text)
    TO citizen_clerk, citizen_supervisor;
GRANT EXECUTE ON FUNCTION meta.open_request(text, text, bigint, text, bigint, bigint, jsonb, jsonb),
                          meta.record_failed_submit(text, text, text, text, text, text, text)
    TO citizen_clerk;
GRANT EXECUTE ON FUNCTION meta.approve_request(bigint, text), meta.reject_request(bigint, text),
                          meta.mark_failed(bigint, text, text), meta.rollback_to(text, text, integer)
    TO citizen_supervisor;

-- A submit that streams its rows (issue 13): the request opens as soon as the
-- file's bytes are landed, before validation has counted the rows, so that the
-- rows go to COPY while validation still reads the file; the counts and the
-- report follow, once, before the seal, which checks the staged rows against
-- them exactly as before. All of it stays one transaction: a file found
-- invalid, or any failure, leaves nothing landed, staged or requested.
--
-- * meta.open_request(dataset, period, file_id, file_sha256, contract_sha256):
--   every check of the nine-argument form but the counts; the request has no
--   report yet (report NULL, rows 0) and is not audited yet.
-- * meta.report_request(request_id, rows, invalid_rows, report, warnings): the
--   caller's own open submit, before its seal, once (while its report is
--   NULL); audits the submit with its rows, as the nine-argument open does.
-- * meta.open_request with nine arguments (0006) keeps its meaning, written
--   over the five-argument form.
-- * The seal (0006) is unchanged: it checks the staged rows against the rows
--   reported, so a request sealed before its report (rows 0) can hold no row,
--   as one opened with the nine-argument form and a count of 0 already could.

CREATE FUNCTION meta.open_request(p_dataset text, p_period text, p_file_id bigint, p_file_sha256 text,
                                  p_contract_sha256 text)
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
                0, 0, NULL, '[]')
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
    RETURN v_request_id;
END
$$;

CREATE FUNCTION meta.report_request(p_request_id bigint, p_rows bigint, p_invalid_rows bigint, p_report jsonb,
                                    p_warnings jsonb)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta, pg_temp AS $$
DECLARE
    r meta.load_request%ROWTYPE;
BEGIN
    PERFORM meta.require_role('citizen_clerk', 'submit files');
    SELECT * INTO r FROM meta.load_request WHERE request_id = p_request_id FOR UPDATE;
    IF NOT FOUND OR r.submitted_by <> session_user OR r.status <> 'pending' OR r.sealed_at IS NOT NULL THEN
        RAISE EXCEPTION 'request % is not an open submit of %', p_request_id, session_user USING ERRCODE = 'CD011';
    END IF;
    IF r.report IS NOT NULL THEN
        RAISE EXCEPTION 'request % has its report already', p_request_id USING ERRCODE = 'CD011';
    END IF;
    IF p_rows IS NULL OR p_rows < 0 OR p_invalid_rows IS NULL OR p_invalid_rows < 0 THEN
        RAISE EXCEPTION 'row counts must be zero or more' USING ERRCODE = 'CD011';
    END IF;
    IF p_report IS NULL OR jsonb_typeof(p_report) <> 'object'
       OR jsonb_typeof(coalesce(p_warnings, '[]')) <> 'array' THEN
        RAISE EXCEPTION 'request %: the report is a JSON object and the warnings a JSON array', p_request_id
            USING ERRCODE = 'CD011';
    END IF;
    UPDATE meta.load_request
        SET rows = p_rows, invalid_rows = p_invalid_rows, report = p_report, warnings = coalesce(p_warnings, '[]')
        WHERE request_id = p_request_id;
    PERFORM meta.audit('submit', r.dataset, r.period, p_request_id, NULL,
                       jsonb_build_object('file', r.file_name, 'sha256', r.file_sha256, 'rows', p_rows));
END
$$;

-- The nine-argument form (0006) is now the five-argument one with its counts,
-- report and audit entry at once, so the checks are written once.
CREATE OR REPLACE FUNCTION meta.open_request(p_dataset text, p_period text, p_file_id bigint, p_file_sha256 text,
                                  p_contract_sha256 text,
                                  p_rows bigint, p_invalid_rows bigint, p_report jsonb, p_warnings jsonb)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta, pg_temp AS $$
DECLARE
    v_request_id bigint;
    r meta.load_request%ROWTYPE;
BEGIN
    v_request_id := meta.open_request(p_dataset, p_period, p_file_id, p_file_sha256, p_contract_sha256);
    IF p_rows IS NULL OR p_rows < 0 OR p_invalid_rows IS NULL OR p_invalid_rows < 0 THEN
        RAISE EXCEPTION 'row counts must be zero or more' USING ERRCODE = 'CD011';
    END IF;
    UPDATE meta.load_request
        SET rows = p_rows, invalid_rows = p_invalid_rows, report = p_report, warnings = coalesce(p_warnings, '[]')
        WHERE request_id = v_request_id
        RETURNING * INTO r;
    PERFORM meta.audit('submit', p_dataset, p_period, v_request_id, NULL,
                       jsonb_build_object('file', r.file_name, 'sha256', r.file_sha256, 'rows', p_rows));
    RETURN v_request_id;
END
$$;

ALTER FUNCTION meta.open_request(text, text, bigint, text, text) OWNER TO citizen_owner;
ALTER FUNCTION meta.report_request(bigint, bigint, bigint, jsonb, jsonb) OWNER TO citizen_owner;
REVOKE ALL ON FUNCTION meta.open_request(text, text, bigint, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION meta.report_request(bigint, bigint, bigint, jsonb, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION meta.open_request(text, text, bigint, text, text) TO citizen_clerk;
GRANT EXECUTE ON FUNCTION meta.report_request(bigint, bigint, bigint, jsonb, jsonb) TO citizen_clerk;

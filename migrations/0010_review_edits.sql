-- The clerk's review before submit (issue 15): column mapping and corrections.
--
-- * meta.column_alias: a file header the clerk mapped to a contract column
--   (or marked ignored: column_name NULL), remembered for every later file of
--   the dataset on every desktop. Written only through meta.remember_alias
--   (clerks), which checks the dataset is registered and the column is one of
--   its columns, and sets who and when itself; each change is audited
--   ('column_alias'). Readable by clerks, supervisors and administrators.
-- * meta.request_mapping and meta.request_correction: the mappings a request
--   used and every cell it corrected (row, column, old value, new value, who,
--   when). Written only through meta.record_review by the clerk whose submit
--   creates the request, before it is sealed (as meta.log_step); append-only
--   for everyone afterwards. The landed file stays the bytes that arrived; the
--   staged rows carry the corrections. Readers do not see them (they quote
--   the cells, as the report does).

CREATE TABLE meta.column_alias (
    dataset     text NOT NULL,
    -- The header as the clerk's file wrote it, and its key (trimmed, lower case).
    header      text NOT NULL,
    header_key  text NOT NULL,
    -- The contract column it feeds; NULL: the header is ignored.
    column_name text,
    created_by  text NOT NULL DEFAULT session_user,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (dataset, header_key)
);

CREATE TABLE meta.request_mapping (
    request_id  bigint NOT NULL REFERENCES meta.load_request (request_id),
    header      text NOT NULL,
    column_name text,
    remembered  boolean NOT NULL,
    recorded_by text NOT NULL DEFAULT session_user,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX request_mapping_request ON meta.request_mapping (request_id);

CREATE TABLE meta.request_correction (
    request_id  bigint NOT NULL REFERENCES meta.load_request (request_id),
    source_row  bigint NOT NULL,
    column_name text NOT NULL,
    old_value   text NOT NULL,
    new_value   text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('cell', 'replace')),
    made_by     text NOT NULL DEFAULT session_user,
    made_at     timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX request_correction_request ON meta.request_correction (request_id, source_row);

CREATE TRIGGER request_mapping_append_only BEFORE UPDATE OR DELETE ON meta.request_mapping
    FOR EACH STATEMENT EXECUTE FUNCTION meta.refuse_rewrite();
CREATE TRIGGER request_mapping_no_truncate BEFORE TRUNCATE ON meta.request_mapping
    FOR EACH STATEMENT EXECUTE FUNCTION meta.refuse_rewrite();
CREATE TRIGGER request_correction_append_only BEFORE UPDATE OR DELETE ON meta.request_correction
    FOR EACH STATEMENT EXECUTE FUNCTION meta.refuse_rewrite();
CREATE TRIGGER request_correction_no_truncate BEFORE TRUNCATE ON meta.request_correction
    FOR EACH STATEMENT EXECUTE FUNCTION meta.refuse_rewrite();

-- Whether `p_column` is a contract column of the registered dataset: one of
-- the columns of stage.<dataset> other than the two the pipeline adds.
CREATE FUNCTION meta.is_dataset_column(p_dataset text, p_column text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, meta, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM pg_attribute a
                   WHERE a.attrelid = to_regclass(format('stage.%I', p_dataset))
                     AND a.attnum > 0 AND NOT a.attisdropped
                     AND a.attname = p_column AND a.attname NOT IN ('request_id', 'source_row'));
$$;

-- Remembers (or changes) the mapping of a header for a dataset (clerks).
CREATE FUNCTION meta.remember_alias(p_dataset text, p_header text, p_column text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta, pg_temp AS $$
DECLARE
    v_key text := lower(btrim(p_header));
BEGIN
    PERFORM meta.require_role('citizen_clerk', 'remember column mappings');
    IF p_dataset IS NULL OR NOT EXISTS (SELECT 1 FROM meta.contract WHERE dataset = p_dataset AND is_current) THEN
        RAISE EXCEPTION 'dataset % is not registered in the database', coalesce(p_dataset, 'NULL')
            USING ERRCODE = 'CD011';
    END IF;
    IF v_key IS NULL OR v_key = '' OR length(p_header) > 1000 THEN
        RAISE EXCEPTION 'a remembered mapping needs a header (at most 1000 characters)' USING ERRCODE = 'CD011';
    END IF;
    IF p_column IS NOT NULL AND NOT meta.is_dataset_column(p_dataset, p_column) THEN
        RAISE EXCEPTION '% is not a column of dataset %', p_column, p_dataset USING ERRCODE = 'CD011';
    END IF;
    INSERT INTO meta.column_alias (dataset, header, header_key, column_name, created_by, created_at)
    VALUES (p_dataset, p_header, v_key, p_column, session_user, now())
    ON CONFLICT (dataset, header_key) DO UPDATE
        SET header = EXCLUDED.header, column_name = EXCLUDED.column_name,
            created_by = EXCLUDED.created_by, created_at = EXCLUDED.created_at;
    PERFORM meta.audit('column_alias', p_dataset, NULL, NULL, NULL,
                       jsonb_build_object('header', p_header, 'column', p_column));
END
$$;

-- Records the mappings and corrections of the caller's own submit, before it
-- is sealed, once. p_mappings: [{header, column, remember}]; p_corrections:
-- [{row, column, oldValue, newValue, kind, madeAt}] (the core's ReviewLog).
-- Returns the number of corrections recorded.
CREATE FUNCTION meta.record_review(p_request_id bigint, p_mappings jsonb, p_corrections jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta, pg_temp AS $$
DECLARE
    r meta.load_request%ROWTYPE;
    v_bad text;
    v_count bigint;
BEGIN
    PERFORM meta.require_role('citizen_clerk', 'record corrections');
    SELECT * INTO r FROM meta.load_request WHERE request_id = p_request_id;
    IF NOT FOUND OR r.submitted_by <> session_user OR r.status <> 'pending' OR r.sealed_at IS NOT NULL THEN
        RAISE EXCEPTION 'request % is not an open submit of %; corrections travel only with the submit that creates the request', p_request_id, session_user
            USING ERRCODE = 'CD011';
    END IF;
    IF EXISTS (SELECT 1 FROM meta.request_mapping WHERE request_id = p_request_id)
       OR EXISTS (SELECT 1 FROM meta.request_correction WHERE request_id = p_request_id) THEN
        RAISE EXCEPTION 'the review of request % is recorded already', p_request_id USING ERRCODE = 'CD011';
    END IF;
    IF jsonb_typeof(coalesce(p_mappings, '[]')) <> 'array' OR jsonb_typeof(coalesce(p_corrections, '[]')) <> 'array' THEN
        RAISE EXCEPTION 'mappings and corrections are JSON arrays' USING ERRCODE = 'CD011';
    END IF;
    SELECT c INTO v_bad FROM (
        SELECT m->>'column' AS c FROM jsonb_array_elements(coalesce(p_mappings, '[]')) m WHERE m->>'column' IS NOT NULL
        UNION ALL
        SELECT coalesce(x->>'column', 'NULL') FROM jsonb_array_elements(coalesce(p_corrections, '[]')) x
    ) used WHERE NOT meta.is_dataset_column(r.dataset, c) LIMIT 1;
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION '% is not a column of dataset %', v_bad, r.dataset USING ERRCODE = 'CD011';
    END IF;
    BEGIN
        INSERT INTO meta.request_mapping (request_id, header, column_name, remembered)
        SELECT p_request_id, m.header, m."column", coalesce(m.remember, false)
        FROM jsonb_to_recordset(coalesce(p_mappings, '[]')) AS m(header text, "column" text, remember boolean);
        INSERT INTO meta.request_correction (request_id, source_row, column_name, old_value, new_value, kind, made_at)
        SELECT p_request_id, x."row", x."column", x."oldValue", x."newValue", x.kind,
               least(coalesce(x."madeAt", clock_timestamp()), clock_timestamp())
        FROM jsonb_to_recordset(coalesce(p_corrections, '[]'))
             AS x("row" bigint, "column" text, "oldValue" text, "newValue" text, kind text, "madeAt" timestamptz);
        GET DIAGNOSTICS v_count = ROW_COUNT;
    EXCEPTION WHEN not_null_violation OR check_violation OR invalid_text_representation
                   OR numeric_value_out_of_range OR invalid_datetime_format OR datetime_field_overflow THEN
        RAISE EXCEPTION 'the review of request % is malformed: %', p_request_id, SQLERRM USING ERRCODE = 'CD011';
    END;
    IF EXISTS (SELECT 1 FROM meta.request_correction WHERE request_id = p_request_id AND (source_row < 1 OR source_row > 10000000000)) THEN
        RAISE EXCEPTION 'a correction of request % names no row of a file', p_request_id USING ERRCODE = 'CD011';
    END IF;
    RETURN v_count;
END
$$;

ALTER TABLE meta.column_alias OWNER TO citizen_owner;
ALTER TABLE meta.request_mapping OWNER TO citizen_owner;
ALTER TABLE meta.request_correction OWNER TO citizen_owner;
ALTER FUNCTION meta.is_dataset_column(text, text) OWNER TO citizen_owner;
ALTER FUNCTION meta.remember_alias(text, text, text) OWNER TO citizen_owner;
ALTER FUNCTION meta.record_review(bigint, jsonb, jsonb) OWNER TO citizen_owner;
REVOKE ALL ON FUNCTION meta.is_dataset_column(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION meta.remember_alias(text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION meta.record_review(bigint, jsonb, jsonb) FROM PUBLIC;
REVOKE ALL ON meta.column_alias, meta.request_mapping, meta.request_correction FROM PUBLIC;

GRANT EXECUTE ON FUNCTION meta.remember_alias(text, text, text), meta.record_review(bigint, jsonb, jsonb)
    TO citizen_clerk;
GRANT SELECT ON meta.column_alias, meta.request_mapping, meta.request_correction
    TO citizen_clerk, citizen_supervisor, citizen_admin;

-- The database alone decides what loads (issue 10):
--   * every table, view, sequence and function of land, stage, core, mart and
--     meta belongs to `citizen_owner`, a NOLOGIN role; administrators reach it
--     only by `SET ROLE citizen_owner` (through the NOINHERIT
--     `citizen_owner_gate`), so day to day they hold no owner rights;
--   * a request is sealed when its submit commits: its stage partition is
--     writable only inside the submit transaction, and approval recomputes the
--     sealed row count and checksum and refuses when they differ;
--   * land.file takes only the name and the bytes from the client; sha256,
--     size, sender and time are computed here;
--   * land.file, meta.audit_log and meta.step_log are append-only for
--     everyone, their owner included (triggers);
--   * the bookkeeping functions check who calls and for which request.
-- New SQLSTATEs: CD009 append-only, CD010 staged rows differ from the seal,
-- CD011 a bookkeeping call that names no valid dataset, period or request.

-- Roles are cluster-wide and several databases may migrate at once: each step
-- runs only when still needed, and a concurrent change is waited out and retried.
DO $$
DECLARE
    attempt integer;
BEGIN
    FOR attempt IN 1..20 LOOP
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'citizen_owner') THEN
                CREATE ROLE citizen_owner NOLOGIN;
            END IF;
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'citizen_owner_gate') THEN
                CREATE ROLE citizen_owner_gate NOLOGIN NOINHERIT;
            END IF;
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'citizen_owner_gate' AND (rolinherit OR rolcanlogin)) THEN
                ALTER ROLE citizen_owner_gate NOLOGIN NOINHERIT;
            END IF;
            IF NOT EXISTS (SELECT 1 FROM pg_auth_members
                           WHERE roleid = 'citizen_owner'::regrole AND member = 'citizen_owner_gate'::regrole) THEN
                GRANT citizen_owner TO citizen_owner_gate;
            END IF;
            IF NOT EXISTS (SELECT 1 FROM pg_auth_members
                           WHERE roleid = 'citizen_owner_gate'::regrole AND member = 'citizen_admin'::regrole) THEN
                GRANT citizen_owner_gate TO citizen_admin;
            END IF;
            RETURN;
        EXCEPTION WHEN OTHERS THEN
            IF attempt = 20 THEN
                RAISE;
            END IF;
            PERFORM pg_sleep(0.05 * attempt);
        END;
    END LOOP;
END
$$;

-- Clerks no longer read or write stage tables directly: they COPY into their
-- own request's partition, granted for the submit transaction only.
REVOKE ALL ON ALL TABLES IN SCHEMA stage FROM citizen_clerk;
REVOKE ALL ON ALL TABLES IN SCHEMA stage FROM PUBLIC;

-- Landed files: the client names the file and sends its bytes; nothing else.
REVOKE ALL ON land.file FROM citizen_clerk;
GRANT INSERT (file_name, content) ON land.file TO citizen_clerk;

-- Readers see the requests but not the validation report (it quotes the
-- offending cells: IDs, phones).
REVOKE SELECT ON meta.load_request FROM citizen_reader;
GRANT SELECT (request_id, dataset, period, file_id, file_name, file_sha256, contract_sha256, status,
              submitted_by, submitted_at, decided_by, decided_at, decision_note, rows, invalid_rows,
              warnings, error)
    ON meta.load_request TO citizen_reader;
GRANT SELECT ON meta.load_request TO citizen_clerk, citizen_supervisor, citizen_admin;

-- The contract's cadence, so the server can check a period itself.
ALTER TABLE meta.contract ADD COLUMN period text;
UPDATE meta.contract
    SET period = coalesce(substring(body FROM '(?n)^period:\s*(monthly|quarterly|yearly|none)'), 'monthly');
ALTER TABLE meta.contract ALTER COLUMN period SET NOT NULL;
ALTER TABLE meta.contract ADD CONSTRAINT contract_period CHECK (period IN ('monthly', 'quarterly', 'yearly', 'none'));

-- The seal of a request's staged rows.
ALTER TABLE meta.load_request ADD COLUMN staged_rows bigint;
ALTER TABLE meta.load_request ADD COLUMN staged_checksum text;
ALTER TABLE meta.load_request ADD COLUMN sealed_at timestamptz;

-- Stage partitions are named after their request alone ("request-<id>"): the
-- hyphen keeps them apart from every dataset name, and long dataset names can
-- no longer be truncated into collisions.
DO $$
DECLARE
    p record;
BEGIN
    FOR p IN
        SELECT child.relname AS name, substring(child.relname FROM '_r([0-9]+)$') AS request_id
        FROM pg_inherits i
        JOIN pg_class child ON child.oid = i.inhrelid
        JOIN pg_class parent ON parent.oid = i.inhparent
        JOIN pg_namespace n ON n.oid = parent.relnamespace
        WHERE n.nspname = 'stage' AND child.relname = parent.relname || '_r' || substring(child.relname FROM '_r([0-9]+)$')
    LOOP
        EXECUTE format('ALTER TABLE stage.%I RENAME TO %I', p.name, 'request-' || p.request_id);
    END LOOP;
END
$$;

DROP FUNCTION meta.drop_stage(text, bigint);
DROP FUNCTION meta.log_step(bigint, text, text, timestamptz, timestamptz, bigint, text);
DROP FUNCTION meta.record_failed_submit(text, text, text, text, text, text, text);
DROP FUNCTION meta.open_request(text, text, bigint, text, bigint, bigint, jsonb, jsonb);

-- ---------------------------------------------------------------------------
-- Append-only history.

CREATE FUNCTION meta.refuse_rewrite() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION '%.% is append-only: % is refused for everyone, its owner included',
        TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP USING ERRCODE = 'CD009';
END
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON meta.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION meta.refuse_rewrite();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON meta.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION meta.refuse_rewrite();
CREATE TRIGGER step_log_append_only BEFORE UPDATE OR DELETE ON meta.step_log
    FOR EACH STATEMENT EXECUTE FUNCTION meta.refuse_rewrite();
CREATE TRIGGER step_log_no_truncate BEFORE TRUNCATE ON meta.step_log
    FOR EACH STATEMENT EXECUTE FUNCTION meta.refuse_rewrite();
CREATE TRIGGER file_append_only BEFORE UPDATE OR DELETE ON land.file
    FOR EACH STATEMENT EXECUTE FUNCTION meta.refuse_rewrite();
CREATE TRIGGER file_no_truncate BEFORE TRUNCATE ON land.file
    FOR EACH STATEMENT EXECUTE FUNCTION meta.refuse_rewrite();

-- ---------------------------------------------------------------------------
-- Server-side facts of a landed file, whatever the client sent.

CREATE FUNCTION land.file_facts() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NEW.file_name IS NULL OR btrim(NEW.file_name) = '' OR length(NEW.file_name) > 255 THEN
        RAISE EXCEPTION 'a landed file needs a name of 1 to 255 characters' USING ERRCODE = 'CD011';
    END IF;
    NEW.sha256 := encode(sha256(NEW.content), 'hex');
    NEW.size_bytes := octet_length(NEW.content);
    NEW.received_by := session_user;
    NEW.received_at := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER file_facts BEFORE INSERT ON land.file FOR EACH ROW EXECUTE FUNCTION land.file_facts();

-- A landed file belongs to a request by the time its transaction commits:
-- nothing lands on its own.
CREATE FUNCTION land.file_has_request() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM meta.load_request WHERE file_id = NEW.file_id) THEN
        RAISE EXCEPTION 'landed file % belongs to no load request; files land only as part of a submit', NEW.file_id
            USING ERRCODE = 'CD011';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER file_has_request AFTER INSERT ON land.file
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION land.file_has_request();

-- A pending request is sealed by the time its submit commits.
CREATE FUNCTION meta.request_is_sealed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM meta.load_request
               WHERE request_id = NEW.request_id AND status = 'pending' AND sealed_at IS NULL) THEN
        RAISE EXCEPTION 'request % was not sealed: its staged rows must be sealed (meta.seal_request) in the submit transaction', NEW.request_id
            USING ERRCODE = 'CD010';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER request_is_sealed AFTER INSERT ON meta.load_request
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION meta.request_is_sealed();

-- ---------------------------------------------------------------------------
-- Server-side checks shared by the bookkeeping functions.

-- Refuses a dataset that is not registered or a period that does not fit its cadence.
CREATE FUNCTION meta.check_period(p_dataset text, p_period text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, meta, pg_temp AS $$
DECLARE
    v_kind text;
    v_fits boolean;
BEGIN
    SELECT period INTO v_kind FROM meta.contract WHERE dataset = p_dataset AND is_current;
    IF v_kind IS NULL THEN
        RAISE EXCEPTION 'dataset % is not registered in the database; an administrator must run contracts apply', p_dataset
            USING ERRCODE = 'CD003';
    END IF;
    v_fits := CASE v_kind
        WHEN 'monthly' THEN p_period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'
        WHEN 'quarterly' THEN p_period ~ '^[0-9]{4}-Q[1-4]$'
        WHEN 'yearly' THEN p_period ~ '^[0-9]{4}$'
        ELSE p_period = 'none' END;
    IF v_fits IS NOT TRUE THEN
        RAISE EXCEPTION 'period % does not fit the % dataset %', coalesce(p_period, 'NULL'), v_kind, p_dataset
            USING ERRCODE = 'CD011';
    END IF;
END
$$;

-- Row count and checksum of one request's staged rows: two 64-bit hashes of
-- every row (hash_record_extended, PostgreSQL 14+, from the typed values, so
-- no session setting changes it) with distinct seeds, summed: order-independent,
-- about 0.4 s per million rows. NULL when the partition is gone.
CREATE FUNCTION meta.stage_fingerprint(p_request_id bigint, OUT staged_rows bigint, OUT checksum text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, meta, pg_temp AS $$
BEGIN
    IF to_regclass(format('stage.%I', 'request-' || p_request_id)) IS NULL THEN
        RETURN;
    END IF;
    EXECUTE format('SELECT count(*), coalesce(sum(hash_record_extended(s, 0)), 0)::text || ''/''
                                      || coalesce(sum(hash_record_extended(s, 1)), 0)::text
                    FROM stage.%I s', 'request-' || p_request_id)
        INTO staged_rows, checksum;
END
$$;

CREATE FUNCTION meta.drop_stage(p_request_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta, pg_temp AS $$
BEGIN
    EXECUTE format('DROP TABLE IF EXISTS stage.%I', 'request-' || p_request_id);
END
$$;

-- ---------------------------------------------------------------------------
-- Submit: open, log, seal.

-- Records one step of the caller's own submit, while that submit's
-- transaction is still open (the request is not sealed yet).
CREATE FUNCTION meta.log_step(p_request_id bigint, p_step text, p_status text, p_started_at timestamptz,
                              p_finished_at timestamptz, p_rows bigint, p_error text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta, pg_temp AS $$
DECLARE
    r meta.load_request%ROWTYPE;
BEGIN
    PERFORM meta.require_role('citizen_clerk', 'log pipeline steps');
    SELECT * INTO r FROM meta.load_request WHERE request_id = p_request_id;
    IF NOT FOUND OR r.submitted_by <> session_user OR r.status <> 'pending' OR r.sealed_at IS NOT NULL THEN
        RAISE EXCEPTION 'request % is not an open submit of %; steps are logged only by the submit that creates the request', p_request_id, session_user
            USING ERRCODE = 'CD011';
    END IF;
    IF p_step NOT IN ('land', 'validate', 'stage') THEN
        RAISE EXCEPTION 'a submit logs only the steps land, validate and stage, not %', p_step USING ERRCODE = 'CD011';
    END IF;
    INSERT INTO meta.step_log (request_id, step, status, started_at, finished_at, rows, error)
    VALUES (p_request_id, p_step, p_status, least(p_started_at, now()), least(p_finished_at, clock_timestamp()),
            p_rows, left(p_error, 2000));
END
$$;

-- Opens a load request for a file the caller landed in this transaction and
-- creates its stage partition, writable by the caller until the seal.
-- p_file_sha256 is the sha256 of the bytes the client validated: the landed
-- bytes, hashed here, must be the same.
CREATE FUNCTION meta.open_request(p_dataset text, p_period text, p_file_id bigint, p_file_sha256 text,
                                  p_contract_sha256 text,
                                  p_rows bigint, p_invalid_rows bigint, p_report jsonb, p_warnings jsonb)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta, pg_temp AS $$
DECLARE
    v_current text;
    v_file land.file%ROWTYPE;
    v_request_id bigint;
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
    EXECUTE format('CREATE TABLE stage.%I PARTITION OF stage.%I FOR VALUES IN (%s)',
                   'request-' || v_request_id, p_dataset, v_request_id);
    EXECUTE format('GRANT INSERT ON stage.%I TO %I', 'request-' || v_request_id, session_user);
    PERFORM meta.audit('submit', p_dataset, p_period, v_request_id, NULL,
                       jsonb_build_object('file', v_file.file_name, 'sha256', v_file.sha256, 'rows', p_rows));
    RETURN v_request_id;
END
$$;

-- Closes the caller's open submit: takes back the right to write its stage
-- partition and records the staged rows' count and checksum, which must
-- match the validated row count. Returns the staged row count.
CREATE FUNCTION meta.seal_request(p_request_id bigint) RETURNS bigint
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
    UPDATE meta.load_request
        SET staged_rows = f.staged_rows, staged_checksum = f.checksum, sealed_at = clock_timestamp()
        WHERE request_id = p_request_id;
    RETURN f.staged_rows;
END
$$;

-- Records a submit that failed after its transaction rolled back.
CREATE FUNCTION meta.record_failed_submit(p_dataset text, p_period text, p_file_name text, p_sha256 text,
                                          p_contract_sha256 text, p_step text, p_error text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta, pg_temp AS $$
DECLARE
    v_request_id bigint;
BEGIN
    PERFORM meta.require_role('citizen_clerk', 'submit files');
    PERFORM meta.check_period(p_dataset, p_period);
    IF p_step NOT IN ('land', 'validate', 'stage') THEN
        RAISE EXCEPTION 'a submit fails at land, validate or stage, not %', p_step USING ERRCODE = 'CD011';
    END IF;
    IF coalesce(p_sha256, '') !~ '^[0-9a-f]{64}$' OR coalesce(p_contract_sha256, '') !~ '^[0-9a-f]{64}$' THEN
        RAISE EXCEPTION 'a failed submit names its file and contract by sha256 (64 hex digits)' USING ERRCODE = 'CD011';
    END IF;
    IF p_file_name IS NULL OR btrim(p_file_name) = '' OR length(p_file_name) > 255 THEN
        RAISE EXCEPTION 'a failed submit needs a file name of 1 to 255 characters' USING ERRCODE = 'CD011';
    END IF;
    INSERT INTO meta.load_request (dataset, period, file_name, file_sha256, contract_sha256, status, error)
    VALUES (p_dataset, p_period, p_file_name, p_sha256, p_contract_sha256, 'failed', left(p_error, 2000))
    RETURNING request_id INTO v_request_id;
    INSERT INTO meta.step_log (request_id, step, status, started_at, finished_at, error)
    VALUES (v_request_id, p_step, 'failed', now(), now(), left(p_error, 2000));
    PERFORM meta.audit('submit_failed', p_dataset, p_period, v_request_id, NULL,
                       jsonb_build_object('error', left(p_error, 2000)));
    RETURN v_request_id;
END
$$;

-- ---------------------------------------------------------------------------
-- Approve, reject, mark failed: the same as before, on the sealed rows.

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

CREATE OR REPLACE FUNCTION meta.mark_failed(p_request_id bigint, p_step text, p_error text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta, pg_temp AS $$
DECLARE
    r meta.load_request%ROWTYPE;
BEGIN
    PERFORM meta.require_role('citizen_supervisor', 'record failed loads');
    IF p_step NOT IN ('transform', 'publish') THEN
        RAISE EXCEPTION 'an approval fails at transform or publish, not %', p_step USING ERRCODE = 'CD011';
    END IF;
    SELECT * INTO r FROM meta.load_request WHERE request_id = p_request_id FOR UPDATE;
    IF NOT FOUND OR r.status NOT IN ('pending', 'failed') OR r.file_id IS NULL THEN
        RETURN;
    END IF;
    UPDATE meta.load_request SET status = 'failed', error = left(p_error, 2000) WHERE request_id = p_request_id;
    INSERT INTO meta.step_log (request_id, step, status, started_at, finished_at, error)
    VALUES (p_request_id, p_step, 'failed', now(), now(), left(p_error, 2000));
    PERFORM meta.audit('load_failed', r.dataset, r.period, p_request_id, NULL,
                       jsonb_build_object('error', left(p_error, 2000)));
END
$$;

CREATE OR REPLACE FUNCTION meta.reject_request(p_request_id bigint, p_note text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta, pg_temp AS $$
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
    PERFORM meta.drop_stage(p_request_id);
    PERFORM meta.audit('reject', r.dataset, r.period, p_request_id, NULL, jsonb_build_object('note', p_note));
END
$$;

-- Requests submitted before this migration are sealed as they stand now.
UPDATE meta.load_request r
    SET staged_rows = f.staged_rows, staged_checksum = f.checksum, sealed_at = now()
    FROM meta.load_request r2 CROSS JOIN LATERAL meta.stage_fingerprint(r2.request_id) f
    WHERE r.request_id = r2.request_id AND r.status IN ('pending', 'failed') AND r.file_id IS NOT NULL
      AND f.staged_rows IS NOT NULL;

-- ---------------------------------------------------------------------------
-- Ownership, search paths and default privileges.

DO $$
DECLARE
    o record;
BEGIN
    FOR o IN SELECT nspname FROM pg_namespace WHERE nspname IN ('land', 'stage', 'core', 'mart', 'meta') LOOP
        EXECUTE format('ALTER SCHEMA %I OWNER TO citizen_owner', o.nspname);
    END LOOP;
    FOR o IN
        SELECT n.nspname, c.relname, c.relkind
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('land', 'stage', 'core', 'mart', 'meta') AND c.relkind IN ('r', 'p', 'v', 'm')
    LOOP
        EXECUTE format('ALTER %s %I.%I OWNER TO citizen_owner',
                       CASE o.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
                       o.nspname, o.relname);
    END LOOP;
    FOR o IN
        SELECT p.oid::regprocedure AS signature, p.prosecdef
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname IN ('land', 'stage', 'core', 'mart', 'meta')
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO citizen_owner', o.signature);
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, meta, pg_temp', o.signature);
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', o.signature);
    END LOOP;
END
$$;

ALTER DEFAULT PRIVILEGES FOR ROLE citizen_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

GRANT EXECUTE ON FUNCTION meta.log_step(bigint, text, text, timestamptz, timestamptz, bigint, text),
                          meta.open_request(text, text, bigint, text, text, bigint, bigint, jsonb, jsonb),
                          meta.seal_request(bigint),
                          meta.record_failed_submit(text, text, text, text, text, text, text)
    TO citizen_clerk;
GRANT EXECUTE ON FUNCTION meta.approve_request(bigint, text), meta.reject_request(bigint, text),
                          meta.mark_failed(bigint, text, text), meta.rollback_to(text, text, integer)
    TO citizen_supervisor;

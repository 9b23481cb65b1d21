-- Step times as they were (issue 13's measurements read them): log_step
-- held a step's start to now(), the start of the submit's transaction, so
-- every step begun after the land (stage) was logged as starting with it and
-- its duration included the land. A step's start and end are now held only
-- to the server's clock at the time of logging (no step in the future), and
-- the end to no earlier than the start.

CREATE OR REPLACE FUNCTION meta.log_step(p_request_id bigint, p_step text, p_status text, p_started_at timestamptz,
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
    VALUES (p_request_id, p_step, p_status, least(p_started_at, clock_timestamp()),
            least(greatest(p_finished_at, p_started_at), clock_timestamp()), p_rows, left(p_error, 2000));
END
$$;

ALTER FUNCTION meta.log_step(bigint, text, text, timestamptz, timestamptz, bigint, text) OWNER TO citizen_owner;

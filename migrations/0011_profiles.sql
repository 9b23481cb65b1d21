-- The profile of each load (issue 15): per contract column, filled, empty,
-- invalid and distinct counts, ranges and the most frequent values, computed
-- by the clerk's validation of the submitted bytes and kept with the request.
-- A supervisor compares it with the profile of the active version (the
-- profile of the request that published it) to see which columns drifted.
--
-- * meta.load_request.profile: written only through meta.record_profile, by
--   the clerk whose submit creates the request, before it is sealed (as
--   meta.log_step), once; nobody updates it afterwards (no role has UPDATE on
--   meta.load_request). It quotes cells (the most frequent values), so readers
--   do not see it, as they do not see the report: their column grants (0004)
--   name the columns they read and this one is not among them.

ALTER TABLE meta.load_request ADD COLUMN profile jsonb;

CREATE FUNCTION meta.record_profile(p_request_id bigint, p_profile jsonb) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta, pg_temp AS $$
DECLARE
    r meta.load_request%ROWTYPE;
    v_rows bigint;
BEGIN
    PERFORM meta.require_role('citizen_clerk', 'submit files');
    SELECT * INTO r FROM meta.load_request WHERE request_id = p_request_id FOR UPDATE;
    IF NOT FOUND OR r.submitted_by <> session_user OR r.status <> 'pending' OR r.sealed_at IS NOT NULL THEN
        RAISE EXCEPTION 'request % is not an open submit of %; a profile is recorded only by the submit that creates the request',
            p_request_id, session_user USING ERRCODE = 'CD011';
    END IF;
    IF r.profile IS NOT NULL THEN
        RAISE EXCEPTION 'request % already has its profile', p_request_id USING ERRCODE = 'CD011';
    END IF;
    IF p_profile IS NULL OR jsonb_typeof(p_profile) <> 'object'
       OR jsonb_typeof(p_profile -> 'columns') IS DISTINCT FROM 'array'
       OR jsonb_typeof(p_profile -> 'rows') IS DISTINCT FROM 'number'
       OR p_profile ->> 'dataset' IS DISTINCT FROM r.dataset THEN
        RAISE EXCEPTION 'the profile of request % is not a profile of dataset %', p_request_id, r.dataset
            USING ERRCODE = 'CD011';
    END IF;
    -- A profile is bounded (ten values per column, 200 for a coded one): a
    -- few hundred kilobytes at most.
    IF octet_length(p_profile::text) > 8000000 THEN
        RAISE EXCEPTION 'the profile of request % is too large', p_request_id USING ERRCODE = 'CD011';
    END IF;
    v_rows := floor((p_profile ->> 'rows')::numeric);
    IF v_rows IS DISTINCT FROM r.rows + r.invalid_rows THEN
        RAISE EXCEPTION 'the profile of request % counts % rows; the request has %', p_request_id, v_rows,
            r.rows + r.invalid_rows USING ERRCODE = 'CD011';
    END IF;
    UPDATE meta.load_request SET profile = p_profile WHERE request_id = p_request_id;
END
$$;

ALTER FUNCTION meta.record_profile(bigint, jsonb) OWNER TO citizen_owner;
REVOKE ALL ON FUNCTION meta.record_profile(bigint, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION meta.record_profile(bigint, jsonb) TO citizen_clerk;

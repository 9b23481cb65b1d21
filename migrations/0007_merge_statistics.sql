-- Statistics for a request's staged rows before a merge joins them to core
-- (issue 13). A partition made at submit has none, and without them the
-- planner probes core's key index once per staged row: 8.5 s for a million
-- rows against one hash join of about 2.5 s, measured on the bench's merge.
-- A small sample (statistics target 10: about 40 ms for a million rows, where
-- the default target took 1.5 s) is enough to choose the hash join. Called
-- first by the merge transform (strategy/merge.rs), which approve_request runs
-- as the owner; executable by nobody else.
CREATE FUNCTION meta.analyze_stage(p_request_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, meta, pg_temp SET default_statistics_target = 10 AS $$
BEGIN
    IF to_regclass(format('stage.%I', 'request-' || p_request_id)) IS NOT NULL THEN
        EXECUTE format('ANALYZE stage.%I', 'request-' || p_request_id);
    END IF;
END
$$;

ALTER FUNCTION meta.analyze_stage(bigint) OWNER TO citizen_owner;
REVOKE ALL ON FUNCTION meta.analyze_stage(bigint) FROM PUBLIC;

-- Logins managed by an administrator (issue 14): list logins, add one with a
-- Citizen DB role, disable (NOLOGIN; never dropped, the audit log names them),
-- enable again, change the role, set the password. Each change is audited.
--
-- Who holds the right to manage roles. Role DDL needs CREATEROLE. It is NOT
-- given to citizen_owner: every administrator can become the owner (SET ROLE),
-- and on PostgreSQL 15 a CREATEROLE role may grant itself
-- pg_execute_server_program (tried), i.e. run programs on the server. Instead
-- one NOLOGIN role, citizen_login_manager, has CREATEROLE and no member at all
-- (nobody can SET ROLE to it), and owns a single function, meta.login_ddl,
-- which runs the role statements after its own checks (caller an
-- administrator, target a plain Citizen DB login, role one of the four,
-- password a SCRAM verifier, never oneself, never the last administrator).
-- It runs only pg_catalog code and writes no table, so nothing an
-- administrator controls as the owner (triggers, defaults, functions of meta)
-- ever runs with its rights. EXECUTE on it is granted to citizen_owner alone:
-- the public functions below (owned by citizen_owner like the rest, executable
-- by citizen_admin) call it and write the audit entry. An administrator who
-- takes the owner role could call meta.login_ddl directly and skip the audit
-- entry, within the same checks; like the owner's other rights, that is
-- outside what the audit log guarantees (README, Security).
--
-- PostgreSQL 16 and later: CREATEROLE manages only roles it holds ADMIN OPTION
-- on. The manager is given ADMIN OPTION (without INHERIT or SET) on the four
-- Citizen DB roles and on every login that already holds one; logins it
-- creates itself it administers automatically. A login made by hand later
-- needs `GRANT name TO citizen_login_manager WITH ADMIN OPTION, INHERIT FALSE,
-- SET FALSE` by a superuser; meta.login_ddl says so (CD013). The tests run
-- PostgreSQL 15.
--
-- New SQLSTATEs: CD012 a login name, role or password verifier that is not
-- acceptable; CD013 a role Citizen DB does not manage (superuser, system role,
-- not a Citizen DB login); CD014 an administrator disabling or demoting
-- themself, or the last enabled administrator; CD015 the login exists already.
-- CD005 (not found) for a login that does not exist.

DO $$
DECLARE
    attempt integer;
BEGIN
    FOR attempt IN 1..20 LOOP
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'citizen_login_manager') THEN
                CREATE ROLE citizen_login_manager NOLOGIN NOINHERIT CREATEROLE;
            END IF;
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'citizen_login_manager'
                       AND (rolcanlogin OR rolinherit OR NOT rolcreaterole OR rolsuper)) THEN
                ALTER ROLE citizen_login_manager NOLOGIN NOINHERIT CREATEROLE NOSUPERUSER;
            END IF;
            IF current_setting('server_version_num')::integer >= 160000 THEN
                EXECUTE 'GRANT citizen_clerk, citizen_supervisor, citizen_reader, citizen_admin
                         TO citizen_login_manager WITH ADMIN OPTION, INHERIT FALSE, SET FALSE';
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

-- PostgreSQL 16+: the logins that exist already.
DO $$
DECLARE
    l record;
BEGIN
    IF current_setting('server_version_num')::integer < 160000 THEN
        RETURN;
    END IF;
    FOR l IN
        SELECT DISTINCT r.rolname FROM pg_roles r
        JOIN pg_auth_members m ON m.member = r.oid
        JOIN pg_roles g ON g.oid = m.roleid
        WHERE g.rolname IN ('citizen_clerk', 'citizen_supervisor', 'citizen_reader', 'citizen_admin')
          AND NOT r.rolsuper AND r.rolname NOT LIKE 'citizen\_%' AND r.rolname NOT LIKE 'pg\_%'
    LOOP
        BEGIN
            EXECUTE format('GRANT %I TO citizen_login_manager WITH ADMIN OPTION, INHERIT FALSE, SET FALSE', l.rolname);
        EXCEPTION WHEN OTHERS THEN
            NULL;
        END;
    END LOOP;
END
$$;

-- The one function that runs with role-management rights. p_action: add,
-- disable, enable, role, password. Returns the target's roles before the change
-- (short names), for the audit entry.
CREATE FUNCTION meta.login_ddl(p_action text, p_login text, p_role text, p_verifier text) RETURNS text[]
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_target pg_catalog.pg_roles%ROWTYPE;
    v_roles text[];
    v_group text;
    v_is_admin boolean;
    v_other_admins bigint;
BEGIN
    IF NOT pg_has_role(session_user, 'citizen_admin', 'MEMBER') THEN
        RAISE EXCEPTION '% may not manage logins: the role citizen_admin is required', session_user
            USING ERRCODE = 'CD007';
    END IF;
    IF p_action IS NULL OR p_action NOT IN ('add', 'disable', 'enable', 'role', 'password') THEN
        RAISE EXCEPTION 'unknown login action %', coalesce(p_action, 'NULL') USING ERRCODE = 'CD012';
    END IF;
    IF p_login IS NULL OR p_login !~ '^[a-z_][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'a login name is 1 to 63 lower-case letters, digits or _ and does not start with a digit, not %',
            coalesce(quote_literal(left(p_login, 80)), 'NULL') USING ERRCODE = 'CD012';
    END IF;
    IF p_login LIKE 'pg\_%' OR p_login LIKE 'citizen\_%' OR p_login IN ('postgres', 'public', 'none', 'current_user', 'session_user', 'current_role') THEN
        RAISE EXCEPTION '% is a reserved role name; Citizen DB does not manage it', p_login USING ERRCODE = 'CD013';
    END IF;
    IF p_action IN ('add', 'role') THEN
        IF p_role IS NULL OR p_role NOT IN ('clerk', 'supervisor', 'reader', 'admin') THEN
            RAISE EXCEPTION 'a login''s role is clerk, supervisor, reader or admin, not %', coalesce(quote_literal(left(p_role, 40)), 'NULL')
                USING ERRCODE = 'CD012';
        END IF;
    END IF;
    IF p_action IN ('add', 'password') THEN
        -- Only a SCRAM-SHA-256 verifier (computed by the client), never a password.
        IF p_verifier IS NULL OR length(p_verifier) > 400
           OR p_verifier !~ '^SCRAM-SHA-256\$[1-9][0-9]{3,6}:[A-Za-z0-9+/]{16,88}={0,2}\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$' THEN
            RAISE EXCEPTION 'a password is set only as a SCRAM-SHA-256 verifier computed by the client' USING ERRCODE = 'CD012';
        END IF;
    END IF;
    -- One change of logins at a time, so two administrators cannot disable
    -- each other into having none.
    PERFORM pg_advisory_xact_lock(hashtext('citizen-db:logins'));

    SELECT * INTO v_target FROM pg_catalog.pg_roles WHERE rolname = p_login;
    IF p_action = 'add' THEN
        IF FOUND THEN
            RAISE EXCEPTION 'a role named % exists already', p_login USING ERRCODE = 'CD015';
        END IF;
        EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT PASSWORD %L IN ROLE %I',
                       p_login, p_verifier, 'citizen_' || p_role);
        RETURN '{}';
    END IF;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'there is no login named %', p_login USING ERRCODE = 'CD005';
    END IF;
    SELECT coalesce(array_agg(substr(g.rolname, 9) ORDER BY g.rolname), '{}') INTO v_roles
        FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
        WHERE m.member = v_target.oid
          AND g.rolname IN ('citizen_clerk', 'citizen_supervisor', 'citizen_reader', 'citizen_admin');
    IF v_target.rolsuper OR v_target.rolreplication OR v_target.rolbypassrls OR v_target.rolcreaterole
       OR cardinality(v_roles) = 0 THEN
        RAISE EXCEPTION '% is not a Citizen DB login (a superuser, a system role, or a role holding none of clerk, supervisor, reader, admin); Citizen DB does not manage it', p_login
            USING ERRCODE = 'CD013';
    END IF;
    v_is_admin := 'admin' = ANY (v_roles);
    IF p_action = 'disable' OR (p_action = 'role' AND p_role <> 'admin') THEN
        IF p_login = session_user THEN
            RAISE EXCEPTION 'an administrator may not disable or demote their own login (%); another administrator must', p_login
                USING ERRCODE = 'CD014';
        END IF;
        IF v_is_admin AND v_target.rolcanlogin THEN
            SELECT count(*) INTO v_other_admins
                FROM pg_catalog.pg_auth_members m
                JOIN pg_catalog.pg_roles r ON r.oid = m.member
                WHERE m.roleid = 'citizen_admin'::regrole AND r.rolcanlogin AND NOT r.rolsuper AND r.oid <> v_target.oid;
            IF v_other_admins = 0 THEN
                RAISE EXCEPTION '% is the last administrator who can sign in; make another administrator first', p_login
                    USING ERRCODE = 'CD014';
            END IF;
        END IF;
    END IF;
    BEGIN
        IF p_action = 'disable' THEN
            EXECUTE format('ALTER ROLE %I NOLOGIN', p_login);
        ELSIF p_action = 'enable' THEN
            EXECUTE format('ALTER ROLE %I LOGIN', p_login);
        ELSIF p_action = 'password' THEN
            EXECUTE format('ALTER ROLE %I PASSWORD %L', p_login, p_verifier);
        ELSE
            FOREACH v_group IN ARRAY v_roles LOOP
                IF v_group <> p_role THEN
                    EXECUTE format('REVOKE %I FROM %I', 'citizen_' || v_group, p_login);
                END IF;
            END LOOP;
            IF NOT p_role = ANY (v_roles) THEN
                EXECUTE format('GRANT %I TO %I', 'citizen_' || p_role, p_login);
            END IF;
        END IF;
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE EXCEPTION 'the role citizen_login_manager may not manage % (PostgreSQL 16+: a superuser must run GRANT % TO citizen_login_manager WITH ADMIN OPTION, INHERIT FALSE, SET FALSE)', p_login, quote_ident(p_login)
            USING ERRCODE = 'CD013';
    END;
    RETURN v_roles;
END
$$;

ALTER FUNCTION meta.login_ddl(text, text, text, text) OWNER TO citizen_login_manager;
REVOKE ALL ON FUNCTION meta.login_ddl(text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION meta.login_ddl(text, text, text, text) TO citizen_owner;

-- Every Citizen DB login (holding clerk, supervisor, reader or admin), its
-- roles (short names) and whether it can sign in.
CREATE FUNCTION meta.list_logins()
RETURNS TABLE (login text, roles text[], can_login boolean, is_demo boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, meta, pg_temp AS $$
BEGIN
    PERFORM meta.require_role('citizen_admin', 'manage logins');
    RETURN QUERY
        SELECT r.rolname::text,
               array_agg(substr(g.rolname, 9) ORDER BY g.rolname),
               r.rolcanlogin,
               coalesce(shobj_description(r.oid, 'pg_authid') = 'citizen-db demo login', false)
        FROM pg_roles r
        JOIN pg_auth_members m ON m.member = r.oid
        JOIN pg_roles g ON g.oid = m.roleid
        WHERE g.rolname IN ('citizen_clerk', 'citizen_supervisor', 'citizen_reader', 'citizen_admin')
          AND r.rolname NOT LIKE 'citizen\_%' AND NOT r.rolsuper
        GROUP BY r.oid, r.rolname, r.rolcanlogin
        ORDER BY r.rolname;
END
$$;

CREATE FUNCTION meta.add_login(p_login text, p_role text, p_verifier text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta, pg_temp AS $$
BEGIN
    PERFORM meta.require_role('citizen_admin', 'manage logins');
    PERFORM meta.login_ddl('add', p_login, p_role, p_verifier);
    PERFORM meta.audit('login_add', NULL, NULL, NULL, NULL, jsonb_build_object('login', p_login, 'role', p_role));
END
$$;

CREATE FUNCTION meta.disable_login(p_login text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta, pg_temp AS $$
BEGIN
    PERFORM meta.require_role('citizen_admin', 'manage logins');
    PERFORM meta.login_ddl('disable', p_login, NULL, NULL);
    PERFORM meta.audit('login_disable', NULL, NULL, NULL, NULL, jsonb_build_object('login', p_login));
END
$$;

CREATE FUNCTION meta.enable_login(p_login text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta, pg_temp AS $$
BEGIN
    PERFORM meta.require_role('citizen_admin', 'manage logins');
    PERFORM meta.login_ddl('enable', p_login, NULL, NULL);
    PERFORM meta.audit('login_enable', NULL, NULL, NULL, NULL, jsonb_build_object('login', p_login));
END
$$;

CREATE FUNCTION meta.set_login_role(p_login text, p_role text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta, pg_temp AS $$
DECLARE
    v_before text[];
BEGIN
    PERFORM meta.require_role('citizen_admin', 'manage logins');
    v_before := meta.login_ddl('role', p_login, p_role, NULL);
    PERFORM meta.audit('login_role', NULL, NULL, NULL, NULL,
                       jsonb_build_object('login', p_login, 'role', p_role, 'before', to_jsonb(v_before)));
END
$$;

-- The password arrives as a SCRAM-SHA-256 verifier; the audit entry says only
-- that it changed.
CREATE FUNCTION meta.set_login_password(p_login text, p_verifier text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, meta, pg_temp AS $$
BEGIN
    PERFORM meta.require_role('citizen_admin', 'manage logins');
    PERFORM meta.login_ddl('password', p_login, NULL, p_verifier);
    PERFORM meta.audit('login_password', NULL, NULL, NULL, NULL, jsonb_build_object('login', p_login));
END
$$;

ALTER FUNCTION meta.list_logins() OWNER TO citizen_owner;
ALTER FUNCTION meta.add_login(text, text, text) OWNER TO citizen_owner;
ALTER FUNCTION meta.disable_login(text) OWNER TO citizen_owner;
ALTER FUNCTION meta.enable_login(text) OWNER TO citizen_owner;
ALTER FUNCTION meta.set_login_role(text, text) OWNER TO citizen_owner;
ALTER FUNCTION meta.set_login_password(text, text) OWNER TO citizen_owner;

REVOKE ALL ON FUNCTION meta.list_logins(), meta.add_login(text, text, text), meta.disable_login(text),
                       meta.enable_login(text), meta.set_login_role(text, text), meta.set_login_password(text, text)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION meta.list_logins(), meta.add_login(text, text, text), meta.disable_login(text),
                          meta.enable_login(text), meta.set_login_role(text, text), meta.set_login_password(text, text)
    TO citizen_admin;

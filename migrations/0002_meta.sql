-- The bookkeeping of every load: contracts, landed files, requests, versions,
-- step and audit logs, and the phones table shared by all datasets.

CREATE TABLE meta.contract (
    contract_id   bigserial PRIMARY KEY,
    dataset       text NOT NULL,
    sha256        text NOT NULL,
    body          text NOT NULL,
    strategy      text NOT NULL CHECK (strategy IN ('rebuild', 'merge', 'append')),
    -- SQL generated from the contract by `contracts apply`, run by the approval
    -- and rollback functions with $1 request_id, $2 version_id, $3 period,
    -- $4 previous active version_id.
    transform_sql text[] NOT NULL,
    count_sql     text NOT NULL,
    undo_sql      text[] NOT NULL DEFAULT '{}',
    is_current    boolean NOT NULL DEFAULT true,
    applied_by    text NOT NULL DEFAULT session_user,
    applied_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (dataset, sha256)
);
CREATE UNIQUE INDEX contract_one_current ON meta.contract (dataset) WHERE is_current;

CREATE TABLE land.file (
    file_id     bigserial PRIMARY KEY,
    file_name   text NOT NULL,
    sha256      text NOT NULL,
    size_bytes  bigint NOT NULL,
    content     bytea NOT NULL,
    received_by text NOT NULL DEFAULT session_user,
    received_at timestamptz NOT NULL DEFAULT now()
);
-- Kept out of line and uncompressed: landing streams the bytes as received,
-- and spreadsheets are already compressed (pglz would only cost time).
ALTER TABLE land.file ALTER COLUMN content SET STORAGE EXTERNAL;

CREATE TABLE meta.load_request (
    request_id      bigserial PRIMARY KEY,
    dataset         text NOT NULL,
    period          text NOT NULL,
    file_id         bigint REFERENCES land.file (file_id),
    file_name       text NOT NULL,
    file_sha256     text NOT NULL,
    contract_sha256 text NOT NULL,
    status          text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'loaded', 'failed')),
    submitted_by    text NOT NULL DEFAULT session_user,
    submitted_at    timestamptz NOT NULL DEFAULT now(),
    decided_by      text,
    decided_at      timestamptz,
    decision_note   text,
    rows            bigint NOT NULL DEFAULT 0,
    invalid_rows    bigint NOT NULL DEFAULT 0,
    report          jsonb,
    warnings        jsonb NOT NULL DEFAULT '[]',
    error           text
);
-- The same file may not wait or be loaded twice for one dataset and period.
CREATE UNIQUE INDEX load_request_same_file
    ON meta.load_request (dataset, period, file_sha256)
    WHERE status IN ('pending', 'approved', 'loaded');
CREATE INDEX load_request_status ON meta.load_request (status, dataset);

CREATE TABLE meta.dataset_version (
    version_id        bigserial PRIMARY KEY,
    dataset           text NOT NULL,
    period            text NOT NULL,
    version           integer NOT NULL,
    request_id        bigint REFERENCES meta.load_request (request_id),
    parent_version_id bigint REFERENCES meta.dataset_version (version_id),
    is_active         boolean NOT NULL DEFAULT false,
    row_count         bigint NOT NULL DEFAULT 0,
    created_by        text NOT NULL,
    approved_by       text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    activated_at      timestamptz,
    UNIQUE (dataset, period, version)
);
-- At most one active version per dataset and period (SPEC §5).
CREATE UNIQUE INDEX dataset_version_one_active ON meta.dataset_version (dataset, period) WHERE is_active;

CREATE TABLE meta.step_log (
    step_log_id bigserial PRIMARY KEY,
    request_id  bigint NOT NULL,
    step        text NOT NULL CHECK (step IN ('land', 'validate', 'stage', 'transform', 'publish')),
    status      text NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
    started_at  timestamptz NOT NULL,
    finished_at timestamptz,
    rows        bigint,
    error       text
);
CREATE INDEX step_log_request ON meta.step_log (request_id);

CREATE TABLE meta.audit_log (
    audit_id   bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    actor      text NOT NULL DEFAULT session_user,
    action     text NOT NULL,
    dataset    text,
    period     text,
    request_id bigint,
    version_id bigint,
    details    jsonb NOT NULL DEFAULT '{}'
);

-- Phones of every dataset, unpivoted from the core tables by views that
-- `contracts apply` defines over every registered dataset: the numbers are
-- stored once, in their dataset's rows, and each version's phones are those
-- of its rows. These empty definitions fix the columns.
CREATE VIEW core.phone_numbers AS
SELECT NULL::text AS citizen_id, NULL::text AS phone_e164, NULL::text AS phone_kind,
       NULL::text AS source_dataset, NULL::text AS source_column, NULL::bigint AS version_id
WHERE false;

CREATE VIEW core.phone_numbers_current AS SELECT * FROM core.phone_numbers;

-- Where each citizen appears; `contracts apply` redefines it over every dataset.
CREATE VIEW mart.citizen_presence AS
SELECT NULL::text AS citizen_id, NULL::text AS dataset WHERE false;

-- A plain view over the active versions: always exactly what is published,
-- switching with the same commit, and nothing to refresh (a materialised copy
-- cost seconds per publish for every million citizens).
CREATE VIEW mart.citizen_contacts AS
SELECT x.citizen_id,
       coalesce(array_agg(DISTINCT x.phone) FILTER (WHERE x.phone IS NOT NULL), '{}') AS phones,
       array_agg(DISTINCT x.dataset) AS datasets
FROM (SELECT citizen_id, dataset, NULL::text AS phone FROM mart.citizen_presence
      UNION ALL
      SELECT citizen_id, source_dataset, phone_e164 FROM core.phone_numbers_current) x
WHERE x.citizen_id IS NOT NULL
GROUP BY x.citizen_id;

-- Readers see core, mart and meta; nobody but the owner writes meta directly.
GRANT SELECT ON ALL TABLES IN SCHEMA core, mart, meta TO citizen_reader;
GRANT SELECT ON land.file TO citizen_supervisor, citizen_admin;
GRANT INSERT ON land.file TO citizen_clerk;
GRANT USAGE ON SEQUENCE land.file_file_id_seq TO citizen_clerk;
REVOKE ALL ON meta.audit_log FROM PUBLIC;
GRANT SELECT ON meta.audit_log TO citizen_reader;

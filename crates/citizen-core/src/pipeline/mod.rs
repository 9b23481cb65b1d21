//! The load pipeline (SPEC §2, §5): one generic runner over the steps `land`,
//! `validate`, `stage` (the clerk's submit) and `transform`, `publish` (the
//! supervisor's approval, run inside the database by `meta.approve_request`).
//! Every step is logged in `meta.step_log`; a failure leaves core, mart and the
//! versions as they were and marks the request failed.

pub mod land;
pub mod preview;
pub mod profile;
pub mod queries;
pub mod snapshot;
pub mod stage;

use crate::contract::period::check_period;
use crate::contract::Contract;
use crate::db::{with_retry, Database};
use crate::error::{CoreError, Refusal};
use crate::report::{Issue, Report, Severity, Status};
use crate::validate::edits::{HeaderMapping, ReviewEdits, ReviewLog};
use crate::validate::{display_name, validate_file, ValidateOptions};
use chrono::{DateTime, Utc};
use serde::Serialize;
use snapshot::Snapshot;
use std::path::Path;

/// The result of a successful submit.
#[derive(Debug, Clone, Serialize)]
pub struct Submitted {
    pub request_id: i64,
    pub file_id: i64,
    pub staged_rows: u64,
    /// Warnings for the supervisor (row count jump and the like).
    pub warnings: Vec<Issue>,
    pub report: Report,
    /// The mappings and corrections the request carries.
    pub review: ReviewLog,
}

/// The result of an approval.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Approved {
    pub request_id: i64,
    pub version_id: i64,
    pub version: i32,
    pub rows: i64,
}

async fn log_step(
    conn: &mut sqlx::PgConnection,
    request_id: i64,
    step: &str,
    (started, finished): (DateTime<Utc>, DateTime<Utc>),
    rows: Option<i64>,
) -> Result<(), CoreError> {
    sqlx::query("SELECT meta.log_step($1, $2, 'ok', $3, $4, $5, NULL)")
        .bind(request_id)
        .bind(step)
        .bind(started)
        .bind(finished)
        .bind(rows)
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(|e| CoreError::db(format!("logging step {step}"), e))
}

/// What a submit knows once its file is valid, for opening and sealing the request.
struct Submission<'a> {
    contract: &'a Contract,
    period: &'a str,
    snapshot: &'a Snapshot,
    file_name: &'a str,
    report: &'a Report,
    warnings: &'a [Issue],
    spooled: &'a stage::Spooled,
    /// The profile validation computed, kept with the request.
    profile: Option<&'a crate::report::profile::Profile>,
    /// The mappings and corrections validation applied.
    review: &'a ReviewLog,
    /// Mappings to remember for the dataset (not yet aliases in the database).
    to_remember: &'a [HeaderMapping],
    /// When validation started and ended (it runs beside the land).
    validated: (DateTime<Utc>, DateTime<Utc>),
}

impl Submission<'_> {
    /// One whole attempt: lands the bytes, then opens, stages and seals.
    async fn attempt(&self, database: &Database) -> Result<Submitted, CoreError> {
        let (tx, file_id, land_spent) = land_in_new_transaction(database, self.snapshot, self.file_name).await?;
        self.finish(tx, file_id, land_spent).await
    }

    /// After the land, in the same transaction: opens the request with its
    /// counts and report, stages the spooled rows, then completes it.
    async fn finish(
        &self,
        mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
        file_id: i64,
        land_spent: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Submitted, CoreError> {
        let report = self.report;
        let report_json = serde_json::to_value(report).unwrap_or_default();
        let warnings_json = serde_json::to_value(self.warnings).unwrap_or_default();
        let request_id: i64 = sqlx::query_scalar("SELECT meta.open_request($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(&self.contract.dataset)
            .bind(self.period)
            .bind(file_id)
            .bind(&self.snapshot.sha256)
            .bind(&self.contract.sha256)
            .bind(report.valid_rows as i64)
            .bind(report.invalid_rows as i64)
            .bind(report_json)
            .bind(warnings_json)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| CoreError::db("opening the load request", e))?;
        let stage_started = Utc::now();
        let staged_rows =
            stage::stage_spooled(&mut tx, self.contract, self.spooled, request_id, self.snapshot.path()).await?;
        let streamed =
            Streamed { tx, file_id, request_id, land_spent, stage_spent: (stage_started, Utc::now()), staged_rows };
        self.complete(streamed).await
    }

    /// After a streamed stage (the request opened early, its rows sent while
    /// validation read the file): records the counts and the report
    /// (`meta.report_request`), then completes the request.
    async fn finish_streamed(&self, mut streamed: Streamed<'_>) -> Result<Submitted, CoreError> {
        let report = self.report;
        sqlx::query("SELECT meta.report_request($1, $2, $3, $4, $5)")
            .bind(streamed.request_id)
            .bind(report.valid_rows as i64)
            .bind(report.invalid_rows as i64)
            .bind(serde_json::to_value(report).unwrap_or_default())
            .bind(serde_json::to_value(self.warnings).unwrap_or_default())
            .execute(&mut *streamed.tx)
            .await
            .map_err(|e| CoreError::db("recording the validation report", e))?;
        self.complete(streamed).await
    }

    /// Logs the steps, records the profile and the review, seals and commits.
    async fn complete(&self, streamed: Streamed<'_>) -> Result<Submitted, CoreError> {
        let Streamed { mut tx, file_id, request_id, land_spent, stage_spent, staged_rows } = streamed;
        let report = self.report;
        log_step(&mut tx, request_id, "land", land_spent, Some(1)).await?;
        log_step(&mut tx, request_id, "validate", self.validated, Some(report.rows as i64)).await?;
        log_step(&mut tx, request_id, "stage", stage_spent, Some(staged_rows as i64)).await?;
        if let Some(profile) = self.profile {
            profile::record_profile(&mut tx, request_id, profile).await?;
        }
        record_review(&mut tx, &self.contract.dataset, request_id, self.review, self.to_remember).await?;
        sqlx::query("SELECT meta.seal_request($1)")
            .bind(request_id)
            .execute(&mut *tx)
            .await
            .map_err(|e| CoreError::db("sealing the request", e))?;
        tx.commit().await.map_err(|e| CoreError::db("committing the submit", e))?;
        Ok(Submitted {
            request_id,
            file_id,
            staged_rows,
            warnings: self.warnings.to_vec(),
            report: report.clone(),
            review: self.review.clone(),
        })
    }
}

/// A submit's transaction once its rows are staged: the landed file, the
/// open request, when the land and the stage ran, and the rows staged.
struct Streamed<'a> {
    tx: sqlx::Transaction<'a, sqlx::Postgres>,
    file_id: i64,
    request_id: i64,
    land_spent: (DateTime<Utc>, DateTime<Utc>),
    stage_spent: (DateTime<Utc>, DateTime<Utc>),
    staged_rows: u64,
}

/// The streamed submit's database side, beside validation: lands the
/// snapshot, opens the request before the rows are counted
/// (`meta.open_request` with five arguments) and sends the spool's rows to
/// COPY as validation writes them, until validation closes the spool.
async fn land_open_and_stream<'a>(
    database: &'a Database,
    contract: &Contract,
    period: &str,
    snapshot: &Snapshot,
    file_name: &str,
    spool: &stage::StageSpool,
) -> Result<Streamed<'a>, CoreError> {
    let (mut tx, file_id, land_spent) = land_in_new_transaction(database, snapshot, file_name).await?;
    let request_id: i64 = sqlx::query_scalar("SELECT meta.open_request($1, $2, $3, $4, $5)")
        .bind(&contract.dataset)
        .bind(period)
        .bind(file_id)
        .bind(&snapshot.sha256)
        .bind(&contract.sha256)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| CoreError::db("opening the load request", e))?;
    let stage_started = Utc::now();
    let staged_rows = spool.stream(&mut tx, request_id, snapshot.path()).await?;
    Ok(Streamed { tx, file_id, request_id, land_spent, stage_spent: (stage_started, Utc::now()), staged_rows })
}

/// Closes the spool when validation's thread ends, even by a panic, so the
/// streaming COPY never waits for rows that will not come.
struct CloseSpool(std::sync::Arc<stage::StageSpool>);

impl Drop for CloseSpool {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Records, in the submit's transaction and before the seal, the mappings
/// the clerk asked to remember (`meta.remember_alias`) and the request's
/// mappings and corrections (`meta.record_review`).
async fn record_review(
    conn: &mut sqlx::PgConnection,
    dataset: &str,
    request_id: i64,
    review: &ReviewLog,
    to_remember: &[HeaderMapping],
) -> Result<(), CoreError> {
    for mapping in to_remember {
        sqlx::query("SELECT meta.remember_alias($1, $2, $3)")
            .bind(dataset)
            .bind(&mapping.header)
            .bind(mapping.column.as_deref())
            .execute(&mut *conn)
            .await
            .map_err(|e| CoreError::db("remembering a column mapping", e))?;
    }
    if review.is_empty() {
        return Ok(());
    }
    let mappings = serde_json::to_value(&review.mappings).unwrap_or_default();
    let corrections = serde_json::to_value(&review.corrections).unwrap_or_default();
    sqlx::query("SELECT meta.record_review($1, $2, $3)")
        .bind(request_id)
        .bind(mappings)
        .bind(corrections)
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(|e| CoreError::db("recording the mappings and corrections", e))
}

/// Remembers mappings for a dataset (`meta.remember_alias`, clerks), in one transaction.
pub async fn remember_aliases(database: &Database, dataset: &str, mappings: &[HeaderMapping]) -> Result<(), CoreError> {
    let mut tx = database.pool.begin().await.map_err(|e| CoreError::db("starting to remember mappings", e))?;
    for mapping in mappings {
        sqlx::query("SELECT meta.remember_alias($1, $2, $3)")
            .bind(dataset)
            .bind(&mapping.header)
            .bind(mapping.column.as_deref())
            .execute(&mut *tx)
            .await
            .map_err(|e| CoreError::db("remembering a column mapping", e))?;
    }
    tx.commit().await.map_err(|e| CoreError::db("committing the remembered mappings", e))
}

/// Opens the submit's transaction and lands the snapshot's bytes in it.
async fn land_in_new_transaction<'a>(
    database: &'a Database,
    snapshot: &Snapshot,
    file_name: &str,
) -> Result<(sqlx::Transaction<'a, sqlx::Postgres>, i64, (DateTime<Utc>, DateTime<Utc>)), CoreError> {
    let mut tx = database.pool.begin().await.map_err(|e| CoreError::db("starting the submit", e))?;
    let started = Utc::now();
    let file_id = land::land_file(&mut tx, snapshot.path(), file_name).await?;
    Ok((tx, file_id, (started, Utc::now())))
}

/// Submits a file (clerk): takes one snapshot of its bytes, then validates it
/// on its own thread while the submit's transaction lands the same bytes (the
/// server hashes and stores them as the client checks the rows), then opens,
/// stages and seals a pending request in that transaction. An invalid file is
/// refused with its report and its transaction rolled back: nothing is
/// written. A transient connection failure retries the whole transaction.
pub async fn submit(
    database: &Database,
    contract: &Contract,
    path: &Path,
    period: &str,
) -> Result<Submitted, CoreError> {
    submit_reviewed(database, contract, path, period, &ReviewEdits::default()).await
}

/// Submits a file as `submit` does, with the clerk's review: the header
/// mappings (the dataset's remembered aliases in the database added for
/// headers the review does not map) and corrections are applied by the
/// validation that feeds the stage, so the staged rows carry the corrected
/// values while the land keeps the snapshot's bytes. The mappings used and
/// every correction are recorded with the request, and mappings marked
/// `remember` become the dataset's aliases, in the submit's transaction.
pub async fn submit_reviewed(
    database: &Database,
    contract: &Contract,
    path: &Path,
    period: &str,
    edits: &ReviewEdits,
) -> Result<Submitted, CoreError> {
    check_period(contract, period)?;
    edits.check(contract)?;
    let remembered = queries::column_aliases(database, &contract.dataset).await?;
    let to_remember: Vec<HeaderMapping> = edits
        .mappings
        .iter()
        .filter(|m| {
            let key = crate::contract::normalise_header(&m.header);
            m.remember
                && !remembered
                    .iter()
                    .any(|r| crate::contract::normalise_header(&r.header) == key && r.column == m.column)
        })
        .cloned()
        .collect();
    let edits = std::sync::Arc::new(edits.clone().with_remembered(&remembered));
    let previous_rows = queries::active_row_count(database, &contract.dataset, period).await?;
    let file_name = display_name(path);
    let snapshot = {
        let owned_path = path.to_path_buf();
        tokio::task::spawn_blocking(move || Snapshot::take(&owned_path))
            .await
            .map_err(|e| CoreError::Io { path: path.to_path_buf(), source: std::io::Error::other(e.to_string()) })??
    };
    let snapshot = std::sync::Arc::new(snapshot);
    let validate_started = Utc::now();
    // Validation hands every row it reads to the spool, so staging does not
    // read the file again.
    let spool = std::sync::Arc::new(
        stage::StageSpool::new(contract).map_err(|source| CoreError::Io { path: path.to_path_buf(), source })?,
    );
    let validating = {
        let contract = contract.clone();
        let snapshot = snapshot.clone();
        let consumer: std::sync::Arc<dyn crate::validate::RowConsumer> = spool.clone();
        let close = CloseSpool(spool.clone());
        let edits = (!edits.is_empty()).then(|| edits.clone());
        tokio::task::spawn_blocking(move || {
            let _close = close;
            let options =
                ValidateOptions { previous_rows, consumer: Some(consumer), edits, ..ValidateOptions::default() };
            let validation = validate_file(snapshot.path(), &contract, &options);
            (validation, Utc::now())
        })
    };
    // Beside validation, one transaction lands the bytes, opens the request
    // and stages the rows as they are validated; it commits only once the
    // whole file is valid and the request sealed.
    let (validation, first_land) =
        tokio::join!(validating, land_open_and_stream(database, contract, period, &snapshot, &file_name, &spool));
    let (validation, validate_finished) = validation
        .map_err(|e| CoreError::Io { path: path.to_path_buf(), source: std::io::Error::other(e.to_string()) })?;
    let review = validation.review;
    let profile = validation.profile;
    let mut report = validation.report;
    report.file = file_name.clone();
    if report.status != Status::Valid {
        // Dropping the first attempt's transaction rolls the landed bytes back.
        drop(first_land);
        return Err(CoreError::InvalidFile {
            dataset: contract.dataset.clone(),
            invalid_rows: report.invalid_rows,
            issues: report.summary.values().sum(),
            report: Box::new(report),
        });
    }
    let warnings: Vec<Issue> =
        report.issues.iter().filter(|i| i.severity == Severity::Warning && i.row.is_none()).cloned().collect();
    let outcome = match spool.finish(path) {
        Ok(spooled) => {
            let submission = Submission {
                contract,
                period,
                snapshot: &snapshot,
                file_name: &file_name,
                report: &report,
                warnings: &warnings,
                spooled: &spooled,
                profile: profile.as_ref(),
                review: &review,
                to_remember: &to_remember,
                validated: (validate_started, validate_finished),
            };
            let first = match first_land {
                Ok(streamed) => submission.finish_streamed(streamed).await,
                Err(error) => Err(error),
            };
            match first {
                Err(error) if error.is_transient() => with_retry(|| submission.attempt(database)).await,
                other => other,
            }
        }
        // A row validation kept that cannot be staged: the landed bytes roll back.
        Err(error) => {
            drop(first_land);
            Err(error)
        }
    };
    match outcome {
        Ok(submitted) => Ok(submitted),
        Err(error @ CoreError::Refused { .. }) => Err(error),
        Err(error) => {
            let _ = sqlx::query("SELECT meta.record_failed_submit($1, $2, $3, $4, $5, 'stage', $6)")
                .bind(&contract.dataset)
                .bind(period)
                .bind(&file_name)
                .bind(&snapshot.sha256)
                .bind(&contract.sha256)
                .bind(error.to_string())
                .execute(&database.pool)
                .await;
            Err(error)
        }
    }
}

/// Approves a request (supervisor): transform and publish in one database
/// transaction. Connection trouble is retried; any other failure marks the
/// request failed (a later approve retries it).
pub async fn approve(database: &Database, request_id: i64, note: Option<&str>) -> Result<Approved, CoreError> {
    let attempts = std::sync::atomic::AtomicU32::new(0);
    let attempts = &attempts;
    let attempt = || async move {
        attempts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut tx = database.pool.begin().await.map_err(|e| CoreError::db("starting the approval", e))?;
        let version_id: i64 = sqlx::query_scalar("SELECT meta.approve_request($1, $2)")
            .bind(request_id)
            .bind(note)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| CoreError::db("approving", e))?;
        tx.commit().await.map_err(|e| CoreError::db("committing the approval", e))?;
        Ok(version_id)
    };
    let outcome = match with_retry(attempt).await {
        // A retry after the connection dropped past COMMIT finds the request
        // already loaded: if this login loaded it, the approval succeeded.
        Err(CoreError::Refused { reason: Refusal::NotPending, message })
            if attempts.load(std::sync::atomic::Ordering::Relaxed) > 1 =>
        {
            match approved_by_this_login(database, request_id).await {
                Some(version_id) => Ok(version_id),
                None => Err(CoreError::Refused { reason: Refusal::NotPending, message }),
            }
        }
        other => other,
    };
    match outcome {
        Ok(version_id) => {
            let (version, rows): (i32, i64) =
                sqlx::query_as("SELECT version, row_count FROM meta.dataset_version WHERE version_id = $1")
                    .bind(version_id)
                    .fetch_one(&database.pool)
                    .await
                    .map_err(|e| CoreError::db("reading the new version", e))?;
            Ok(Approved { request_id, version_id, version, rows })
        }
        Err(error @ CoreError::Refused { .. }) => Err(error),
        Err(error) => {
            let _ = sqlx::query("SELECT meta.mark_failed($1, 'transform', $2)")
                .bind(request_id)
                .bind(error.to_string())
                .execute(&database.pool)
                .await;
            Err(error)
        }
    }
}

/// The version a request became, when this login approved and loaded it.
async fn approved_by_this_login(database: &Database, request_id: i64) -> Option<i64> {
    sqlx::query_scalar(
        "SELECT v.version_id FROM meta.load_request r JOIN meta.dataset_version v ON v.request_id = r.request_id
         WHERE r.request_id = $1 AND r.status = 'loaded' AND r.decided_by = session_user",
    )
    .bind(request_id)
    .fetch_optional(&database.pool)
    .await
    .ok()
    .flatten()
}

/// Rejects a request with a note (supervisor); its staged rows are discarded.
pub async fn reject(database: &Database, request_id: i64, note: &str) -> Result<(), CoreError> {
    with_retry(|| async move {
        sqlx::query("SELECT meta.reject_request($1, $2)")
            .bind(request_id)
            .bind(note)
            .execute(&database.pool)
            .await
            .map(|_| ())
            .map_err(|e| CoreError::db("rejecting", e))
    })
    .await
}

/// Re-activates version `version` of a dataset and period (supervisor).
pub async fn rollback(database: &Database, dataset: &str, period: &str, version: i32) -> Result<i64, CoreError> {
    with_retry(|| async move {
        let mut tx = database.pool.begin().await.map_err(|e| CoreError::db("starting the rollback", e))?;
        let version_id: i64 = sqlx::query_scalar("SELECT meta.rollback_to($1, $2, $3)")
            .bind(dataset)
            .bind(period)
            .bind(version)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| CoreError::db("rolling back", e))?;
        tx.commit().await.map_err(|e| CoreError::db("committing the rollback", e))?;
        Ok(version_id)
    })
    .await
}

//! `contracts apply`: registers contracts in `meta.contract` and creates or
//! evolves their stage and core tables. Adding a column adds a nullable column
//! everywhere; anything that could lose or misread data (a changed type, a
//! changed strategy or merge keys) is refused with the reason.

use crate::contract::{Catalog, Contract};
use crate::db::Database;
use crate::error::CoreError;
use crate::sql::quote_ident;
use crate::strategy::{sql_type, stage_table, strategy_sql};
use serde::Serialize;
use sqlx::{AssertSqlSafe, Postgres, Transaction};

/// What applying one contract did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Applied {
    Created { dataset: String },
    Evolved { dataset: String, added_columns: Vec<String> },
    Registered { dataset: String },
    Unchanged { dataset: String },
}

async fn existing_columns(
    tx: &mut Transaction<'_, Postgres>,
    schema: &str,
    table: &str,
) -> Result<Vec<(String, String)>, CoreError> {
    sqlx::query_as(
        "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod)
         FROM pg_attribute a JOIN pg_class t ON t.oid = a.attrelid JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = $1 AND t.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
    )
    .bind(schema)
    .bind(table)
    .fetch_all(&mut **tx)
    .await
    .map_err(|e| CoreError::db("reading table columns", e))
}

fn normalised_type(sql: &str) -> &str {
    match sql {
        "timestamp without time zone" => "timestamp",
        other => other,
    }
}

async fn execute(tx: &mut Transaction<'_, Postgres>, statement: &str, context: &str) -> Result<(), CoreError> {
    sqlx::query(AssertSqlSafe(statement.to_owned()))
        .execute(&mut **tx)
        .await
        .map(|_| ())
        .map_err(|e| CoreError::db(context.to_owned(), e))
}

/// Adds contract columns missing from `schema.table`; refuses type changes.
async fn evolve_table(
    tx: &mut Transaction<'_, Postgres>,
    contract: &Contract,
    schema: &str,
    table: &str,
) -> Result<Vec<String>, CoreError> {
    let existing = existing_columns(tx, schema, table).await?;
    let mut added = Vec::new();
    for column in &contract.columns {
        let wanted = sql_type(column.column_type);
        match existing.iter().find(|(name, _)| *name == column.name) {
            Some((_, found)) if normalised_type(found) != wanted => {
                return Err(CoreError::UnsafeContractChange {
                    dataset: contract.dataset.clone(),
                    message: format!(
                        "column '{}' would change type from {found} to {wanted} in {schema}.{table}; existing data could be lost or misread. Add a new column instead",
                        column.name
                    ),
                });
            }
            Some(_) => {}
            None => {
                execute(
                    tx,
                    &format!(
                        "ALTER TABLE {}.{} ADD COLUMN {} {wanted}",
                        quote_ident(schema),
                        quote_ident(table),
                        quote_ident(&column.name)
                    ),
                    "adding a column",
                )
                .await?;
                added.push(column.name.clone());
            }
        }
    }
    Ok(added)
}

/// Applies one contract inside `tx`.
async fn apply_one(tx: &mut Transaction<'_, Postgres>, contract: &Contract) -> Result<Applied, CoreError> {
    let dataset = contract.dataset.clone();
    type Registered = (String, String, String, Vec<String>, String, Vec<String>);
    let registered: Option<Registered> = sqlx::query_as(
        "SELECT sha256, strategy, body, transform_sql, count_sql, undo_sql FROM meta.contract
         WHERE dataset = $1 AND is_current",
    )
    .bind(&dataset)
    .fetch_optional(&mut **tx)
    .await
    .map_err(|e| CoreError::db("reading registered contracts", e))?;
    let strategy =
        serde_json::to_value(contract.strategy).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    if let Some((sha, old_strategy, old_body, transform, count, undo)) = &registered {
        // The same contract is unchanged only while its statements are the ones
        // this version generates; after an upgrade that changes them (and the
        // tables they expect: migrations/0008) it is registered again.
        let generated = strategy_sql(contract);
        if *sha == contract.sha256 {
            if *transform == generated.transform && *count == generated.count && *undo == generated.undo {
                return Ok(Applied::Unchanged { dataset });
            }
        } else if *old_strategy != strategy {
            return Err(CoreError::UnsafeContractChange {
                dataset,
                message: format!(
                    "the strategy would change from {old_strategy} to {strategy}; loaded versions were built for {old_strategy}. Create a new dataset instead"
                ),
            });
        }
        if let Ok(old) = crate::contract::compile_contract(&contract.path, old_body) {
            let old_keys: Vec<&str> = old.keys.iter().map(|&i| old.columns[i].name.as_str()).collect();
            let new_keys: Vec<&str> = contract.keys.iter().map(|&i| contract.columns[i].name.as_str()).collect();
            if old_keys != new_keys && contract.strategy == crate::contract::Strategy::Merge {
                return Err(CoreError::UnsafeContractChange {
                    dataset,
                    message: format!(
                        "merge keys would change from [{}] to [{}]; merged rows are identified by their keys",
                        old_keys.join(", "),
                        new_keys.join(", ")
                    ),
                });
            }
        }
    }
    let period =
        serde_json::to_value(contract.period).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    let sql = strategy_sql(contract);
    let stage_exists = !existing_columns(tx, "stage", &dataset).await?.is_empty();
    let mut added = Vec::new();
    if stage_exists {
        added = evolve_table(tx, contract, "stage", &dataset).await?;
        evolve_table(tx, contract, "core", &dataset).await?;
        if contract.strategy == crate::contract::Strategy::Merge {
            evolve_table(tx, contract, "core", &format!("{dataset}_history")).await?;
        }
    } else {
        let columns = crate::strategy::column_definitions(contract);
        execute(
            tx,
            &format!(
                "CREATE TABLE {} (request_id bigint NOT NULL, source_row bigint NOT NULL, {columns}) PARTITION BY LIST (request_id)",
                stage_table(contract)
            ),
            "creating the stage table",
        )
        .await?;
    }
    if contract.strategy != crate::contract::Strategy::Merge {
        partition_unpartitioned_core(tx, contract).await?;
    }
    for statement in &sql.core_tables {
        execute(tx, statement, "creating core tables").await?;
    }
    if stage_exists {
        require_keys(tx, contract, "stage", &dataset).await?;
        require_keys(tx, contract, "core", &dataset).await?;
    }
    execute(tx, &sql.current_view, "creating the current view").await?;
    let stage = stage_table(contract);
    let core = crate::strategy::core_table(contract);
    let view = format!("core.{}", quote_ident(&format!("{dataset}_current")));
    // Clerks get no right on stage tables: each submit is granted INSERT on its
    // own request's partition until it is sealed (migrations/0004).
    for grant in [
        format!("GRANT SELECT ON {stage} TO citizen_supervisor, citizen_admin"),
        format!("GRANT SELECT ON {core}, {view} TO citizen_reader"),
    ] {
        execute(tx, &grant, "granting access").await?;
    }
    if contract.strategy == crate::contract::Strategy::Merge {
        let history = format!("core.{}", quote_ident(&format!("{dataset}_history")));
        execute(tx, &format!("GRANT SELECT ON {history} TO citizen_reader"), "granting access").await?;
    }
    sqlx::query("UPDATE meta.contract SET is_current = false WHERE dataset = $1 AND is_current")
        .bind(&dataset)
        .execute(&mut **tx)
        .await
        .map_err(|e| CoreError::db("registering the contract", e))?;
    sqlx::query(
        "INSERT INTO meta.contract (dataset, sha256, body, strategy, transform_sql, count_sql, undo_sql, period)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (dataset, sha256) DO UPDATE SET is_current = true, body = EXCLUDED.body,
             period = EXCLUDED.period,
             transform_sql = EXCLUDED.transform_sql,
             count_sql = EXCLUDED.count_sql, undo_sql = EXCLUDED.undo_sql,
             applied_by = session_user, applied_at = now()",
    )
    .bind(&dataset)
    .bind(&contract.sha256)
    .bind(&contract.body)
    .bind(&strategy)
    .bind(&sql.transform)
    .bind(&sql.count)
    .bind(&sql.undo)
    .bind(&period)
    .execute(&mut **tx)
    .await
    .map_err(|e| CoreError::db("registering the contract", e))?;
    sqlx::query("SELECT meta.audit('contract_apply', $1, NULL, NULL, NULL, jsonb_build_object('sha256', $2::text))")
        .bind(&dataset)
        .bind(&contract.sha256)
        .execute(&mut **tx)
        .await
        .map_err(|e| CoreError::db("auditing the contract", e))?;
    Ok(match (stage_exists, registered.is_some()) {
        (false, _) => Applied::Created { dataset },
        (true, _) if !added.is_empty() => Applied::Evolved { dataset, added_columns: added },
        _ => Applied::Registered { dataset },
    })
}

/// A rebuild or append `core.<dataset>` made before versions were partitions
/// (migrations/0008) becomes the DEFAULT partition `core."<dataset>-legacy"`
/// of a new `core.<dataset>` partitioned by `version_id`, its rows untouched.
/// A CHECK bounds its version ids so that attaching a later version (ids above
/// them) needs no scan of it; views over the old table are redefined on the
/// new one by the rest of the apply.
async fn partition_unpartitioned_core(
    tx: &mut Transaction<'_, Postgres>,
    contract: &Contract,
) -> Result<(), CoreError> {
    let dataset = &contract.dataset;
    let kind: Option<String> = sqlx::query_scalar(
        "SELECT c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'core' AND c.relname = $1",
    )
    .bind(dataset)
    .fetch_optional(&mut **tx)
    .await
    .map_err(|e| CoreError::db("reading the core table", e))?;
    if kind.as_deref() != Some("r") {
        return Ok(());
    }
    let core = crate::strategy::core_table(contract);
    let legacy_name = format!("{dataset}-legacy");
    let legacy = format!("core.{}", quote_ident(&legacy_name));
    let highest: i64 = sqlx::query_scalar(AssertSqlSafe(format!("SELECT coalesce(max(version_id), 0) FROM {core}")))
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| CoreError::db("reading the core table", e))?;
    execute(tx, &format!("ALTER TABLE {core} RENAME TO {}", quote_ident(&legacy_name)), "partitioning core").await?;
    execute(
        tx,
        &format!(
            "ALTER TABLE {legacy} ADD CONSTRAINT {} CHECK (version_id <= {highest})",
            quote_ident(&format!("{dataset}-legacy-versions"))
        ),
        "partitioning core",
    )
    .await?;
    for statement in &strategy_sql(contract).core_tables {
        execute(tx, statement, "partitioning core").await?;
    }
    execute(tx, &format!("ALTER TABLE {core} ATTACH PARTITION {legacy} DEFAULT"), "partitioning core").await
}

/// Makes the merge keys of an existing table NOT NULL (older versions let an
/// empty key through); refuses, with the reason, when rows already lack a key.
async fn require_keys(
    tx: &mut Transaction<'_, Postgres>,
    contract: &Contract,
    schema: &str,
    table: &str,
) -> Result<(), CoreError> {
    for &index in &contract.keys {
        let column = &contract.columns[index].name;
        let statement = format!(
            "ALTER TABLE {}.{} ALTER COLUMN {} SET NOT NULL",
            quote_ident(schema),
            quote_ident(table),
            quote_ident(column)
        );
        let done = sqlx::query(AssertSqlSafe(statement)).execute(&mut **tx).await;
        match done {
            Ok(_) => {}
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("23502") => {
                return Err(CoreError::UnsafeContractChange {
                    dataset: contract.dataset.clone(),
                    message: format!(
                        "{schema}.{table} holds rows whose key column '{column}' is empty; keys may never be empty. Remove or fix those rows (an administrator, in SQL), then apply again"
                    ),
                });
            }
            Err(e) => return Err(CoreError::db("requiring keys", e)),
        }
    }
    Ok(())
}

/// Rebuilds `mart.citizen_presence` over every registered dataset that has a
/// `citizen_id` (and nothing else: `core.phone_numbers_current` is no dataset).
async fn refresh_presence(tx: &mut Transaction<'_, Postgres>) -> Result<(), CoreError> {
    let views: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'citizen_id' AND NOT a.attisdropped
         JOIN meta.contract k ON k.is_current AND c.relname = k.dataset || '_current'
         WHERE n.nspname = 'core' AND c.relkind = 'v' ORDER BY 1",
    )
    .fetch_all(&mut **tx)
    .await
    .map_err(|e| CoreError::db("listing datasets for the mart", e))?;
    let body = if views.is_empty() {
        "SELECT NULL::text AS citizen_id, NULL::text AS dataset WHERE false".to_owned()
    } else {
        views
            .iter()
            .map(|view| {
                let dataset = view.trim_end_matches("_current");
                format!("SELECT citizen_id::text, '{dataset}'::text AS dataset FROM core.{}", quote_ident(view))
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ")
    };
    execute(tx, &format!("CREATE OR REPLACE VIEW mart.citizen_presence AS {body}"), "defining the mart").await
}

/// Redefines `core.phone_numbers` (every version) and `core.phone_numbers_current`
/// over the phone columns of every registered dataset.
async fn refresh_phone_views(tx: &mut Transaction<'_, Postgres>) -> Result<(), CoreError> {
    let registered: Vec<(String, String)> =
        sqlx::query_as("SELECT dataset, body FROM meta.contract WHERE is_current ORDER BY dataset")
            .fetch_all(&mut **tx)
            .await
            .map_err(|e| CoreError::db("reading registered contracts", e))?;
    let mut all_versions = Vec::new();
    let mut current = Vec::new();
    for (dataset, body) in registered {
        let path = std::path::PathBuf::from(format!("{dataset}.yaml"));
        let contract = crate::contract::compile_contract(&path, &body).map_err(CoreError::InvalidContract)?;
        if let Some(select) = crate::strategy::phone_rows_select(&contract, false) {
            all_versions.push(select);
        }
        if let Some(select) = crate::strategy::phone_rows_select(&contract, true) {
            current.push(select);
        }
    }
    let empty = "SELECT NULL::text AS citizen_id, NULL::text AS phone_e164, NULL::text AS phone_kind, \
                 NULL::text AS source_dataset, NULL::text AS source_column, NULL::bigint AS version_id WHERE false";
    let union = |parts: Vec<String>| if parts.is_empty() { empty.to_owned() } else { parts.join("\nUNION ALL\n") };
    execute(tx, &format!("CREATE OR REPLACE VIEW core.phone_numbers AS {}", union(all_versions)), "defining phones")
        .await?;
    execute(
        tx,
        &format!("CREATE OR REPLACE VIEW core.phone_numbers_current AS {}", union(current)),
        "defining current phones",
    )
    .await
}

/// Applies every contract of the catalog in one transaction: all or nothing.
pub async fn apply_contracts(database: &Database, catalog: &Catalog) -> Result<Vec<Applied>, CoreError> {
    let mut tx = database.pool.begin().await.map_err(|e| CoreError::db("starting a transaction", e))?;
    // Everything is created as, and owned by, the NOLOGIN owner role; only its
    // members (administrators, through citizen_owner_gate) may take it on.
    sqlx::query("SET LOCAL ROLE citizen_owner").execute(&mut *tx).await.map_err(|e| match e {
        sqlx::Error::Database(d) if d.code().as_deref() == Some("42501") => CoreError::Refused {
            reason: crate::error::Refusal::PermissionDenied,
            message: format!(
                "{} may not apply contracts: only an administrator (role citizen_admin) may",
                database.user
            ),
        },
        other => CoreError::db("taking the owner role", other),
    })?;
    let mut outcomes = Vec::new();
    for contract in &catalog.contracts {
        outcomes.push(apply_one(&mut tx, contract).await?);
    }
    refresh_phone_views(&mut tx).await?;
    refresh_presence(&mut tx).await?;
    tx.commit().await.map_err(|e| CoreError::db("committing contracts", e))?;
    Ok(outcomes)
}

/// Where one contract stands: in the contracts folder, in the database, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ContractState {
    /// In the folder, not in the database.
    New,
    /// In both, with another sha256 in the database.
    Changed,
    /// In both, the same sha256.
    Applied,
    /// In the database only (its file was removed from the folder).
    DatabaseOnly,
}

/// One contract of the folder beside what the database holds, and whether
/// applying it would be refused (and why).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ContractPlan {
    pub dataset: String,
    pub state: ContractState,
    /// sha256 of the file in the folder.
    pub folder_sha256: Option<String>,
    /// sha256 the database holds as current.
    pub database_sha256: Option<String>,
    pub applied_by: Option<String>,
    pub applied_at: Option<String>,
    /// Columns applying would add (a changed contract).
    pub added_columns: Vec<String>,
    /// Why applying would be refused (the same checks as `contracts apply`).
    pub refusal: Option<String>,
}

/// Compares every contract of `catalog` with the database and tries each new
/// or changed one exactly as `apply_contracts` would, in a transaction that is
/// always rolled back: nothing changes. Administrators only (it takes the
/// owner role, as applying does).
pub async fn plan_contracts(database: &Database, catalog: &Catalog) -> Result<Vec<ContractPlan>, CoreError> {
    let mut tx = database.pool.begin().await.map_err(|e| CoreError::db("starting a transaction", e))?;
    sqlx::query("SET LOCAL ROLE citizen_owner").execute(&mut *tx).await.map_err(|e| match e {
        sqlx::Error::Database(d) if d.code().as_deref() == Some("42501") => CoreError::Refused {
            reason: crate::error::Refusal::PermissionDenied,
            message: format!(
                "{} may not apply contracts: only an administrator (role citizen_admin) may",
                database.user
            ),
        },
        other => CoreError::db("taking the owner role", other),
    })?;
    let registered: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT dataset, sha256, applied_by, to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
         FROM meta.contract WHERE is_current ORDER BY dataset",
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(|e| CoreError::db("reading registered contracts", e))?;
    let mut plans = Vec::new();
    for contract in &catalog.contracts {
        let known = registered.iter().find(|(dataset, ..)| *dataset == contract.dataset);
        let state = match known {
            None => ContractState::New,
            Some((_, sha, ..)) if *sha == contract.sha256 => ContractState::Applied,
            Some(_) => ContractState::Changed,
        };
        let mut plan = ContractPlan {
            dataset: contract.dataset.clone(),
            state,
            folder_sha256: Some(contract.sha256.clone()),
            database_sha256: known.map(|(_, sha, ..)| sha.clone()),
            applied_by: known.map(|(_, _, by, _)| by.clone()),
            applied_at: known.map(|(.., at)| at.clone()),
            added_columns: Vec::new(),
            refusal: None,
        };
        if state != ContractState::Applied {
            sqlx::query("SAVEPOINT plan").execute(&mut *tx).await.map_err(|e| CoreError::db("trying a contract", e))?;
            match apply_one(&mut tx, contract).await {
                Ok(Applied::Evolved { added_columns, .. }) => plan.added_columns = added_columns,
                Ok(_) => {}
                Err(CoreError::UnsafeContractChange { message, .. }) => plan.refusal = Some(message),
                Err(other) => plan.refusal = Some(other.to_string()),
            }
            sqlx::query("ROLLBACK TO SAVEPOINT plan")
                .execute(&mut *tx)
                .await
                .map_err(|e| CoreError::db("trying a contract", e))?;
        }
        plans.push(plan);
    }
    for (dataset, sha, by, at) in registered {
        if !catalog.contracts.iter().any(|c| c.dataset == dataset) {
            plans.push(ContractPlan {
                dataset,
                state: ContractState::DatabaseOnly,
                folder_sha256: None,
                database_sha256: Some(sha),
                applied_by: Some(by),
                applied_at: Some(at),
                added_columns: Vec::new(),
                refusal: None,
            });
        }
    }
    tx.rollback().await.map_err(|e| CoreError::db("rolling back the trial", e))?;
    Ok(plans)
}

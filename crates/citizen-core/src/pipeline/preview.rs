//! What approving a request will change against the active version: rows
//! added, removed and changed, which columns change, and a sample of changed
//! rows, computed inside PostgreSQL with one full join on the contract's keys.

use crate::contract::{Contract, Strategy};
use crate::db::Database;
use crate::error::CoreError;
use crate::sql::quote_ident;
use crate::strategy::{core_table, stage_table};
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};

/// Rows in a sample of changes.
const SAMPLE_ROWS: i64 = 20;

/// The effect of approving a request.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ChangePreview {
    pub added: i64,
    pub removed: i64,
    pub changed: i64,
    pub unchanged: i64,
    /// For each column, how many kept rows change in it (columns with changes only).
    pub changed_columns: Vec<(String, i64)>,
    /// A few changed rows, before and after, as JSON objects.
    pub sample: Vec<ChangedRow>,
}

/// One changed row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangedRow {
    pub before: serde_json::Value,
    pub after: serde_json::Value,
}

/// Compares the staged rows of `request_id` with the active rows of its period.
pub async fn preview_changes(
    database: &Database,
    contract: &Contract,
    request_id: i64,
    period: &str,
) -> Result<ChangePreview, CoreError> {
    let columns: Vec<String> = contract.columns.iter().map(|c| quote_ident(&c.name)).collect();
    let list = columns.join(", ");
    let current_rows = match contract.strategy {
        Strategy::Merge => format!("SELECT {list} FROM {} WHERE period = $2", core_table(contract)),
        _ => format!(
            "SELECT {list} FROM core.{} WHERE period = $2",
            quote_ident(&format!("{}_current", contract.dataset))
        ),
    };
    let staged_rows = format!("SELECT {list} FROM {} WHERE request_id = $1", stage_table(contract));
    let context = "previewing the changes";
    if contract.keys.is_empty() || contract.strategy == Strategy::Append {
        let sql = if contract.strategy == Strategy::Append {
            format!(
                "SELECT (SELECT count(*) FROM ({staged_rows}) s), 0::bigint, (SELECT count(*) FROM ({current_rows}) c)"
            )
        } else {
            format!(
                "SELECT (SELECT count(*) FROM (({staged_rows}) EXCEPT ALL ({current_rows})) a),
                        (SELECT count(*) FROM (({current_rows}) EXCEPT ALL ({staged_rows})) r),
                        (SELECT count(*) FROM (({staged_rows}) INTERSECT ALL ({current_rows})) u)"
            )
        };
        let (added, removed, unchanged): (i64, i64, i64) = sqlx::query_as(AssertSqlSafe(sql))
            .bind(request_id)
            .bind(period)
            .fetch_one(&database.pool)
            .await
            .map_err(|e| CoreError::db(context, e))?;
        return Ok(ChangePreview { added, removed, unchanged, ..ChangePreview::default() });
    }
    let keys: Vec<String> = contract.keys.iter().map(|&i| quote_ident(&contract.columns[i].name)).collect();
    let values: Vec<(String, String)> = contract
        .columns
        .iter()
        .enumerate()
        .filter(|(i, _)| !contract.keys.contains(i))
        .map(|(_, c)| (c.name.clone(), quote_ident(&c.name)))
        .collect();
    let on = keys.iter().map(|k| format!("s.{k} = c.{k}")).collect::<Vec<_>>().join(" AND ");
    let row_of = |alias: &str| {
        if values.is_empty() {
            "ROW(1)".to_owned()
        } else {
            format!("ROW({})", values.iter().map(|(_, v)| format!("{alias}.{v}")).collect::<Vec<_>>().join(", "))
        }
    };
    let differs = format!("{} IS DISTINCT FROM {}", row_of("s"), row_of("c"));
    let per_column = values
        .iter()
        .map(|(_, v)| format!(", count(*) FILTER (WHERE s.present AND c.present AND s.{v} IS DISTINCT FROM c.{v})"))
        .collect::<String>();
    let removed = if contract.strategy == Strategy::Merge && !contract.merge_deletes {
        "0::bigint".to_owned()
    } else {
        "count(*) FILTER (WHERE s.present IS NULL)".to_owned()
    };
    let joined = format!(
        "(SELECT true AS present, * FROM ({staged_rows}) x) s FULL JOIN (SELECT true AS present, * FROM ({current_rows}) y) c ON {on}"
    );
    let sql = format!(
        "SELECT count(*) FILTER (WHERE c.present IS NULL), {removed},
                count(*) FILTER (WHERE s.present AND c.present AND {differs}),
                count(*) FILTER (WHERE s.present AND c.present AND NOT ({differs})) {per_column}
         FROM {joined}"
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(request_id)
        .bind(period)
        .fetch_one(&database.pool)
        .await
        .map_err(|e| CoreError::db(context, e))?;
    let get = |i: usize| row.try_get::<i64, _>(i).map_err(|e| CoreError::db(context, e));
    let mut preview =
        ChangePreview { added: get(0)?, removed: get(1)?, changed: get(2)?, unchanged: get(3)?, ..Default::default() };
    for (index, (name, _)) in values.iter().enumerate() {
        let count = get(4 + index)?;
        if count > 0 {
            preview.changed_columns.push((name.clone(), count));
        }
    }
    let sample_sql = format!(
        "SELECT to_jsonb(c) - 'present', to_jsonb(s) - 'present' FROM {joined}
         WHERE s.present AND c.present AND {differs} LIMIT {SAMPLE_ROWS}"
    );
    let sample: Vec<(serde_json::Value, serde_json::Value)> = sqlx::query_as(AssertSqlSafe(sample_sql))
        .bind(request_id)
        .bind(period)
        .fetch_all(&database.pool)
        .await
        .map_err(|e| CoreError::db(context, e))?;
    preview.sample = sample.into_iter().map(|(before, after)| ChangedRow { before, after }).collect();
    Ok(preview)
}

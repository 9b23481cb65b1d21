//! Load strategies (SPEC §3 `strategy`): each variant generates, from the
//! contract, the core tables and the set-based SQL that the database's approval
//! and rollback functions run. Parameters in the generated statements:
//! `$1` request_id, `$2` version_id, `$3` period, `$4` previous active version_id.

mod append;
mod merge;
mod rebuild;

use crate::contract::{ColumnType, Contract, Strategy};
use crate::db::quote_ident;

/// Everything the database needs for one dataset's strategy.
#[derive(Debug, Clone, PartialEq)]
pub struct StrategySql {
    /// DDL creating the core table(s) and indexes, when missing.
    pub core_tables: Vec<String>,
    /// `CREATE OR REPLACE VIEW core.<dataset>_current ...`.
    pub current_view: String,
    /// Statements moving stage rows into core for a new version.
    pub transform: Vec<String>,
    /// One statement counting the new version's rows.
    pub count: String,
    /// Statements undoing one version (`$2`) for rollback; empty when flags suffice.
    pub undo: Vec<String>,
}

/// Generates the strategy SQL of a contract.
pub fn strategy_sql(contract: &Contract) -> StrategySql {
    match contract.strategy {
        Strategy::Rebuild => rebuild::sql(contract),
        Strategy::Append => append::sql(contract),
        Strategy::Merge => merge::sql(contract),
    }
}

/// The PostgreSQL type of a contract column: codes, IDs and phones keep text.
pub fn sql_type(column_type: ColumnType) -> &'static str {
    match column_type {
        ColumnType::Integer => "bigint",
        ColumnType::Decimal => "numeric",
        ColumnType::Boolean => "boolean",
        ColumnType::Date => "date",
        ColumnType::Datetime => "timestamp",
        ColumnType::Text | ColumnType::Code | ColumnType::IsraeliId | ColumnType::Phone | ColumnType::Email => "text",
    }
}

/// `core.<dataset>` quoted.
pub fn core_table(contract: &Contract) -> String {
    format!("core.{}", quote_ident(&contract.dataset))
}

/// `stage.<dataset>` quoted.
pub fn stage_table(contract: &Contract) -> String {
    format!("stage.{}", quote_ident(&contract.dataset))
}

/// `stage."request-<id>"`: the partition of `stage.<dataset>` holding one
/// request's rows. The hyphen keeps it apart from every dataset name, and the
/// name stays short whatever the dataset is called.
pub fn stage_partition(request_id: i64) -> String {
    format!("stage.{}", quote_ident(&format!("request-{request_id}")))
}

/// Column definitions `"name" type` of the contract's columns.
pub fn column_definitions(contract: &Contract) -> String {
    contract
        .columns
        .iter()
        .map(|c| format!("{} {}", quote_ident(&c.name), sql_type(c.column_type)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The quoted column names, optionally prefixed by a table alias.
pub fn column_list(contract: &Contract, alias: Option<&str>) -> String {
    contract
        .columns
        .iter()
        .map(|c| match alias {
            Some(a) => format!("{a}.{}", quote_ident(&c.name)),
            None => quote_ident(&c.name),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The column that identifies a citizen for the phones table: `citizen_id`,
/// else the first Israeli-ID column.
pub fn citizen_column(contract: &Contract) -> Option<&str> {
    contract
        .columns
        .iter()
        .find(|c| c.name == "citizen_id")
        .or_else(|| contract.columns.iter().find(|c| c.column_type == ColumnType::IsraeliId))
        .map(|c| c.name.as_str())
}

/// The phone rows of one dataset for the `core.phone_numbers` views: phone
/// columns unpivoted, typed, de-duplicated per citizen and version (a phone in
/// several columns keeps the first). `current` reads `core.<dataset>_current`
/// and tags rows with the active version; otherwise every stored version is
/// read (merge datasets store only their current state). `None` without phones.
pub fn phone_rows_select(contract: &Contract, current: bool) -> Option<String> {
    if contract.phones.is_empty() {
        return None;
    }
    let citizen =
        citizen_column(contract).map(|c| format!("c.{}", quote_ident(c))).unwrap_or_else(|| "NULL::text".to_owned());
    let values = contract
        .phones
        .iter()
        .enumerate()
        .map(|(order, &index)| format!("({order}, c.{})", quote_ident(&contract.columns[index].name)))
        .collect::<Vec<_>>()
        .join(", ");
    let first_column = contract
        .phones
        .iter()
        .enumerate()
        .map(|(order, &index)| format!("WHEN {order} THEN '{}'", contract.columns[index].name))
        .collect::<Vec<_>>()
        .join(" ");
    let dataset = &contract.dataset;
    let (source, version) = if current || contract.strategy == Strategy::Merge {
        let table =
            if current { format!("core.{}", quote_ident(&format!("{dataset}_current"))) } else { core_table(contract) };
        (
            format!(
                "{table} c JOIN meta.dataset_version a ON a.dataset = '{dataset}' AND a.period = c.period AND a.is_active"
            ),
            "a.version_id",
        )
    } else {
        (format!("{} c", core_table(contract)), "c.version_id")
    };
    Some(format!(
        "SELECT d.citizen AS citizen_id, d.phone AS phone_e164,
                CASE WHEN d.phone LIKE '+9725%' THEN 'mobile'
                     WHEN d.phone ~ '^\\+972[23489][0-9]{{7}}$' THEN 'landline'
                     ELSE 'other' END AS phone_kind,
                '{dataset}'::text AS source_dataset, CASE d.ord {first_column} END AS source_column, d.version_id
         FROM (SELECT {version} AS version_id, {citizen} AS citizen, p.phone, min(p.ord) AS ord
               FROM {source}
               CROSS JOIN LATERAL (VALUES {values}) AS p(ord, phone)
               WHERE p.phone IS NOT NULL
               GROUP BY 1, 2, 3) d"
    ))
}

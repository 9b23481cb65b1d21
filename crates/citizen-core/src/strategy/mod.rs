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
    /// One statement filling core.phone_numbers for the new version.
    pub phones: String,
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

/// `INSERT INTO core.phone_numbers` from the rows `source_filter` selects in the
/// core table: phone columns unpivoted, typed, de-duplicated per citizen.
pub fn phones_statement(contract: &Contract, source_filter: &str) -> String {
    if contract.phones.is_empty() {
        return "SELECT 1".to_owned();
    }
    let citizen = citizen_column(contract).map(quote_ident).unwrap_or_else(|| "NULL::text".to_owned());
    let values = contract
        .phones
        .iter()
        .enumerate()
        .map(|(order, &index)| {
            let name = &contract.columns[index].name;
            format!("({order}, s.{})", quote_ident(name))
        })
        .collect::<Vec<_>>()
        .join(", ");
    let phone_columns =
        contract.phones.iter().map(|&i| quote_ident(&contract.columns[i].name)).collect::<Vec<_>>().join(", ");
    let first_column = contract
        .phones
        .iter()
        .enumerate()
        .map(|(order, &index)| format!("WHEN {order} THEN '{}'", contract.columns[index].name))
        .collect::<Vec<_>>()
        .join(" ");
    // Grouping (a hash aggregate) rather than DISTINCT ON (a sort): a phone
    // listed in several columns keeps the first column that holds it.
    format!(
        "INSERT INTO core.phone_numbers (citizen_id, phone_e164, phone_kind, source_dataset, source_column, version_id)
         SELECT d.citizen, d.phone,
                CASE WHEN d.phone LIKE '+9725%' THEN 'mobile'
                     WHEN d.phone ~ '^\\+972[23489][0-9]{{7}}$' THEN 'landline'
                     ELSE 'other' END,
                '{dataset}', CASE d.ord {first_column} END, $2
         FROM (SELECT s.citizen, p.phone, min(p.ord) AS ord
               FROM (SELECT {citizen} AS citizen, {phone_columns} FROM {core} c WHERE {source_filter}) s
               CROSS JOIN LATERAL (VALUES {values}) AS p(ord, phone)
               WHERE p.phone IS NOT NULL
               GROUP BY s.citizen, p.phone) d",
        dataset = contract.dataset,
        core = core_table(contract),
    )
}

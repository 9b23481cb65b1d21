//! Load strategies (SPEC §3 `strategy`): each variant generates, from the
//! contract, the core tables and the set-based SQL that the database's approval
//! and rollback functions run. Parameters in the generated statements:
//! `$1` request_id, `$2` version_id, `$3` period, `$4` previous active version_id.

mod append;
mod merge;
mod rebuild;

use crate::contract::{ColumnType, Contract, Strategy};
use crate::sql::{quote_ident, CURRENT_SUFFIX, HISTORY_SUFFIX, HISTORY_VERSION_SUFFIX, KEY_SUFFIX};

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

/// `<dataset><suffix>` quoted, without its schema (for index names).
fn derived_ident(contract: &Contract, suffix: &str) -> String {
    quote_ident(&format!("{}{suffix}", contract.dataset))
}

/// `core.<dataset>` quoted.
pub fn core_table(contract: &Contract) -> String {
    format!("core.{}", quote_ident(&contract.dataset))
}

/// `core.<dataset>_current` quoted: the rows the active versions hold.
pub fn current_view_name(contract: &Contract) -> String {
    format!("core.{}", derived_ident(contract, CURRENT_SUFFIX))
}

/// `core.<dataset>_history` quoted: what each merge replaced, for rollback.
pub fn history_table(contract: &Contract) -> String {
    format!("core.{}", derived_ident(contract, HISTORY_SUFFIX))
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

/// Column definitions `"name" type` of the contract's columns; key columns
/// are `NOT NULL`: the contract compiler makes them required with error
/// severity, so a staged row always has its key, and `MERGE` (which never
/// matches NULL) and rollback can always find it again.
pub fn column_definitions(contract: &Contract) -> String {
    contract
        .columns
        .iter()
        .enumerate()
        .map(|(index, c)| {
            let not_null = if contract.keys.contains(&index) { " NOT NULL" } else { "" };
            format!("{} {}{not_null}", quote_ident(&c.name), sql_type(c.column_type))
        })
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
///
/// Only normalised Israeli numbers (`+972` and 8 to 10 digits: landlines,
/// mobiles, 1-700/1-800 numbers) are taken: a `severity: warning` phone column
/// stages a number that did not parse as it was written (see
/// `crate::pipeline::stage::encode_batch`), and such text is no phone number.
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
        let table = if current { current_view_name(contract) } else { core_table(contract) };
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
               WHERE p.phone ~ '^\\+972[0-9]{{8,10}}$'
               GROUP BY 1, 2, 3) d"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::compile_contract;
    use crate::sql::{DERIVED_SUFFIXES, MAX_DATASET_LEN, MAX_IDENTIFIER_BYTES};
    use std::path::Path;

    fn contract(dataset: &str, strategy: &str) -> Contract {
        let body = format!(
            "dataset: {dataset}
title: T
period: monthly
columns:
  - name: citizen_id
    type: israeli_id
  - name: need_type
    type: code
    required: true
  - name: born
    type: date
  - name: phone_1
    type: phone
keys: [citizen_id, need_type]
strategy: {strategy}
phones: [phone_1]
"
        );
        let compiled = compile_contract(Path::new("t.yaml"), &body).map_err(|p| format!("{p:?}"));
        let Ok(compiled) = compiled else { panic!("{compiled:?}") };
        compiled
    }

    /// Every double-quoted identifier in a statement.
    fn quoted_names(sql: &str) -> Vec<String> {
        sql.split('"').skip(1).step_by(2).map(str::to_owned).collect()
    }

    fn every_statement(contract: &Contract) -> Vec<String> {
        let sql = strategy_sql(contract);
        let mut all = sql.core_tables;
        all.push(sql.current_view);
        all.extend(sql.transform);
        all.push(sql.count);
        all.extend(sql.undo);
        all.extend(phone_rows_select(contract, true));
        all.extend(phone_rows_select(contract, false));
        all
    }

    #[test]
    fn every_derived_name_of_the_longest_dataset_fits_postgres() {
        let longest = format!("d{}", "x".repeat(MAX_DATASET_LEN - 1));
        for strategy in ["rebuild", "append", "merge"] {
            let contract = contract(&longest, strategy);
            let names: Vec<String> = every_statement(&contract).iter().flat_map(|s| quoted_names(s)).collect();
            assert!(names.iter().any(|n| n.starts_with(&longest) && n.len() > longest.len()), "{strategy}: {names:?}");
            for name in names {
                assert!(name.len() <= MAX_IDENTIFIER_BYTES, "{strategy}: '{name}' is {} bytes", name.len());
                if let Some(suffix) = name.strip_prefix(&longest).filter(|s| !s.is_empty()) {
                    assert!(DERIVED_SUFFIXES.contains(&suffix), "{strategy}: '{suffix}' is not in DERIVED_SUFFIXES");
                }
            }
        }
    }

    #[test]
    fn key_columns_are_not_null_in_core_and_history() {
        for strategy in ["rebuild", "append", "merge"] {
            let sql = strategy_sql(&contract("visits", strategy));
            let tables: Vec<&String> = sql.core_tables.iter().filter(|s| s.starts_with("CREATE TABLE")).collect();
            assert_eq!(tables.len(), if strategy == "merge" { 2 } else { 1 }, "{strategy}");
            for table in tables {
                assert!(table.contains("\"citizen_id\" text NOT NULL"), "{strategy}: {table}");
                assert!(table.contains("\"need_type\" text NOT NULL"), "{strategy}: {table}");
                assert!(table.contains("\"born\" date,"), "{strategy}: other columns stay nullable: {table}");
            }
        }
    }

    #[test]
    fn only_israeli_e164_numbers_become_phone_rows() {
        let select = phone_rows_select(&contract("visits", "rebuild"), true).unwrap_or_default();
        assert!(select.contains(r"WHERE p.phone ~ '^\+972[0-9]{8,10}$'"), "{select}");
    }
}

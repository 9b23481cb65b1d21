//! `merge`: upsert on the contract's keys with PostgreSQL `MERGE`. Core holds
//! one current row per key and period; before each merge the images it will
//! replace or delete, and the keys it will insert, are written to
//! `core.<dataset>_history`, so a rollback undoes versions exactly.

use super::{
    column_definitions, column_list, core_table, current_view_name, derived_ident, history_table, stage_table,
    StrategySql, HISTORY_VERSION_SUFFIX, KEY_SUFFIX,
};
use crate::contract::Contract;
use crate::sql::quote_ident;

pub(super) fn sql(contract: &Contract) -> StrategySql {
    let core = core_table(contract);
    let stage = stage_table(contract);
    let history = history_table(contract);
    let columns = column_list(contract, None);
    let key_names: Vec<String> = contract.keys.iter().map(|&i| quote_ident(&contract.columns[i].name)).collect();
    let value_names: Vec<String> = contract
        .columns
        .iter()
        .enumerate()
        .filter(|(i, _)| !contract.keys.contains(i))
        .map(|(_, c)| quote_ident(&c.name))
        .collect();
    let keys_match = |left: &str, right: &str| {
        key_names.iter().map(|k| format!("{left}.{k} = {right}.{k}")).collect::<Vec<_>>().join(" AND ")
    };
    let tuple = |alias: &str| {
        if value_names.is_empty() {
            "ROW(1)".to_owned()
        } else {
            format!("ROW({})", value_names.iter().map(|v| format!("{alias}.{v}")).collect::<Vec<_>>().join(", "))
        }
    };
    let changed = format!("{} IS DISTINCT FROM {}", tuple("c"), tuple("s"));
    let stage_rows = format!("(SELECT * FROM {stage} WHERE request_id = $1)");
    let prefixed = |alias: &str| column_list(contract, Some(alias));
    let mut transform = vec![
        format!(
            "INSERT INTO {history} (version_id, op, period, old_version_id, old_source_row, {columns})
             SELECT $2, 'U', c.period, c.version_id, c.source_row, {c_cols}
             FROM {core} c JOIN {stage_rows} s ON c.period = $3 AND {on}
             WHERE {changed}",
            c_cols = prefixed("c"),
            on = keys_match("c", "s"),
        ),
        format!(
            "INSERT INTO {history} (version_id, op, period, {keys})
             SELECT $2, 'I', $3, {s_keys} FROM {stage_rows} s
             WHERE NOT EXISTS (SELECT 1 FROM {core} c WHERE c.period = $3 AND {on})",
            keys = key_names.join(", "),
            s_keys = key_names.iter().map(|k| format!("s.{k}")).collect::<Vec<_>>().join(", "),
            on = keys_match("c", "s"),
        ),
    ];
    if contract.merge_deletes {
        transform.push(format!(
            "INSERT INTO {history} (version_id, op, period, old_version_id, old_source_row, {columns})
             SELECT $2, 'D', c.period, c.version_id, c.source_row, {c_cols}
             FROM {core} c WHERE c.period = $3
             AND NOT EXISTS (SELECT 1 FROM {stage_rows} s WHERE {on})",
            c_cols = prefixed("c"),
            on = keys_match("c", "s"),
        ));
        transform.push(format!(
            "DELETE FROM {core} c WHERE c.period = $3
             AND NOT EXISTS (SELECT 1 FROM {stage_rows} s WHERE {on})",
            on = keys_match("c", "s"),
        ));
    }
    let update_set = value_names
        .iter()
        .map(|v| format!("{v} = s.{v}"))
        .chain(["version_id = $2".to_owned(), "source_row = s.source_row".to_owned()])
        .collect::<Vec<_>>()
        .join(", ");
    transform.push(format!(
        "MERGE INTO {core} c USING {stage_rows} s ON c.period = $3 AND {on}
         WHEN MATCHED AND {changed} THEN UPDATE SET {update_set}
         WHEN NOT MATCHED THEN INSERT (period, version_id, source_row, {columns})
              VALUES ($3, $2, s.source_row, {s_cols})",
        on = keys_match("c", "s"),
        s_cols = prefixed("s"),
    ));
    let undo = vec![
        format!(
            "DELETE FROM {core} c USING {history} h
             WHERE h.version_id = $2 AND h.op IN ('I', 'U') AND c.period = h.period AND {on}",
            on = keys_match("c", "h"),
        ),
        format!(
            "INSERT INTO {core} (period, version_id, source_row, {columns})
             SELECT period, old_version_id, old_source_row, {columns} FROM {history}
             WHERE version_id = $2 AND op IN ('U', 'D')"
        ),
        format!("DELETE FROM {history} WHERE version_id = $2"),
    ];
    let unique_index = derived_ident(contract, KEY_SUFFIX);
    StrategySql {
        core_tables: vec![
            format!(
                "CREATE TABLE IF NOT EXISTS {core} (period text NOT NULL, version_id bigint NOT NULL, source_row bigint, {})",
                column_definitions(contract)
            ),
            format!("CREATE UNIQUE INDEX IF NOT EXISTS {unique_index} ON {core} (period, {})", key_names.join(", ")),
            format!(
                "CREATE TABLE IF NOT EXISTS {history} (version_id bigint NOT NULL, op char(1) NOT NULL, period text NOT NULL,
                 old_version_id bigint, old_source_row bigint, {})",
                column_definitions(contract)
            ),
            format!(
                "CREATE INDEX IF NOT EXISTS {} ON {history} (version_id)",
                derived_ident(contract, HISTORY_VERSION_SUFFIX)
            ),
        ],
        current_view: format!("CREATE OR REPLACE VIEW {} AS SELECT * FROM {core}", current_view_name(contract)),
        transform,
        count: format!("SELECT count(*) FROM {core} WHERE period = $3"),
        undo,
    }
}

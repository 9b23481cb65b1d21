//! `merge`: upsert on the contract's keys. Core holds one current row per key
//! and period. One statement joins the staged rows to the period's core rows
//! once (a hash join on the keys) and, from that one difference, writes the
//! images it replaces or deletes to `core.<dataset>_history`, updates the
//! changed rows in place, inserts the new ones and (with `merge_deletes`)
//! deletes the missing ones: unchanged rows are read once and never written.
//! A period with no rows yet skips that comparison and takes the staged rows
//! in one insert.
//! Every row a version wrote carries its `version_id`, so undoing the newest
//! version deletes its rows and puts back the images it replaced, and a
//! rollback undoes versions newest first until the state is exactly the
//! target's.

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
    let names: Vec<String> = contract.columns.iter().map(|c| quote_ident(&c.name)).collect();
    let is_key = |index: usize| contract.keys.contains(&index);
    let key_names: Vec<String> = names.iter().enumerate().filter(|(i, _)| is_key(*i)).map(|(_, n)| n.clone()).collect();
    let value_names: Vec<&String> = names.iter().enumerate().filter(|(i, _)| !is_key(*i)).map(|(_, n)| n).collect();
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
    // The difference carries each column twice, as staged (`n<i>`) and as in
    // core (`o<i>`), so no staged name can collide with the bookkeeping ones.
    let new_as = |i: usize| format!("n{i}");
    let old_as = |i: usize| format!("o{i}");
    let carried = names
        .iter()
        .enumerate()
        .map(|(i, n)| format!("s.{n} AS {}, c.{n} AS {}", new_as(i), old_as(i)))
        .collect::<Vec<_>>()
        .join(", ");
    let new_values = (0..names.len()).map(new_as).collect::<Vec<_>>().join(", ");
    let old_values = (0..names.len()).map(old_as).collect::<Vec<_>>().join(", ");
    // New rows go in in key order: the key index then grows at its right edge
    // instead of taking a random insert per row (1M rows: 2.7 s against 3.8 s).
    let new_keys = contract.keys.iter().map(|&i| new_as(i)).collect::<Vec<_>>().join(", ");
    let (join, deleted) =
        if contract.merge_deletes { ("FULL JOIN", "WHEN s.source_row IS NULL THEN 'D' ") } else { ("LEFT JOIN", "") };
    let update_set = contract
        .columns
        .iter()
        .enumerate()
        .filter(|(i, _)| !is_key(*i))
        .map(|(i, c)| format!("{} = d.{}", quote_ident(&c.name), new_as(i)))
        .chain(["version_id = $2".to_owned(), "source_row = d.new_source_row".to_owned()])
        .collect::<Vec<_>>()
        .join(", ");
    let deletes = if contract.merge_deletes {
        format!(", removed AS (DELETE FROM {core} c USING difference d WHERE c.ctid = d.core_row AND d.op = 'D')")
    } else {
        String::new()
    };
    // Statistics for the staged rows first (migrations/0007): without them the
    // planner probes core's key index once per staged row instead of hashing.
    let transform = vec![
        "SELECT meta.analyze_stage($1)".to_owned(),
        format!(
            "WITH difference AS MATERIALIZED (
             SELECT CASE WHEN c.core_row IS NULL THEN 'I' {deleted}ELSE 'U' END AS op,
                    c.core_row, c.version_id AS old_version_id, c.source_row AS old_source_row,
                    s.source_row AS new_source_row, {carried}
             FROM (SELECT * FROM {stage} WHERE request_id = $1
                   AND EXISTS (SELECT 1 FROM {core} WHERE period = $3)) s
             {join} (SELECT ctid AS core_row, * FROM {core} WHERE period = $3) c ON {on}
             WHERE c.core_row IS NULL OR s.source_row IS NULL OR {changed}),
         replaced AS (
             INSERT INTO {history} (version_id, op, period, old_version_id, old_source_row, {columns})
             SELECT $2, op, $3, old_version_id, old_source_row, {old_values} FROM difference WHERE op <> 'I'),
         updated AS (
             UPDATE {core} c SET {update_set} FROM difference d WHERE c.ctid = d.core_row AND d.op = 'U'),
         inserted AS (
             INSERT INTO {core} (period, version_id, source_row, {columns})
             SELECT $3, $2, new_source_row, {new_values} FROM difference WHERE op = 'I'
             ORDER BY {new_keys}){deletes}
         SELECT count(*) FROM difference",
            on = keys_match("c", "s"),
            changed = format!("{} IS DISTINCT FROM {}", tuple("c"), tuple("s")),
        ),
        // A period with no rows yet (the first load, or after every row was
        // deleted) takes the staged rows as they are, in key order: nothing to
        // compare, replace or delete, so the difference above (kept out by
        // its EXISTS) would only copy every row once more first.
        format!(
            "INSERT INTO {core} (period, version_id, source_row, {columns})
             SELECT $3, $2, source_row, {columns} FROM {stage}
             WHERE request_id = $1 AND NOT EXISTS (SELECT 1 FROM {core} WHERE period = $3)
             ORDER BY {stage_keys}",
            stage_keys = key_names.join(", "),
        ),
    ];
    let undo = vec![
        format!("DELETE FROM {core} WHERE period = $3 AND version_id = $2"),
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

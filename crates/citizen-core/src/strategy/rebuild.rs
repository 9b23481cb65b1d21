//! `rebuild`: the file is the complete dataset for its period. Every version
//! keeps its own rows; publishing flips which version `_current` shows, so
//! readers switch from the old rows to the new ones in one commit.

use super::{column_definitions, column_list, core_table, derived_ident, stage_table, StrategySql, VERSION_SUFFIX};
use crate::contract::Contract;

pub(super) fn sql(contract: &Contract) -> StrategySql {
    let core = core_table(contract);
    let columns = column_list(contract, None);
    StrategySql {
        core_tables: vec![
            format!(
                "CREATE TABLE IF NOT EXISTS {core} (version_id bigint NOT NULL, source_row bigint NOT NULL, {})",
                column_definitions(contract)
            ),
            format!("CREATE INDEX IF NOT EXISTS {} ON {core} (version_id)", derived_ident(contract, VERSION_SUFFIX)),
        ],
        current_view: current_view(contract),
        transform: vec![format!(
            "INSERT INTO {core} (version_id, source_row, {columns})
             SELECT $2, source_row, {columns} FROM {stage} WHERE request_id = $1",
            stage = stage_table(contract)
        )],
        count: format!("SELECT count(*) FROM {core} WHERE version_id = $2"),
        undo: Vec::new(),
    }
}

/// Rows of the active version of every period.
pub(super) fn current_view(contract: &Contract) -> String {
    format!(
        "CREATE OR REPLACE VIEW {view} AS
         SELECT v.period, c.* FROM {core} c
         JOIN meta.dataset_version v ON v.version_id = c.version_id AND v.is_active",
        view = super::current_view_name(contract),
        core = core_table(contract),
    )
}

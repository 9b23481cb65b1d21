//! `rebuild`: the file is the complete dataset for its period. Every version
//! keeps its own rows, one partition of `core.<dataset>` per version
//! (partitioned by `version_id`): approving makes the request's staged table
//! that partition without copying a row (`meta.publish_staged_rows`,
//! migrations/0008), and publishing flips which version `_current` shows, so
//! readers switch from the old rows to the new ones in one commit.

use super::{column_definitions, core_table, StrategySql};
use crate::contract::Contract;

pub(super) fn sql(contract: &Contract) -> StrategySql {
    let core = core_table(contract);
    StrategySql {
        core_tables: vec![format!(
            "CREATE TABLE IF NOT EXISTS {core} (version_id bigint NOT NULL, source_row bigint NOT NULL, {})
             PARTITION BY LIST (version_id)",
            column_definitions(contract)
        )],
        current_view: current_view(contract),
        transform: vec![format!("SELECT meta.publish_staged_rows('{}', $1, $2)", contract.dataset)],
        count: format!("SELECT count(*) FROM {core} WHERE version_id = $2"),
        undo: Vec::new(),
    }
}

/// Rows of `versions` (a subquery of `meta.dataset_version` rows with
/// `version_id` and `period`), one partition read per version: the lateral
/// subquery (kept apart by `OFFSET 0`) makes PostgreSQL prune to that
/// version's partition at run time instead of hashing every version's rows.
pub(super) fn rows_of_versions(contract: &Contract, versions: &str) -> String {
    format!(
        "SELECT v.period, c.* FROM {versions} v
         CROSS JOIN LATERAL (SELECT * FROM {core} x WHERE x.version_id = v.version_id OFFSET 0) c",
        core = core_table(contract),
    )
}

/// Rows of the active version of every period.
pub(super) fn current_view(contract: &Contract) -> String {
    let active = format!(
        "(SELECT version_id, period FROM meta.dataset_version WHERE dataset = '{}' AND is_active)",
        contract.dataset
    );
    format!(
        "CREATE OR REPLACE VIEW {view} AS {rows}",
        view = super::current_view_name(contract),
        rows = rows_of_versions(contract, &active)
    )
}

//! `append`: each load adds its rows as a new version on top of the active one.
//! `_current` shows the active version and every version it was built on, so a
//! rollback to version N drops exactly the rows appended after N.

use super::{core_table, current_view_name, StrategySql};
use crate::contract::Contract;

/// The versions a version stands on, itself included (`$2` new, `$4` its parent).
const CHAIN_OF_NEW_VERSION: &str = "(WITH RECURSIVE chain AS (
        SELECT $4::bigint AS version_id
        UNION ALL
        SELECT v.parent_version_id FROM meta.dataset_version v JOIN chain ON v.version_id = chain.version_id
        WHERE v.parent_version_id IS NOT NULL)
    SELECT version_id FROM chain WHERE version_id IS NOT NULL UNION ALL SELECT $2)";

pub(super) fn sql(contract: &Contract) -> StrategySql {
    let mut sql = super::rebuild::sql(contract);
    let core = core_table(contract);
    let chain = format!(
        "(WITH RECURSIVE chain AS (
             SELECT version_id, parent_version_id, period FROM meta.dataset_version
             WHERE dataset = '{dataset}' AND is_active
             UNION ALL
             SELECT v.version_id, v.parent_version_id, chain.period FROM meta.dataset_version v
             JOIN chain ON v.version_id = chain.parent_version_id)
         SELECT version_id, period FROM chain)",
        dataset = contract.dataset,
    );
    sql.current_view = format!(
        "CREATE OR REPLACE VIEW {view} AS {rows}",
        view = current_view_name(contract),
        rows = super::rebuild::rows_of_versions(contract, &chain),
    );
    sql.count = format!(
        "SELECT count(*) FROM {CHAIN_OF_NEW_VERSION} AS v(version_id)
         CROSS JOIN LATERAL (SELECT 1 FROM {core} x WHERE x.version_id = v.version_id OFFSET 0) c"
    );
    sql
}

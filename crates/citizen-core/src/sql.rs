//! The ground floor of the SQL the core writes: quoting identifiers and the
//! naming rules every generated object follows (PostgreSQL's identifier limit,
//! the suffixes the strategies derive from a dataset name, the names the
//! system reserves). It imports nothing from the crate, so the contract
//! compiler, the strategies, the database code and the operations can all use
//! it without importing one another.

/// Quotes an SQL identifier.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// PostgreSQL's limit on an identifier, in bytes (`NAMEDATALEN - 1`): a longer
/// name is silently cut, so two long names could become the same object.
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// Suffix of the view `core.<dataset>_current`.
pub const CURRENT_SUFFIX: &str = "_current";
/// Suffix of the merge history table `core.<dataset>_history`.
pub const HISTORY_SUFFIX: &str = "_history";
/// Suffix of the merge key index `core.<dataset>_key`.
pub const KEY_SUFFIX: &str = "_key";
/// Suffix of the rebuild/append version index `core.<dataset>_version`.
pub const VERSION_SUFFIX: &str = "_version";
/// Suffix of the merge history's version index `core.<dataset>_history_version`.
pub const HISTORY_VERSION_SUFFIX: &str = "_history_version";

/// Every suffix the strategies append to a dataset name to name an object in
/// schema `core` (tables, views and indexes share one namespace there).
pub const DERIVED_SUFFIXES: [&str; 5] =
    [CURRENT_SUFFIX, HISTORY_SUFFIX, KEY_SUFFIX, VERSION_SUFFIX, HISTORY_VERSION_SUFFIX];

/// Objects in schema `core` that the migrations create for every dataset
/// together; no dataset may be called like one of them.
pub const SHARED_CORE_OBJECTS: [&str; 2] = ["phone_numbers", "phone_numbers_current"];

/// The longest dataset name (in bytes, which for `[a-z0-9_]` is characters)
/// whose every derived name still fits in `MAX_IDENTIFIER_BYTES`.
pub const MAX_DATASET_LEN: usize = MAX_IDENTIFIER_BYTES - longest_suffix();

const fn longest_suffix() -> usize {
    let mut longest = 0;
    let mut i = 0;
    while i < DERIVED_SUFFIXES.len() {
        if DERIVED_SUFFIXES[i].len() > longest {
            longest = DERIVED_SUFFIXES[i].len();
        }
        i += 1;
    }
    longest
}

/// The columns the generated tables carry besides the contract's own:
/// `stage.<dataset>` has `request_id` and `source_row`; core has `version_id`,
/// `source_row` and (merge) `period`; the merge history adds `op`,
/// `old_version_id` and `old_source_row`; the `_current` views add `period`.
pub const SYSTEM_COLUMNS: [&str; 7] =
    ["request_id", "source_row", "version_id", "period", "op", "old_version_id", "old_source_row"];

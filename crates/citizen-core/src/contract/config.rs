//! What a contract YAML file says, exactly as written (SPEC §3). Nothing here is
//! interpreted; `compile` turns it into the runtime `Contract`.

use serde::Deserialize;
use serde_saphyr::Spanned;

/// A contract file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractConfig {
    pub dataset: Spanned<String>,
    pub title: String,
    #[serde(default)]
    pub title_he: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub period: PeriodConfig,
    #[serde(default, rename = "match")]
    pub match_: Option<MatchConfig>,
    #[serde(default)]
    pub source: Option<SourceConfig>,
    pub columns: Vec<ColumnConfig>,
    #[serde(default)]
    pub keys: Vec<Spanned<String>>,
    pub strategy: Spanned<StrategyConfig>,
    #[serde(default)]
    pub merge_deletes: bool,
    #[serde(default)]
    pub phones: Vec<Spanned<String>>,
    #[serde(default)]
    pub tolerance: Option<ToleranceConfig>,
    #[serde(default)]
    pub expect: Option<ExpectConfig>,
}

/// How often a dataset is delivered (`Period` in the UI's bindings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "Period"))]
#[serde(rename_all = "snake_case")]
pub enum PeriodConfig {
    Monthly,
    Quarterly,
    Yearly,
    None,
}

/// How a load changes core (SPEC §3; `Strategy` in the UI's bindings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "Strategy"))]
#[serde(rename_all = "snake_case")]
pub enum StrategyConfig {
    Rebuild,
    Merge,
    Append,
}

impl PeriodConfig {
    /// The contract's word for it (its serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodConfig::Monthly => "monthly",
            PeriodConfig::Quarterly => "quarterly",
            PeriodConfig::Yearly => "yearly",
            PeriodConfig::None => "none",
        }
    }
}

impl StrategyConfig {
    /// The contract's word for it (its serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            StrategyConfig::Rebuild => "rebuild",
            StrategyConfig::Merge => "merge",
            StrategyConfig::Append => "append",
        }
    }
}

impl std::fmt::Display for PeriodConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl std::fmt::Display for StrategyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// How a picked file is recognised as this dataset.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchConfig {
    #[serde(default)]
    pub file_name: Option<Spanned<String>>,
}

/// Where the data sits in the file; every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    #[serde(default)]
    pub sheet: Option<SheetConfig>,
    #[serde(default)]
    pub header_row: Option<Spanned<u64>>,
    #[serde(default)]
    pub encoding: Option<EncodingConfig>,
    #[serde(default)]
    pub delimiter: Option<Spanned<String>>,
}

/// A sheet by 0-based index or by name.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum SheetConfig {
    Index(usize),
    Name(String),
}

/// The text encoding of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum EncodingConfig {
    #[serde(rename = "auto")]
    Auto,
    #[serde(rename = "utf-8")]
    Utf8,
    #[serde(rename = "windows-1255")]
    Windows1255,
    #[serde(rename = "utf-16")]
    Utf16,
}

/// One target column.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnConfig {
    pub name: Spanned<String>,
    #[serde(default)]
    pub headers: Vec<String>,
    #[serde(rename = "type")]
    pub column_type: Spanned<ColumnTypeConfig>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub unique: bool,
    #[serde(default)]
    pub pattern: Option<Spanned<String>>,
    #[serde(default)]
    pub allowed: Option<Vec<ScalarConfig>>,
    #[serde(default)]
    pub min: Option<Spanned<ScalarConfig>>,
    #[serde(default)]
    pub max: Option<Spanned<ScalarConfig>>,
    #[serde(default)]
    pub min_length: Option<usize>,
    #[serde(default)]
    pub max_length: Option<usize>,
    #[serde(default)]
    pub format: Option<Spanned<String>>,
    #[serde(default)]
    pub severity: Option<Spanned<SeverityConfig>>,
    #[serde(default)]
    pub description: Option<String>,
}

/// The column types of SPEC §3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "ColumnType"))]
#[serde(rename_all = "snake_case")]
pub enum ColumnTypeConfig {
    Text,
    Integer,
    Decimal,
    Boolean,
    Date,
    Datetime,
    Code,
    IsraeliId,
    Phone,
    Email,
}

/// A YAML scalar whose meaning depends on the column type (a number, a date, a word).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum ScalarConfig {
    Integer(i64),
    Float(f64),
    Bool(bool),
    Text(String),
}

impl ScalarConfig {
    /// The scalar as the text a user would have typed.
    pub fn to_text(&self) -> String {
        match self {
            ScalarConfig::Integer(i) => i.to_string(),
            ScalarConfig::Float(f) => f.to_string(),
            ScalarConfig::Bool(b) => b.to_string(),
            ScalarConfig::Text(s) => s.clone(),
        }
    }
}

/// Error (row is invalid) or warning (row still loads).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeverityConfig {
    Error,
    Warning,
}

/// How many bad rows may be set aside while the rest loads.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToleranceConfig {
    #[serde(default)]
    pub max_invalid_rows: u64,
}

/// Expectations checked on the whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectConfig {
    #[serde(default)]
    pub min_rows: Option<u64>,
    #[serde(default)]
    pub max_row_change: Option<f64>,
}

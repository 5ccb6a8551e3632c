use serde::Deserialize;

/// Limits checked after parsing, before validation and planning.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Deepest field nesting allowed, fragments expanded. Default `32` (the parser itself
    /// refuses documents nested much deeper).
    pub max_depth: usize,
    /// Most aliases in the executed operation, fragments expanded. Default `256`.
    pub max_aliases: usize,
    /// Most root fields in the executed operation, fragments expanded. Default `64`.
    pub max_root_fields: usize,
    /// Most fields in the executed operation, fragments expanded. Default `2000`.
    pub max_fields: usize,
    /// Most pairs of fields sharing a response name that validation may compare. Default
    /// `20000`: about 35 ms of validation at the slowest measured (~1.7 µs a pair).
    pub max_field_comparisons: usize,
    /// Most lexical tokens in the document. Default `15000`.
    pub max_tokens: usize,
    /// Highest estimated cost (objects subgraphs may have to resolve, lists counted at their
    /// `first`/`last`/`limit`) an operation may have; above it `COST_ESTIMATED_TOO_EXPENSIVE`.
    /// Default `50000`: twice what the public federation benchmark's deep query (seven
    /// nested lists without arguments) is estimated at. Env: `MART_ROUTER_MAX_COST`.
    pub max_cost: u64,
    /// Items assumed for a list field without a `first`/`last`/`limit` argument. Default `10`.
    pub default_list_size: u64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            max_depth: 32,
            max_aliases: 256,
            max_root_fields: 64,
            max_fields: 2_000,
            max_field_comparisons: 20_000,
            max_tokens: 15_000,
            max_cost: 50_000,
            default_list_size: 10,
        }
    }
}

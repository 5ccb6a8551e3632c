//! Cost: an estimate of the work an operation asks for, refused above `limits.max_cost`
//! with `COST_ESTIMATED_TOO_EXPENSIVE` before any subgraph is called. In the spirit of the
//! `@cost`/`@listSize` directives: every field returning an object costs 1 (a subgraph
//! resolves it), a leaf costs nothing, and what a list field selects is counted once per
//! item it may return: its `first`, `last` or `limit` argument (a literal or a variable of
//! this request; on a connection, the argument sizes its `edges` and `nodes`), else
//! `limits.default_list_size`. Fragments count wherever they are spread;
//! introspection, which no subgraph answers, costs nothing.
use graphql_tools::static_graphql::query::Value as GqlValue;
use serde_json::{Map, Value};

use crate::config::LimitsConfig;
use crate::graphql_error::{GraphQLError, codes};
use crate::operation::{Operation, Selection2, SelectionSet};
use crate::schema::index::{SchemaIndex, TypeRef};
use crate::value::to_json;

/// Arguments read as a list field's size.
const SIZE_ARGUMENTS: [&str; 3] = ["first", "last", "limit"];

pub fn check(
    operation: &Operation,
    variables: &Map<String, Value>,
    index: &SchemaIndex,
    limits: &LimitsConfig,
) -> Result<(), Vec<GraphQLError>> {
    let estimate = Estimate {
        index,
        variables,
        limits,
    };
    let cost = estimate.set(&operation.selection, &operation.root_type, None);
    if cost <= limits.max_cost as f64 {
        return Ok(());
    }
    Err(vec![
        GraphQLError::with_code(
            format!(
                "The operation's estimated cost {} exceeds the limit of {}; ask for fewer items \
                 (first/limit) or fewer nested lists.",
                display(cost),
                limits.max_cost
            ),
            codes::COST_ESTIMATED_TOO_EXPENSIVE,
        )
        .extension(
            "cost",
            serde_json::json!({ "estimated": display(cost), "max": limits.max_cost }),
        ),
    ])
}

/// Saturates instead of overflowing: a cost past `u64::MAX` is refused all the same.
fn display(cost: f64) -> u64 {
    if cost >= u64::MAX as f64 {
        u64::MAX
    } else {
        cost as u64
    }
}

struct Estimate<'a> {
    index: &'a SchemaIndex,
    variables: &'a Map<String, Value>,
    limits: &'a LimitsConfig,
}

impl Estimate<'_> {
    /// `page`: the size argument of the connection field `set` belongs to, which is the size
    /// of its `edges` and `nodes` lists (`products(first: 50) { edges { node { … } } }`).
    fn set(&self, set: &SelectionSet, parent: &str, page: Option<f64>) -> f64 {
        set.items
            .iter()
            .map(|item| match item {
                // Introspection is answered by the router, bounded by the schema's size.
                Selection2::Field(field) if field.name.starts_with("__") => 0.0,
                Selection2::Field(field) => {
                    let Some(ty) = self.index.field_type(parent, &field.name) else {
                        return 0.0;
                    };
                    let named = ty.named();
                    if !self.index.is_composite(named) {
                        return 0.0;
                    }
                    let size = self.size_argument(&field.arguments);
                    if is_list(ty) {
                        let size = size
                            .or(page.filter(|_| matches!(field.name.as_str(), "edges" | "nodes")))
                            .unwrap_or(self.limits.default_list_size as f64);
                        size * (1.0 + self.set(&field.selection, named, None))
                    } else {
                        1.0 + self.set(&field.selection, named, size)
                    }
                }
                Selection2::Fragment(fragment) => {
                    let parent = fragment.type_condition.as_deref().unwrap_or(parent);
                    self.set(&fragment.selection, parent, page)
                }
            })
            .sum()
    }

    fn size_argument(&self, arguments: &[(String, GqlValue)]) -> Option<f64> {
        arguments
            .iter()
            .filter(|(name, _)| SIZE_ARGUMENTS.contains(&name.as_str()))
            .filter_map(|(_, value)| to_json(value, self.variables).as_f64())
            .map(|n| n.max(0.0))
            .reduce(f64::max)
    }
}

fn is_list(ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Named(_) => false,
        TypeRef::List(_) => true,
        TypeRef::NonNull(inner) => is_list(inner),
    }
}

//! Operation limits checked before planning: nesting depth, aliases and root fields.
//! (The token limit is enforced by the parser.)
use std::collections::HashMap;

use graphql_tools::static_graphql::query::{Definition, Document, Selection, SelectionSet};

use crate::config::LimitsConfig;
use crate::operation::{Operation, Selection2, SelectionSet as CompiledSet};

pub fn check(
    document: &Document,
    operation: &Operation,
    limits: &LimitsConfig,
) -> Result<(), String> {
    let aliases = count_aliases(document);
    if aliases > limits.max_aliases {
        return Err(format!(
            "Operation has {aliases} aliases; the limit is {}.",
            limits.max_aliases
        ));
    }
    let root_fields = count_root_fields(&operation.selection);
    if root_fields > limits.max_root_fields {
        return Err(format!(
            "Operation has {root_fields} root fields; the limit is {}.",
            limits.max_root_fields
        ));
    }
    let depth = depth(&operation.selection, &mut HashMap::new());
    if depth > limits.max_depth {
        return Err(format!(
            "Operation is {depth} levels deep; the limit is {}.",
            limits.max_depth
        ));
    }
    Ok(())
}

fn count_aliases(document: &Document) -> usize {
    fn in_set(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|item| match item {
                Selection::Field(f) => usize::from(f.alias.is_some()) + in_set(&f.selection_set),
                Selection::InlineFragment(f) => in_set(&f.selection_set),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    document
        .definitions
        .iter()
        .map(|d| match d {
            Definition::Operation(op) => in_set(operation_selection(op)),
            Definition::Fragment(f) => in_set(&f.selection_set),
        })
        .sum()
}

fn operation_selection(
    op: &graphql_tools::static_graphql::query::OperationDefinition,
) -> &SelectionSet {
    use graphql_tools::static_graphql::query::OperationDefinition as Op;
    match op {
        Op::SelectionSet(s) => s,
        Op::Query(q) => &q.selection_set,
        Op::Mutation(m) => &m.selection_set,
        Op::Subscription(s) => &s.selection_set,
    }
}

fn count_root_fields(set: &CompiledSet) -> usize {
    set.items
        .iter()
        .map(|item| match item {
            Selection2::Field(_) => 1,
            Selection2::Fragment(f) => count_root_fields(&f.selection),
        })
        .sum()
}

/// Field nesting depth; shared fragment bodies are measured once.
fn depth(set: &CompiledSet, memo: &mut HashMap<*const CompiledSet, usize>) -> usize {
    set.items
        .iter()
        .map(|item| match item {
            Selection2::Field(f) if f.selection.items.is_empty() => 1,
            Selection2::Field(f) => 1 + depth(&f.selection, memo),
            Selection2::Fragment(f) => {
                let key = std::sync::Arc::as_ptr(&f.selection);
                if let Some(d) = memo.get(&key) {
                    return *d;
                }
                let d = depth(&f.selection, memo);
                memo.insert(key, d);
                d
            }
        })
        .max()
        .unwrap_or(0)
}

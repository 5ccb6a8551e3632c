//! Limits: structural bounds checked on the parsed document before validation, so that no
//! document under the body and token limits makes the router do unbounded work.
//!
//! The executed operation is expanded (fragment spreads replaced by their fields, as the
//! response will be) and measured: nesting depth, aliases, root fields, fields in all, and
//! the pairs of fields that the "overlapping fields can be merged" rule compares. That rule
//! compares every two fields that share a response name, and again their sub-fields, so a
//! 38 KB document repeating one field 1,800 times made it compare 1.6 million pairs (2.8 s of
//! CPU). Every count stops as soon as it passes its limit, so measuring costs at most the
//! limits themselves. Fragment cycles and unknown fragments are left to validation.
use std::collections::HashMap;

use graphql_tools::static_graphql::query::{
    Definition, Document, FragmentDefinition, OperationDefinition, Selection, SelectionSet,
};

use crate::config::LimitsConfig;

/// One field of the expanded operation.
struct Node<'d> {
    key: &'d str,
    children: Vec<Node<'d>>,
}

struct Expander<'d, 'l> {
    fragments: HashMap<&'d str, &'d FragmentDefinition>,
    limits: &'l LimitsConfig,
    fields: usize,
    aliases: usize,
    /// Fragments being expanded on the current path (a cycle is validation's to report).
    expanding: Vec<&'d str>,
}

/// What a limit refused, in the words the client sees.
pub type Exceeded = String;

pub fn check(
    document: &Document,
    operation_name: Option<&str>,
    limits: &LimitsConfig,
) -> Result<(), Exceeded> {
    let fragments = document
        .definitions
        .iter()
        .filter_map(|d| match d {
            Definition::Fragment(f) => Some((f.name.as_str(), f)),
            Definition::Operation(_) => None,
        })
        .collect();
    let mut expander = Expander {
        fragments,
        limits,
        fields: 0,
        aliases: 0,
        expanding: Vec::new(),
    };
    // An ambiguous or unknown operation name is validation's to report.
    let Some(selection) = executed_selection(document, operation_name) else {
        return Ok(());
    };
    let root = expander.expand(selection, 1)?;
    if root.len() > limits.max_root_fields {
        return Err(format!(
            "Operation has {} root fields; the limit is {}.",
            root.len(),
            limits.max_root_fields
        ));
    }
    let mut comparisons = 0;
    within(&root, &mut comparisons, limits.max_field_comparisons)?;
    Ok(())
}

fn executed_selection<'d>(
    document: &'d Document,
    operation_name: Option<&str>,
) -> Option<&'d SelectionSet> {
    let mut operations = document.definitions.iter().filter_map(|d| match d {
        Definition::Operation(op) => Some(op),
        Definition::Fragment(_) => None,
    });
    let operation = match operation_name {
        Some(name) => operations.find(|op| operation_name_of(op) == Some(name))?,
        None => {
            let first = operations.next()?;
            if operations.next().is_some() {
                return None;
            }
            first
        }
    };
    Some(match operation {
        OperationDefinition::SelectionSet(s) => s,
        OperationDefinition::Query(q) => &q.selection_set,
        OperationDefinition::Mutation(m) => &m.selection_set,
        OperationDefinition::Subscription(s) => &s.selection_set,
    })
}

fn operation_name_of(op: &OperationDefinition) -> Option<&str> {
    match op {
        OperationDefinition::SelectionSet(_) => None,
        OperationDefinition::Query(q) => q.name.as_deref(),
        OperationDefinition::Mutation(m) => m.name.as_deref(),
        OperationDefinition::Subscription(s) => s.name.as_deref(),
    }
}

impl<'d> Expander<'d, '_> {
    /// The fields of `set` at nesting `depth`, fragments expanded.
    fn expand(&mut self, set: &'d SelectionSet, depth: usize) -> Result<Vec<Node<'d>>, Exceeded> {
        let mut nodes = Vec::new();
        self.expand_into(set, depth, &mut nodes)?;
        Ok(nodes)
    }

    fn expand_into(
        &mut self,
        set: &'d SelectionSet,
        depth: usize,
        nodes: &mut Vec<Node<'d>>,
    ) -> Result<(), Exceeded> {
        for item in &set.items {
            match item {
                Selection::Field(field) => {
                    self.count_field(field.alias.is_some(), depth)?;
                    let children = if field.selection_set.items.is_empty() {
                        Vec::new()
                    } else {
                        self.expand(&field.selection_set, depth + 1)?
                    };
                    nodes.push(Node {
                        key: field.alias.as_deref().unwrap_or(&field.name),
                        children,
                    });
                }
                Selection::InlineFragment(fragment) => {
                    self.expand_into(&fragment.selection_set, depth, nodes)?;
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.fragment_name.as_str();
                    let Some(fragment) = self.fragments.get(name).copied() else {
                        continue;
                    };
                    if self.expanding.contains(&name) {
                        continue;
                    }
                    self.expanding.push(name);
                    let expanded = self.expand_into(&fragment.selection_set, depth, nodes);
                    self.expanding.pop();
                    expanded?;
                }
            }
        }
        Ok(())
    }

    fn count_field(&mut self, aliased: bool, depth: usize) -> Result<(), Exceeded> {
        let limits = self.limits;
        if depth > limits.max_depth {
            return Err(format!(
                "Operation is more than {} levels deep; the limit is {}.",
                limits.max_depth, limits.max_depth
            ));
        }
        self.fields += 1;
        if self.fields > limits.max_fields {
            return Err(format!(
                "Operation selects more than {} fields once its fragments are expanded; the \
                 limit is {}.",
                limits.max_fields, limits.max_fields
            ));
        }
        self.aliases += usize::from(aliased);
        if self.aliases > limits.max_aliases {
            return Err(format!(
                "Operation has more than {} aliases once its fragments are expanded; the limit \
                 is {}.",
                limits.max_aliases, limits.max_aliases
            ));
        }
        Ok(())
    }
}

/// Counts the comparisons of fields sharing a response name within `nodes` and, below them,
/// within each field's own sub-selection.
fn within(nodes: &[Node<'_>], count: &mut usize, budget: usize) -> Result<(), Exceeded> {
    let mut by_key: HashMap<&str, Vec<&Node<'_>>> = HashMap::new();
    for node in nodes {
        by_key.entry(node.key).or_default().push(node);
    }
    for same in by_key.values() {
        for (i, first) in same.iter().enumerate() {
            for second in &same[i + 1..] {
                compare(first, second, count, budget)?;
            }
        }
    }
    for node in nodes {
        within(&node.children, count, budget)?;
    }
    Ok(())
}

/// One comparison, and those of the two fields' sub-fields that share a response name.
fn compare(a: &Node<'_>, b: &Node<'_>, count: &mut usize, budget: usize) -> Result<(), Exceeded> {
    *count += 1;
    if *count > budget {
        return Err(format!(
            "Operation repeats fields too often to be checked: more than {budget} pairs of \
             fields share a response name."
        ));
    }
    if a.children.is_empty() || b.children.is_empty() {
        return Ok(());
    }
    let mut by_key: HashMap<&str, Vec<&Node<'_>>> = HashMap::new();
    for node in &b.children {
        by_key.entry(node.key).or_default().push(node);
    }
    for first in &a.children {
        for second in by_key.get(first.key).into_iter().flatten() {
            compare(first, second, count, budget)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> LimitsConfig {
        LimitsConfig::default()
    }

    fn run(query: &str, limits: &LimitsConfig) -> Result<(), Exceeded> {
        let document = graphql_tools::parser::query::parse_query::<String>(query)
            .unwrap()
            .into_static();
        check(&document, None, limits)
    }

    fn comparisons(query: &str) -> usize {
        let document = graphql_tools::parser::query::parse_query::<String>(query)
            .unwrap()
            .into_static();
        let config = limits();
        let mut expander = Expander {
            fragments: HashMap::new(),
            limits: &config,
            fields: 0,
            aliases: 0,
            expanding: Vec::new(),
        };
        let root = expander
            .expand(executed_selection(&document, None).unwrap(), 1)
            .unwrap();
        let mut count = 0;
        within(&root, &mut count, usize::MAX).unwrap();
        count
    }

    #[test]
    fn repeated_fields_count_every_pair_the_merge_rule_compares() {
        // 4 fields named `a`: 6 pairs; each pair's sub-fields `b` compare once more.
        assert_eq!(comparisons("{ a { b } a { b } a { b } a { b } }"), 12);
        assert_eq!(comparisons("{ a b c }"), 0);
    }

    #[test]
    fn one_field_repeated_thousands_of_times_is_refused_before_validation() {
        let repeated = "name ".repeat(1_800);
        let refused = run(&format!("{{ products {{ {repeated} }} }}"), &limits());
        assert!(refused.unwrap_err().contains("pairs of fields"));
    }

    #[test]
    fn aliases_and_fields_count_once_per_fragment_spread() {
        let aliases: String = (0..100).map(|i| format!("a{i}: id ")).collect();
        let query =
            format!("{{ x {{ ...F }} y {{ ...F }} z {{ ...F }} }} fragment F on T {{ {aliases} }}");
        let refused = run(&query, &limits()).unwrap_err();
        assert!(refused.contains("aliases"), "{refused}");
    }

    #[test]
    fn depth_is_measured_through_fragments() {
        let mut config = limits();
        config.max_depth = 3;
        assert!(run("{ a { b { c } } }", &config).is_ok());
        let refused = run("{ a { ...F } } fragment F on T { b { c { d } } }", &config);
        assert!(refused.unwrap_err().contains("levels deep"));
    }

    #[test]
    fn root_fields_are_counted_after_expansion() {
        let mut config = limits();
        config.max_root_fields = 2;
        assert!(run("{ a b }", &config).is_ok());
        assert!(run("{ ...F } fragment F on Query { a b c }", &config).is_err());
    }

    #[test]
    fn fragment_cycles_do_not_loop() {
        assert!(
            run(
                "{ ...A } fragment A on Query { a ...B } fragment B on Query { b ...A }",
                &limits()
            )
            .is_ok()
        );
    }
}

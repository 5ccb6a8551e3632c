//! Enforcing the authorization directives on one operation, before any subgraph is called.
//!
//! At preparation time (cached with the plan) the operation's fields that carry a requirement
//! are listed ([`Restrictions`]). Per request, the caller's unmet requirements give the denied
//! fields: they are removed from a copy of the document ([`filter_document`]), which the
//! pipeline plans (`pipeline/authorize.rs`, cached by the operation and the set of denied
//! fields, so different scope sets never share a plan), and the response shaper writes `null` and an `UNAUTHENTICATED` / `FORBIDDEN` error at their paths.
//! An operation with no restricted field, or a caller who meets every requirement, runs the
//! ordinary cached plan untouched.
use std::collections::{HashMap, HashSet};
use std::hash::Hasher;
use std::sync::Arc;

use graphql_tools::static_graphql::query::{
    Definition, Document, Field as AstField, OperationDefinition, Selection, SelectionSet,
    TypeCondition,
};
use xxhash_rust::xxh3::Xxh3;

use super::Caller;
use super::policy::{AuthPolicy, Requirement};
use super::verify::codes;
use crate::graphql_error::GraphQLError;
use crate::operation::{self, Field, Operation, Selection2};
use crate::schema::index::{OperationType, SchemaIndex};

/// The fields of a compiled operation that carry a requirement, in a deterministic order.
#[derive(Default)]
pub struct Restrictions {
    entries: Vec<(FieldId, Requirement)>,
}

/// A compiled field's address. Compiled fields live in the heap buffers of their selection
/// sets' `Vec`s, which never move once the operation is built.
type FieldId = usize;

fn field_id(field: &Field) -> FieldId {
    std::ptr::from_ref(field) as usize
}

impl Restrictions {
    pub fn of(operation: &Operation, policy: &AuthPolicy, index: &SchemaIndex) -> Restrictions {
        let mut restrictions = Restrictions::default();
        if policy.is_empty() {
            return restrictions;
        }
        let mut seen = HashSet::new();
        restrictions.walk(
            &operation.selection,
            &operation.root_type,
            policy,
            index,
            &mut seen,
        );
        restrictions
    }

    fn walk(
        &mut self,
        set: &operation::SelectionSet,
        parent: &str,
        policy: &AuthPolicy,
        index: &SchemaIndex,
        seen: &mut HashSet<usize>,
    ) {
        for item in &set.items {
            match item {
                Selection2::Field(field) => {
                    let requirement = policy.requirement(parent, &field.name, index);
                    if !requirement.is_empty() {
                        self.entries.push((field_id(field), requirement));
                    }
                    if let Some(ty) = index.field_type(parent, &field.name) {
                        self.walk(&field.selection, ty.named(), policy, index, seen);
                    }
                }
                Selection2::Fragment(fragment) => {
                    // Named fragments are compiled once and shared: walk each once.
                    if !seen.insert(Arc::as_ptr(&fragment.selection) as usize) {
                        continue;
                    }
                    let parent = fragment.type_condition.as_deref().unwrap_or(parent);
                    self.walk(&fragment.selection, parent, policy, index, seen);
                }
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The fields `caller` may not see, with the code of their error.
    pub fn denied_for(&self, caller: &Caller) -> DeniedFields {
        let mut denied = DeniedFields::default();
        let code = if caller.is_authenticated() {
            codes::FORBIDDEN
        } else {
            codes::UNAUTHENTICATED
        };
        let mut key = Xxh3::new();
        for (position, (field, requirement)) in self.entries.iter().enumerate() {
            if !requirement.is_satisfied_by(caller) {
                denied.fields.insert(*field, code);
                key.write_usize(position);
            }
        }
        denied.key = key.finish();
        denied
    }
}

/// Fields removed from this request's plan; the shaper answers them with an error.
#[derive(Default)]
pub struct DeniedFields {
    fields: HashMap<FieldId, &'static str>,
    /// Identifies which restrictions were denied (with the operation's own key: the plan).
    key: u64,
}

impl DeniedFields {
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Identifies which of the operation's restrictions were denied: with the operation's own
    /// key, it names the filtered plan.
    pub fn key(&self) -> u64 {
        self.key
    }

    pub fn error_for(&self, parent_type: &str, field: &Field) -> Option<GraphQLError> {
        if self.fields.is_empty() {
            return None;
        }
        let code = *self.fields.get(&field_id(field))?;
        let message = if code == codes::FORBIDDEN {
            format!("Not allowed to access {parent_type}.{}.", field.name)
        } else {
            format!("Log in to access {parent_type}.{}.", field.name)
        };
        Some(GraphQLError::with_code(message, code).located(vec![field.location]))
    }
}

/// A copy of `document` without the fields `caller` may not see. `None` when the executed
/// operation has no field left for subgraphs. A selection set emptied by the removal keeps a
/// `__typename`, so its parent is still fetched and the shaper reaches the denied field.
pub fn filter_document(
    document: &Document,
    operation_name: Option<&str>,
    policy: &AuthPolicy,
    index: &SchemaIndex,
    caller: &Caller,
) -> Option<Document> {
    let filter = Filter {
        policy,
        index,
        caller,
    };
    let mut document = document.clone();
    for definition in &mut document.definitions {
        match definition {
            Definition::Operation(operation) => {
                let (kind, set) = match operation {
                    OperationDefinition::SelectionSet(set) => (OperationType::Query, set),
                    OperationDefinition::Query(q) => (OperationType::Query, &mut q.selection_set),
                    OperationDefinition::Mutation(m) => {
                        (OperationType::Mutation, &mut m.selection_set)
                    }
                    OperationDefinition::Subscription(s) => {
                        (OperationType::Subscription, &mut s.selection_set)
                    }
                };
                let Some(root) = index.root_type(kind) else {
                    continue;
                };
                filter.selection_set(set, root);
            }
            Definition::Fragment(fragment) => {
                let TypeCondition::On(parent) = &fragment.type_condition;
                let parent = parent.clone();
                filter.selection_set(&mut fragment.selection_set, &parent);
                keep_typename(&mut fragment.selection_set);
            }
        }
    }
    let executed = operation::select_operation(&document, operation_name).ok()?;
    let root_left = match executed {
        OperationDefinition::SelectionSet(s) => &s.items,
        OperationDefinition::Query(q) => &q.selection_set.items,
        OperationDefinition::Mutation(m) => &m.selection_set.items,
        OperationDefinition::Subscription(s) => &s.selection_set.items,
    };
    (!root_left.is_empty()).then_some(document)
}

struct Filter<'a> {
    policy: &'a AuthPolicy,
    index: &'a SchemaIndex,
    caller: &'a Caller,
}

impl Filter<'_> {
    fn selection_set(&self, set: &mut SelectionSet, parent: &str) {
        set.items.retain_mut(|item| match item {
            Selection::Field(field) => self.field(field, parent),
            Selection::InlineFragment(fragment) => {
                let parent = match &fragment.type_condition {
                    Some(TypeCondition::On(name)) => name.as_str(),
                    None => parent,
                };
                self.selection_set(&mut fragment.selection_set, parent);
                keep_typename(&mut fragment.selection_set);
                true
            }
            Selection::FragmentSpread(_) => true,
        });
    }

    /// Whether the field stays; filters its sub-selection.
    fn field(&self, field: &mut AstField, parent: &str) -> bool {
        let requirement = self.policy.requirement(parent, &field.name, self.index);
        if !requirement.is_satisfied_by(self.caller) {
            return false;
        }
        if !field.selection_set.items.is_empty()
            && let Some(ty) = self.index.field_type(parent, &field.name)
        {
            let child = ty.named().to_string();
            self.selection_set(&mut field.selection_set, &child);
            keep_typename(&mut field.selection_set);
        }
        true
    }
}

fn keep_typename(set: &mut SelectionSet) {
    if set.items.is_empty() {
        set.items.push(Selection::Field(AstField {
            position: set.span.0,
            alias: None,
            name: "__typename".to_string(),
            arguments: Vec::new(),
            directives: Vec::new(),
            selection_set: SelectionSet {
                span: set.span,
                items: Vec::new(),
            },
        }));
    }
}

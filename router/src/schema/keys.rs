//! Entity keys, per type and subgraph, read from the supergraph's `@join__type(graph:, key:)`.
//! The executor uses them to leave out representations whose key fields are null: a
//! subgraph cannot resolve such an entity, and sending it may fail the fetch for the entity's
//! siblings too.
use std::collections::HashMap;

use foldhash::HashMap as FastMap;

use crate::json::{Object, Value as Json};
use graphql_tools::static_graphql::schema::{
    Definition, Directive, Document, TypeDefinition, Value,
};
use hive_router_query_planner::ast::selection_item::SelectionItem;
use hive_router_query_planner::ast::selection_set::SelectionSet;

/// One field of a key's field set, with its sub-selection for object-valued key fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyField {
    pub name: String,
    pub selection: Vec<KeyField>,
}

/// Type → subgraph name → that subgraph's keys for the type. Nested so that a lookup per
/// entity borrows its two names instead of building a pair of strings.
#[derive(Debug, Default)]
pub struct EntityKeys {
    keys: FastMap<String, FastMap<String, Vec<Vec<KeyField>>>>,
}

impl EntityKeys {
    pub fn from_supergraph(document: &Document) -> EntityKeys {
        let graphs = graph_names(document);
        let mut keys: FastMap<String, FastMap<String, Vec<Vec<KeyField>>>> = FastMap::default();
        for definition in &document.definitions {
            let Definition::TypeDefinition(definition) = definition else {
                continue;
            };
            let (name, directives) = match definition {
                TypeDefinition::Object(o) => (&o.name, &o.directives),
                TypeDefinition::Interface(i) => (&i.name, &i.directives),
                _ => continue,
            };
            for directive in directives.iter().filter(|d| d.name == "join__type") {
                let graph = argument(directive, "graph").and_then(|g| graphs.get(g));
                let (Some(graph), Some(key)) = (graph, argument(directive, "key")) else {
                    continue;
                };
                let fields = parse_field_set(key);
                if !fields.is_empty() {
                    keys.entry(name.clone())
                        .or_default()
                        .entry(graph.clone())
                        .or_default()
                        .push(fields);
                }
            }
        }
        EntityKeys { keys }
    }

    /// False when the representation cannot identify an entity in `subgraph`: no key of the
    /// type there has all its fields present and non-null, and some key field is null. A
    /// representation the keys say nothing about is sent as it is.
    pub fn can_resolve(&self, type_name: &str, subgraph: &str, rep: &Object) -> bool {
        self.decide(type_name, subgraph, |key| complete(rep, key))
    }

    /// [`can_resolve`](Self::can_resolve) for the representation that projecting `object`
    /// on `requires` (fields only, no aliases) would give, without building it.
    pub fn can_resolve_projected(
        &self,
        type_name: &str,
        subgraph: &str,
        object: &Object,
        requires: &SelectionSet,
    ) -> bool {
        self.decide(type_name, subgraph, |key| {
            complete_projected(object, requires, key)
        })
    }

    fn decide(
        &self,
        type_name: &str,
        subgraph: &str,
        completeness: impl Fn(&[KeyField]) -> Completeness,
    ) -> bool {
        let Some(keys) = self.keys.get(type_name).and_then(|by| by.get(subgraph)) else {
            return true;
        };
        let mut null_key_field = false;
        for key in keys {
            match completeness(key) {
                Completeness::Complete => return true,
                Completeness::HasNull => null_key_field = true,
                Completeness::Missing => {}
            }
        }
        !null_key_field
    }
}

enum Completeness {
    Complete,
    HasNull,
    Missing,
}

fn complete(object: &Object, key: &[KeyField]) -> Completeness {
    let mut result = Completeness::Complete;
    for field in key {
        let state = match object.get(&field.name) {
            None => Completeness::Missing,
            Some(value) => complete_value(value, &field.selection),
        };
        match state {
            Completeness::Complete => {}
            Completeness::HasNull => return Completeness::HasNull,
            Completeness::Missing => result = Completeness::Missing,
        }
    }
    result
}

/// [`complete`] on the projection of `object` on `requires`: a key field `requires` does
/// not select is missing from the representation.
fn complete_projected(object: &Object, requires: &SelectionSet, key: &[KeyField]) -> Completeness {
    let mut result = Completeness::Complete;
    for field in key {
        let selected = requires.items.iter().find_map(|item| match item {
            SelectionItem::Field(f) if f.name == field.name => Some(f),
            _ => None,
        });
        let state = match selected.and_then(|f| Some((object.get(&field.name)?, f))) {
            None => Completeness::Missing,
            Some((value, selected)) => {
                complete_projected_value(value, &selected.selections, &field.selection)
            }
        };
        match state {
            Completeness::Complete => {}
            Completeness::HasNull => return Completeness::HasNull,
            Completeness::Missing => result = Completeness::Missing,
        }
    }
    result
}

fn complete_projected_value(
    value: &Json,
    requires: &SelectionSet,
    selection: &[KeyField],
) -> Completeness {
    match value {
        Json::Null => Completeness::HasNull,
        Json::Array(items) => items
            .iter()
            .map(|item| complete_projected_value(item, requires, selection))
            .find(|c| !matches!(c, Completeness::Complete))
            .unwrap_or(Completeness::Complete),
        // A value selected without sub-fields is sent whole.
        Json::Object(object) if !selection.is_empty() && requires.items.is_empty() => {
            complete(object, selection)
        }
        Json::Object(object) if !selection.is_empty() => {
            complete_projected(object, requires, selection)
        }
        _ => Completeness::Complete,
    }
}

fn complete_value(value: &Json, selection: &[KeyField]) -> Completeness {
    match value {
        Json::Null => Completeness::HasNull,
        Json::Array(items) => items
            .iter()
            .map(|item| complete_value(item, selection))
            .find(|c| !matches!(c, Completeness::Complete))
            .unwrap_or(Completeness::Complete),
        Json::Object(object) if !selection.is_empty() => complete(object, selection),
        _ => Completeness::Complete,
    }
}

/// `join__Graph` enum values → the subgraph names of their `@join__graph(name:)`.
fn graph_names(document: &Document) -> HashMap<String, String> {
    let mut names = HashMap::new();
    for definition in &document.definitions {
        if let Definition::TypeDefinition(TypeDefinition::Enum(e)) = definition
            && e.name == "join__Graph"
        {
            for value in &e.values {
                let name = value
                    .directives
                    .iter()
                    .find(|d| d.name == "join__graph")
                    .and_then(|d| argument(d, "name"));
                if let Some(name) = name {
                    names.insert(value.name.clone(), name.to_string());
                }
            }
        }
    }
    names
}

fn argument<'d>(directive: &'d Directive, name: &str) -> Option<&'d str> {
    directive
        .arguments
        .iter()
        .find(|(n, _)| n == name)
        .and_then(|(_, v)| match v {
            Value::String(s) | Value::Enum(s) => Some(s.as_str()),
            _ => None,
        })
}

/// Parses a field set such as `id organization { id }`. Arguments are skipped, and the
/// fields of an inline fragment count as the enclosing selection's.
pub fn parse_field_set(text: &str) -> Vec<KeyField> {
    let tokens = tokenize(text);
    let mut position = 0;
    selection(&tokens, &mut position)
}

fn tokenize(text: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut rest = text;
    let mut depth = 0usize;
    while let Some(c) = rest.chars().next() {
        let len = c.len_utf8();
        if c == '(' {
            depth += 1;
            rest = &rest[len..];
        } else if c == ')' {
            depth = depth.saturating_sub(1);
            rest = &rest[len..];
        } else if depth > 0 || c.is_whitespace() || c == ',' {
            rest = &rest[len..];
        } else if c == '{' || c == '}' {
            tokens.push(&rest[..len]);
            rest = &rest[len..];
        } else if c == '.' {
            let dots = rest.len() - rest.trim_start_matches('.').len();
            rest = &rest[dots..];
        } else {
            let end = rest
                .find(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
                .unwrap_or(rest.len())
                .max(len);
            tokens.push(&rest[..end]);
            rest = &rest[end..];
        }
    }
    tokens
}

fn selection(tokens: &[&str], position: &mut usize) -> Vec<KeyField> {
    let mut fields: Vec<KeyField> = Vec::new();
    while let Some(token) = tokens.get(*position) {
        *position += 1;
        match *token {
            "}" => break,
            "{" => {
                // The body of an inline fragment (`... on T { … }` leaves `on`, `T` behind).
                fields.extend(selection(tokens, position));
            }
            "on" if tokens.get(*position + 1) == Some(&"{") => {
                *position += 1;
            }
            name => {
                let sub = if tokens.get(*position) == Some(&"{") {
                    *position += 1;
                    selection(tokens, position)
                } else {
                    Vec::new()
                };
                fields.push(KeyField {
                    name: name.to_string(),
                    selection: sub,
                });
            }
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(fields: &[KeyField]) -> Vec<String> {
        fields
            .iter()
            .map(|f| {
                if f.selection.is_empty() {
                    f.name.clone()
                } else {
                    format!("{}{{{}}}", f.name, names(&f.selection).join(","))
                }
            })
            .collect()
    }

    #[test]
    fn field_sets_parse_with_nesting_arguments_and_fragments() {
        assert_eq!(names(&parse_field_set("id")), ["id"]);
        assert_eq!(
            names(&parse_field_set(
                "id organization { id region(code: \"x\") }"
            )),
            ["id", "organization{id,region}"]
        );
        assert_eq!(
            names(&parse_field_set("owner { ... on User { id } }")),
            ["owner{id}"]
        );
    }

    #[test]
    fn a_representation_with_a_null_key_field_cannot_be_resolved() {
        let mut keys = EntityKeys::default();
        keys.keys.entry("Book".into()).or_default().insert(
            "b".into(),
            vec![parse_field_set("isbn"), parse_field_set("shelf { id }")],
        );
        let rep = |v: serde_json::Value| Json::from(v).as_object().unwrap().clone();
        let can = |v| keys.can_resolve("Book", "b", &rep(v));
        assert!(can(json!({"__typename": "Book", "isbn": "i1"})));
        assert!(!can(json!({"__typename": "Book", "isbn": null})));
        assert!(!can(json!({"__typename": "Book", "shelf": {"id": null}})));
        // One usable key is enough.
        assert!(can(
            json!({"__typename": "Book", "isbn": null, "shelf": {"id": "s"}})
        ));
        // Keys that say nothing about the representation leave it alone.
        assert!(can(json!({"__typename": "Book", "other": null})));
        assert!(keys.can_resolve("Author", "b", &rep(json!({"id": null}))));
    }

    #[test]
    fn projected_answers_as_the_built_representation_would() {
        use hive_router_query_planner::ast::selection_set::FieldSelection;
        let field = |name: &str, sub: Vec<SelectionItem>| {
            SelectionItem::Field(FieldSelection {
                name: name.into(),
                selections: SelectionSet { items: sub },
                ..Default::default()
            })
        };
        let mut keys = EntityKeys::default();
        keys.keys.entry("Book".into()).or_default().insert(
            "b".into(),
            vec![parse_field_set("isbn"), parse_field_set("shelf { id }")],
        );
        // `isbn` is not selected: the representation lacks it, whatever the object holds.
        let requires = SelectionSet {
            items: vec![
                field("__typename", vec![]),
                field("shelf", vec![field("id", vec![])]),
            ],
        };
        for object in [
            json!({"__typename": "Book", "isbn": "i1", "shelf": {"id": null}}),
            json!({"__typename": "Book", "isbn": null, "shelf": {"id": "s"}}),
            json!({"__typename": "Book", "shelf": null}),
            json!({"__typename": "Book", "isbn": "i1"}),
        ] {
            let object = Json::from(object);
            let object = object.as_object().unwrap();
            // The projection on `__typename shelf { id }`, built by hand.
            let mut rep = Object::new();
            for name in ["__typename", "shelf"] {
                if let Some(value) = object.get(name) {
                    let value = match value {
                        Json::Object(o) => {
                            let mut shelf = Object::new();
                            if let Some(id) = o.get("id") {
                                shelf.insert("id", id.clone());
                            }
                            Json::Object(shelf)
                        }
                        other => other.clone(),
                    };
                    rep.insert(name, value);
                }
            }
            assert_eq!(
                keys.can_resolve_projected("Book", "b", object, &requires),
                keys.can_resolve("Book", "b", &rep),
                "{object:?}"
            );
        }
    }
}

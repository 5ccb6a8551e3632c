//! Which fields and types of the supergraph need what: `@requiresScopes(scopes: [[String]])`
//! and `@authenticated`, found under the names the supergraph's `@link`s give them (a spec
//! link's `as:`, or an import's `{name, as}` rename).
use std::collections::{HashMap, HashSet};

use graphql_tools::static_graphql::schema::{
    Definition, Directive, Document, TypeDefinition, Value,
};

use super::Caller;
use crate::schema::index::{SchemaIndex, TypeKind, TypeRef};

/// What selecting one field demands of the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requirement {
    pub authenticated: bool,
    /// Each entry must hold; an entry is an OR of AND-sets of scopes.
    pub scopes: Vec<Vec<Vec<String>>>,
}

impl Requirement {
    pub fn is_empty(&self) -> bool {
        !self.authenticated && self.scopes.is_empty()
    }

    fn add(&mut self, other: &Requirement) {
        self.authenticated |= other.authenticated;
        for alternatives in &other.scopes {
            if !self.scopes.contains(alternatives) {
                self.scopes.push(alternatives.clone());
            }
        }
    }

    pub fn is_satisfied_by(&self, caller: &Caller) -> bool {
        if !caller.enforces_directives() {
            return true;
        }
        if (self.authenticated || !self.scopes.is_empty()) && !caller.is_authenticated() {
            return false;
        }
        self.scopes.iter().all(|alternatives| {
            alternatives
                .iter()
                .any(|all| all.iter().all(|scope| caller.has_scope(scope)))
        })
    }
}

/// The supergraph's authorization directives.
pub struct AuthPolicy {
    fields: HashMap<String, HashMap<String, Requirement>>,
    types: HashMap<String, Requirement>,
}

impl AuthPolicy {
    pub fn from_supergraph(document: &Document) -> AuthPolicy {
        let names = DirectiveNames::from_links(document);
        let mut fields: HashMap<String, HashMap<String, Requirement>> = HashMap::new();
        let mut types = HashMap::new();
        for definition in &document.definitions {
            let Definition::TypeDefinition(definition) = definition else {
                continue;
            };
            let (name, directives, field_list) = match definition {
                TypeDefinition::Object(o) => (&o.name, &o.directives, Some(&o.fields)),
                TypeDefinition::Interface(i) => (&i.name, &i.directives, Some(&i.fields)),
                TypeDefinition::Scalar(s) => (&s.name, &s.directives, None),
                TypeDefinition::Enum(e) => (&e.name, &e.directives, None),
                TypeDefinition::Union(_) | TypeDefinition::InputObject(_) => continue,
            };
            let requirement = names.requirement(directives);
            if !requirement.is_empty() {
                types.insert(name.clone(), requirement);
            }
            for field in field_list.into_iter().flatten() {
                let requirement = names.requirement(&field.directives);
                if !requirement.is_empty() {
                    fields
                        .entry(name.clone())
                        .or_default()
                        .insert(field.name.clone(), requirement);
                }
            }
        }
        AuthPolicy { fields, types }
    }

    /// No directive anywhere: nothing to enforce, ever.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.types.is_empty()
    }

    /// What selecting `field` on a value of static type `parent` requires: the field's own
    /// directives (on every implementation when `parent` is an interface), its return type's
    /// and the parent type's.
    pub fn requirement(&self, parent: &str, field: &str, index: &SchemaIndex) -> Requirement {
        let mut requirement = Requirement::default();
        if self.is_empty() || field.starts_with("__") {
            return requirement;
        }
        let mut add_field = |type_name: &str| {
            if let Some(r) = self.fields.get(type_name).and_then(|f| f.get(field)) {
                requirement.add(r);
            }
        };
        add_field(parent);
        if let Some(info) = index.get(parent)
            && info.kind == TypeKind::Interface
        {
            info.possible_types.iter().for_each(|t| add_field(t));
        }
        if let Some(r) = self.types.get(parent) {
            requirement.add(r);
        }
        if let Some(return_type) = index.field_type(parent, field).map(TypeRef::named)
            && let Some(r) = self.types.get(return_type)
        {
            requirement.add(r);
        }
        requirement
    }
}

/// The names the directives carry in this supergraph.
struct DirectiveNames {
    requires_scopes: HashSet<String>,
    authenticated: HashSet<String>,
}

impl DirectiveNames {
    fn from_links(document: &Document) -> DirectiveNames {
        let mut names = DirectiveNames {
            requires_scopes: HashSet::new(),
            authenticated: HashSet::new(),
        };
        let links = document.definitions.iter().flat_map(|d| match d {
            Definition::SchemaDefinition(s) => s.directives.iter().collect::<Vec<_>>(),
            _ => Vec::new(),
        });
        for link in links.filter(|d| d.name == "link") {
            let Some(url) = string_argument(link, "url") else {
                continue;
            };
            let spec = spec_name(url);
            for directive in ["requiresScopes", "authenticated"] {
                if spec == directive {
                    let name = string_argument(link, "as").unwrap_or(directive);
                    names.set(directive).insert(name.to_string());
                }
            }
            let Some(Value::List(imports)) = argument(link, "import") else {
                continue;
            };
            for import in imports {
                let (name, alias) = match import {
                    Value::String(name) => (name.as_str(), name.as_str()),
                    Value::Object(fields) => {
                        match (field_of(fields, "name"), field_of(fields, "as")) {
                            (Some(Value::String(name)), Some(Value::String(alias))) => {
                                (name.as_str(), alias.as_str())
                            }
                            (Some(Value::String(name)), _) => (name.as_str(), name.as_str()),
                            _ => continue,
                        }
                    }
                    _ => continue,
                };
                for directive in ["requiresScopes", "authenticated"] {
                    if name.strip_prefix('@') == Some(directive) {
                        let alias = alias.trim_start_matches('@');
                        names.set(directive).insert(alias.to_string());
                    }
                }
            }
        }
        // A supergraph without links (hand-written fixtures) uses the standard names.
        if names.requires_scopes.is_empty() && names.authenticated.is_empty() {
            names.requires_scopes.insert("requiresScopes".to_string());
            names.authenticated.insert("authenticated".to_string());
        }
        names
    }

    fn set(&mut self, directive: &str) -> &mut HashSet<String> {
        if directive == "authenticated" {
            &mut self.authenticated
        } else {
            &mut self.requires_scopes
        }
    }

    fn requirement(&self, directives: &[Directive]) -> Requirement {
        let mut requirement = Requirement::default();
        for directive in directives {
            if self.authenticated.contains(&directive.name) {
                requirement.authenticated = true;
            } else if self.requires_scopes.contains(&directive.name)
                && let Some(Value::List(alternatives)) = argument(directive, "scopes")
            {
                let alternatives = alternatives
                    .iter()
                    .map(|all| match all {
                        Value::List(scopes) => scopes.iter().filter_map(scope_name).collect(),
                        single => scope_name(single).into_iter().collect(),
                    })
                    .collect();
                requirement.scopes.push(alternatives);
            }
        }
        requirement
    }
}

fn scope_name(value: &Value) -> Option<String> {
    match value {
        Value::String(s) | Value::Enum(s) => Some(s.clone()),
        _ => None,
    }
}

fn field_of<'v>(fields: &'v [(String, Value)], name: &str) -> Option<&'v Value> {
    fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
}

fn argument<'d>(directive: &'d Directive, name: &str) -> Option<&'d Value> {
    directive
        .arguments
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
}

fn string_argument<'d>(directive: &'d Directive, name: &str) -> Option<&'d str> {
    match argument(directive, name)? {
        Value::String(s) => Some(s.as_str()),
        _ => None,
    }
}

/// `https://specs.apollo.dev/requiresScopes/v0.1` → `requiresScopes`.
fn spec_name(url: &str) -> &str {
    let mut segments = url.trim_end_matches('/').rsplit('/');
    let last = segments.next().unwrap_or("");
    if last.starts_with('v') && last[1..].chars().all(|c| c.is_ascii_digit() || c == '.') {
        segments.next().unwrap_or("")
    } else {
        last
    }
}

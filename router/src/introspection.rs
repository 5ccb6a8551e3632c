//! Answers `__schema` and `__type` from the API schema. Values are built keyed by response
//! key; the response shaper then orders them as the client selected.
use std::collections::HashMap;

use graphql_tools::static_graphql::schema::{
    Definition, Directive, DirectiveDefinition, Document, EnumValue, Field as SchemaField,
    InputValue, Type, TypeDefinition,
};
use serde_json::{Map, Value};

use crate::operation::{Field, SelectionSet, collect_fields, sub_selections};
use crate::schema::index::SchemaIndex;
use crate::schema::index::type_def_name;

/// The API schema's definitions, indexed for introspection.
pub struct IntrospectionSchema {
    document: std::sync::Arc<Document>,
    types: HashMap<String, usize>,
    directives: Vec<usize>,
    query: String,
    mutation: Option<String>,
    subscription: Option<String>,
}

#[derive(Clone)]
enum TypeRef<'s> {
    Named(&'s TypeDefinition),
    List(Box<TypeRef<'s>>),
    NonNull(Box<TypeRef<'s>>),
}

enum Meta<'s> {
    Schema,
    Type(TypeRef<'s>),
    Field(&'s SchemaField),
    InputValue(&'s InputValue),
    EnumValue(&'s EnumValue),
    Directive(&'s DirectiveDefinition),
}

impl Meta<'_> {
    fn type_name(&self) -> &'static str {
        match self {
            Meta::Schema => "__Schema",
            Meta::Type(_) => "__Type",
            Meta::Field(_) => "__Field",
            Meta::InputValue(_) => "__InputValue",
            Meta::EnumValue(_) => "__EnumValue",
            Meta::Directive(_) => "__Directive",
        }
    }
}

struct Resolver<'s> {
    schema: &'s IntrospectionSchema,
    index: &'s SchemaIndex,
    variables: &'s Map<String, Value>,
}

impl IntrospectionSchema {
    pub fn new(document: std::sync::Arc<Document>, index: &SchemaIndex) -> IntrospectionSchema {
        let mut types = HashMap::new();
        let mut directives = Vec::new();
        for (i, definition) in document.definitions.iter().enumerate() {
            match definition {
                Definition::TypeDefinition(def) => {
                    types.insert(type_def_name(def).to_string(), i);
                }
                Definition::DirectiveDefinition(_) => directives.push(i),
                _ => {}
            }
        }
        let exists = |name: &Option<String>| name.clone().filter(|n| types.contains_key(n));
        IntrospectionSchema {
            query: index.query_type.clone(),
            mutation: exists(&index.mutation_type),
            subscription: exists(&index.subscription_type),
            document,
            types,
            directives,
        }
    }

    fn type_def(&self, name: &str) -> Option<&TypeDefinition> {
        match self.document.definitions.get(*self.types.get(name)?)? {
            Definition::TypeDefinition(def) => Some(def),
            _ => None,
        }
    }

    /// Resolves a root introspection field (`__schema` or `__type`).
    pub fn resolve_root_field(
        &self,
        fields: &[&Field],
        index: &SchemaIndex,
        variables: &Map<String, Value>,
    ) -> Value {
        let resolver = Resolver {
            schema: self,
            index,
            variables,
        };
        let sets = sub_selections(fields);
        match fields[0].name.as_str() {
            "__schema" => resolver.object(&Meta::Schema, &sets),
            "__type" => {
                let name = argument(fields[0], "name", variables);
                match name
                    .as_ref()
                    .and_then(Value::as_str)
                    .and_then(|n| self.type_def(n))
                {
                    Some(def) => resolver.object(&Meta::Type(TypeRef::Named(def)), &sets),
                    None => Value::Null,
                }
            }
            _ => Value::Null,
        }
    }
}

fn argument(field: &Field, name: &str, variables: &Map<String, Value>) -> Option<Value> {
    field
        .arguments
        .iter()
        .find(|(arg, _)| arg == name)
        .map(|(_, value)| crate::value::to_json(value, variables))
}

impl<'s> Resolver<'s> {
    fn object(&self, meta: &Meta<'s>, sets: &[&SelectionSet]) -> Value {
        let groups = collect_fields(sets, meta.type_name(), self.index, self.variables);
        let mut object = Map::new();
        for (key, fields) in groups {
            if fields[0].name == "__typename" {
                continue;
            }
            let value = self.field(meta, fields[0], &sub_selections(&fields));
            object.insert(key.to_string(), value);
        }
        Value::Object(object)
    }

    fn list<I: IntoIterator<Item = Meta<'s>>>(&self, items: I, sets: &[&SelectionSet]) -> Value {
        Value::Array(items.into_iter().map(|m| self.object(&m, sets)).collect())
    }

    fn field(&self, meta: &Meta<'s>, field: &Field, sets: &[&SelectionSet]) -> Value {
        let include_deprecated = argument(field, "includeDeprecated", self.variables)
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        let name = field.name.as_str();
        match meta {
            Meta::Schema => self.schema_field(name, sets),
            Meta::Type(ty) => self.type_field(ty, name, include_deprecated, sets),
            Meta::Field(f) => match name {
                "name" => Value::String(f.name.clone()),
                "description" => opt_str(&f.description),
                "args" => self.list(
                    f.arguments
                        .iter()
                        .filter(|a| include_deprecated || deprecation(&a.directives).is_none())
                        .map(Meta::InputValue),
                    sets,
                ),
                "type" => self.type_ref(&f.field_type, sets),
                "isDeprecated" => Value::Bool(deprecation(&f.directives).is_some()),
                "deprecationReason" => deprecation(&f.directives).unwrap_or(Value::Null),
                _ => Value::Null,
            },
            Meta::InputValue(v) => match name {
                "name" => Value::String(v.name.clone()),
                "description" => opt_str(&v.description),
                "type" => self.type_ref(&v.value_type, sets),
                "defaultValue" => v
                    .default_value
                    .as_ref()
                    .map(|d| Value::String(d.to_string()))
                    .unwrap_or(Value::Null),
                "isDeprecated" => Value::Bool(deprecation(&v.directives).is_some()),
                "deprecationReason" => deprecation(&v.directives).unwrap_or(Value::Null),
                _ => Value::Null,
            },
            Meta::EnumValue(v) => match name {
                "name" => Value::String(v.name.clone()),
                "description" => opt_str(&v.description),
                "isDeprecated" => Value::Bool(deprecation(&v.directives).is_some()),
                "deprecationReason" => deprecation(&v.directives).unwrap_or(Value::Null),
                _ => Value::Null,
            },
            Meta::Directive(d) => match name {
                "name" => Value::String(d.name.clone()),
                "description" => opt_str(&d.description),
                "isRepeatable" => Value::Bool(d.repeatable),
                "locations" => Value::Array(
                    d.locations
                        .iter()
                        .map(|l| Value::String(l.as_str().to_string()))
                        .collect(),
                ),
                "args" => self.list(
                    d.arguments
                        .iter()
                        .filter(|a| include_deprecated || deprecation(&a.directives).is_none())
                        .map(Meta::InputValue),
                    sets,
                ),
                _ => Value::Null,
            },
        }
    }

    fn schema_field(&self, name: &str, sets: &[&SelectionSet]) -> Value {
        let named = |type_name: &Option<String>| match type_name
            .as_deref()
            .and_then(|n| self.schema.type_def(n))
        {
            Some(def) => self.object(&Meta::Type(TypeRef::Named(def)), sets),
            None => Value::Null,
        };
        match name {
            "description" => Value::Null,
            "queryType" => named(&Some(self.schema.query.clone())),
            "mutationType" => named(&self.schema.mutation),
            "subscriptionType" => named(&self.schema.subscription),
            "types" => self.list(
                self.schema
                    .document
                    .definitions
                    .iter()
                    .filter_map(|d| match d {
                        Definition::TypeDefinition(def) => Some(Meta::Type(TypeRef::Named(def))),
                        _ => None,
                    }),
                sets,
            ),
            "directives" => self.list(
                self.schema.directives.iter().filter_map(|i| {
                    match &self.schema.document.definitions[*i] {
                        Definition::DirectiveDefinition(d) => Some(Meta::Directive(d)),
                        _ => None,
                    }
                }),
                sets,
            ),
            _ => Value::Null,
        }
    }

    fn type_field(
        &self,
        ty: &TypeRef<'s>,
        name: &str,
        include_deprecated: bool,
        sets: &[&SelectionSet],
    ) -> Value {
        let def = match ty {
            TypeRef::Named(def) => *def,
            TypeRef::List(inner) | TypeRef::NonNull(inner) => {
                return match name {
                    "kind" => Value::String(
                        if matches!(ty, TypeRef::List(_)) {
                            "LIST"
                        } else {
                            "NON_NULL"
                        }
                        .to_string(),
                    ),
                    "ofType" => self.object(&Meta::Type((**inner).clone()), sets),
                    _ => Value::Null,
                };
            }
        };
        match name {
            "kind" => Value::String(type_kind(def).to_string()),
            "name" => Value::String(type_def_name(def).to_string()),
            "description" => opt_str(type_description(def)),
            "specifiedByURL" => match def {
                TypeDefinition::Scalar(s) => directive_arg(&s.directives, "specifiedBy", "url"),
                _ => Value::Null,
            },
            "isOneOf" => match def {
                TypeDefinition::InputObject(i) => {
                    Value::Bool(i.directives.iter().any(|d| d.name == "oneOf"))
                }
                _ => Value::Null,
            },
            "fields" => {
                let fields = match def {
                    TypeDefinition::Object(o) => &o.fields,
                    TypeDefinition::Interface(i) => &i.fields,
                    _ => return Value::Null,
                };
                self.list(
                    fields
                        .iter()
                        .filter(|f| !f.name.starts_with("__"))
                        .filter(|f| include_deprecated || deprecation(&f.directives).is_none())
                        .map(Meta::Field),
                    sets,
                )
            }
            "interfaces" => {
                let interfaces = match def {
                    TypeDefinition::Object(o) => &o.implements_interfaces,
                    TypeDefinition::Interface(i) => &i.implements_interfaces,
                    _ => return Value::Null,
                };
                self.named_list(interfaces.iter().map(String::as_str), sets)
            }
            "possibleTypes" => {
                let names: Vec<&str> = match def {
                    TypeDefinition::Union(u) => u.types.iter().map(String::as_str).collect(),
                    TypeDefinition::Interface(i) => {
                        let mut objects: Vec<&str> = self
                            .index
                            .get(&i.name)
                            .map(|info| info.possible_types.iter().map(String::as_str).collect())
                            .unwrap_or_default();
                        objects.sort_unstable();
                        objects
                    }
                    _ => return Value::Null,
                };
                self.named_list(names.into_iter(), sets)
            }
            "enumValues" => match def {
                TypeDefinition::Enum(e) => self.list(
                    e.values
                        .iter()
                        .filter(|v| include_deprecated || deprecation(&v.directives).is_none())
                        .map(Meta::EnumValue),
                    sets,
                ),
                _ => Value::Null,
            },
            "inputFields" => match def {
                TypeDefinition::InputObject(i) => self.list(
                    i.fields
                        .iter()
                        .filter(|f| include_deprecated || deprecation(&f.directives).is_none())
                        .map(Meta::InputValue),
                    sets,
                ),
                _ => Value::Null,
            },
            _ => Value::Null,
        }
    }

    /// Types listed by name, restricted to those the API schema exposes.
    fn named_list<'n>(
        &self,
        names: impl Iterator<Item = &'n str>,
        sets: &[&SelectionSet],
    ) -> Value {
        self.list(
            names
                .filter_map(|n| self.schema.type_def(n))
                .map(|def| Meta::Type(TypeRef::Named(def))),
            sets,
        )
    }

    fn type_ref(&self, ty: &Type, sets: &[&SelectionSet]) -> Value {
        match self.resolve_type(ty) {
            Some(resolved) => self.object(&Meta::Type(resolved), sets),
            None => Value::Null,
        }
    }

    fn resolve_type(&self, ty: &Type) -> Option<TypeRef<'s>> {
        Some(match ty {
            Type::NamedType(name) => TypeRef::Named(self.schema.type_def(name)?),
            Type::ListType(inner) => TypeRef::List(Box::new(self.resolve_type(inner)?)),
            Type::NonNullType(inner) => TypeRef::NonNull(Box::new(self.resolve_type(inner)?)),
        })
    }
}

fn type_description(def: &TypeDefinition) -> &Option<String> {
    match def {
        TypeDefinition::Scalar(t) => &t.description,
        TypeDefinition::Object(t) => &t.description,
        TypeDefinition::Interface(t) => &t.description,
        TypeDefinition::Union(t) => &t.description,
        TypeDefinition::Enum(t) => &t.description,
        TypeDefinition::InputObject(t) => &t.description,
    }
}

fn type_kind(def: &TypeDefinition) -> &'static str {
    match def {
        TypeDefinition::Scalar(_) => "SCALAR",
        TypeDefinition::Object(_) => "OBJECT",
        TypeDefinition::Interface(_) => "INTERFACE",
        TypeDefinition::Union(_) => "UNION",
        TypeDefinition::Enum(_) => "ENUM",
        TypeDefinition::InputObject(_) => "INPUT_OBJECT",
    }
}

fn opt_str(value: &Option<String>) -> Value {
    value.clone().map(Value::String).unwrap_or(Value::Null)
}

/// `Some(reason)` when the element carries `@deprecated`.
fn deprecation(directives: &[Directive]) -> Option<Value> {
    let directive = directives.iter().find(|d| d.name == "deprecated")?;
    Some(
        directive
            .arguments
            .iter()
            .find(|(name, _)| name == "reason")
            .map(|(_, v)| crate::value::const_to_json(v))
            .unwrap_or_else(|| Value::String("No longer supported".to_string())),
    )
}

fn directive_arg(directives: &[Directive], directive: &str, arg: &str) -> Value {
    directives
        .iter()
        .find(|d| d.name == directive)
        .and_then(|d| d.arguments.iter().find(|(name, _)| name == arg))
        .map(|(_, v)| crate::value::const_to_json(v))
        .unwrap_or(Value::Null)
}

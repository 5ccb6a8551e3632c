//! A lookup structure over the supergraph's types: field output types, type kinds and which
//! object types satisfy a type condition. Used to shape responses and build representations.
// Looked up for every field of every response: foldhash, not SipHash (the keys are the
// supergraph's own names, fixed when it loads).
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use graphql_tools::static_graphql::schema::{Definition, Document, Type, TypeDefinition};

/// The shape of a field's or variable's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    Named(String),
    List(Box<TypeRef>),
    NonNull(Box<TypeRef>),
}

impl TypeRef {
    pub fn from_ast(ty: &Type) -> TypeRef {
        match ty {
            Type::NamedType(name) => TypeRef::Named(name.clone()),
            Type::ListType(inner) => TypeRef::List(Box::new(TypeRef::from_ast(inner))),
            Type::NonNullType(inner) => TypeRef::NonNull(Box::new(TypeRef::from_ast(inner))),
        }
    }

    pub fn is_non_null(&self) -> bool {
        matches!(self, TypeRef::NonNull(_))
    }

    /// The named type under the list and non-null wrappers.
    pub fn named(&self) -> &str {
        match self {
            TypeRef::Named(name) => name,
            TypeRef::List(inner) | TypeRef::NonNull(inner) => inner.named(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeKind {
    Scalar,
    Object,
    Interface,
    Union,
    Enum,
    InputObject,
}

#[derive(Debug)]
pub struct TypeInfo {
    pub kind: TypeKind,
    /// Output fields (objects, interfaces) or input fields (input objects).
    pub fields: HashMap<String, TypeRef>,
    /// Default values of input object fields, as GraphQL literals.
    pub input_defaults: HashMap<String, serde_json::Value>,
    /// Object types that satisfy this type as a type condition (itself for objects).
    pub possible_types: HashSet<String>,
    pub enum_values: HashSet<String>,
    /// Part of the API schema: false for types every subgraph keeps `@inaccessible`.
    pub accessible: bool,
}

#[derive(Debug)]
pub struct SchemaIndex {
    types: HashMap<String, TypeInfo>,
    pub query_type: String,
    pub mutation_type: Option<String>,
    pub subscription_type: Option<String>,
}

const BUILTIN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];

impl SchemaIndex {
    /// Indexes the supergraph's types plus the API schema's introspection types; enum values
    /// are the API schema's, so values a subgraph keeps `@inaccessible` are rejected.
    pub fn build(supergraph: &Document, api_schema: &Document) -> SchemaIndex {
        let mut index = Self::build_from(&[supergraph, api_schema]);
        for scalar in BUILTIN_SCALARS {
            if let Some(info) = index.types.get_mut(scalar) {
                info.accessible = true;
            }
        }
        for definition in &api_schema.definitions {
            let Definition::TypeDefinition(definition) = definition else {
                continue;
            };
            let Some(info) = index.types.get_mut(type_def_name(definition)) else {
                continue;
            };
            info.accessible = true;
            if let TypeDefinition::Enum(e) = definition {
                info.enum_values = e.values.iter().map(|v| v.name.clone()).collect();
            }
        }
        index
    }

    /// Indexes every type definition of the given documents; later documents add types the
    /// earlier ones lack.
    fn build_from(documents: &[&Document]) -> SchemaIndex {
        let mut types: HashMap<String, TypeInfo> = HashMap::new();
        let mut implementations: Vec<(String, String)> = Vec::new();
        let mut unions: Vec<(String, Vec<String>)> = Vec::new();
        let (mut query, mut mutation, mut subscription) = (None, None, None);

        for scalar in BUILTIN_SCALARS {
            types.insert(scalar.to_string(), TypeInfo::new(TypeKind::Scalar));
        }
        for document in documents {
            for definition in &document.definitions {
                match definition {
                    Definition::SchemaDefinition(schema) => {
                        query = query.or_else(|| schema.query.clone());
                        mutation = mutation.or_else(|| schema.mutation.clone());
                        subscription = subscription.or_else(|| schema.subscription.clone());
                    }
                    Definition::TypeDefinition(def) => {
                        let (name, info) = Self::index_type(def, &mut implementations, &mut unions);
                        types.entry(name).or_insert(info);
                    }
                    _ => {}
                }
            }
        }
        for (object, interface) in implementations {
            if let Some(info) = types.get_mut(&interface) {
                info.possible_types.insert(object);
            }
        }
        for (union, members) in unions {
            if let Some(info) = types.get_mut(&union) {
                info.possible_types.extend(members);
            }
        }
        // Root introspection fields are answered by the router and shaped like any other.
        if let Some(query_info) = types.get_mut(query.as_deref().unwrap_or("Query")) {
            query_info.fields.insert(
                "__schema".to_string(),
                TypeRef::NonNull(Box::new(TypeRef::Named("__Schema".to_string()))),
            );
            query_info
                .fields
                .insert("__type".to_string(), TypeRef::Named("__Type".to_string()));
        }
        let default_root = |name: &str| types.contains_key(name).then(|| name.to_string());
        let query_type = query.unwrap_or_else(|| "Query".to_string());
        let mutation_type = mutation.or_else(|| default_root("Mutation"));
        let subscription_type = subscription.or_else(|| default_root("Subscription"));
        SchemaIndex {
            types,
            query_type,
            mutation_type,
            subscription_type,
        }
    }

    fn index_type(
        def: &TypeDefinition,
        implementations: &mut Vec<(String, String)>,
        unions: &mut Vec<(String, Vec<String>)>,
    ) -> (String, TypeInfo) {
        match def {
            TypeDefinition::Scalar(s) => (s.name.clone(), TypeInfo::new(TypeKind::Scalar)),
            TypeDefinition::Object(o) => {
                let mut info = TypeInfo::new(TypeKind::Object);
                info.possible_types.insert(o.name.clone());
                for field in &o.fields {
                    info.fields
                        .insert(field.name.clone(), TypeRef::from_ast(&field.field_type));
                }
                for interface in &o.implements_interfaces {
                    implementations.push((o.name.clone(), interface.clone()));
                }
                (o.name.clone(), info)
            }
            TypeDefinition::Interface(i) => {
                let mut info = TypeInfo::new(TypeKind::Interface);
                for field in &i.fields {
                    info.fields
                        .insert(field.name.clone(), TypeRef::from_ast(&field.field_type));
                }
                (i.name.clone(), info)
            }
            TypeDefinition::Union(u) => {
                unions.push((u.name.clone(), u.types.clone()));
                (u.name.clone(), TypeInfo::new(TypeKind::Union))
            }
            TypeDefinition::Enum(e) => {
                let mut info = TypeInfo::new(TypeKind::Enum);
                info.enum_values = e.values.iter().map(|v| v.name.clone()).collect();
                (e.name.clone(), info)
            }
            TypeDefinition::InputObject(i) => {
                let mut info = TypeInfo::new(TypeKind::InputObject);
                for field in &i.fields {
                    info.fields
                        .insert(field.name.clone(), TypeRef::from_ast(&field.value_type));
                    if let Some(default) = &field.default_value {
                        info.input_defaults
                            .insert(field.name.clone(), crate::value::const_to_json(default));
                    }
                }
                (i.name.clone(), info)
            }
        }
    }

    pub fn get(&self, type_name: &str) -> Option<&TypeInfo> {
        self.types.get(type_name)
    }

    /// Whether clients can see the type: an object of an `@inaccessible` type answers its
    /// field with `null`.
    pub fn is_accessible(&self, type_name: &str) -> bool {
        self.types.get(type_name).is_some_and(|t| t.accessible)
    }

    pub fn kind(&self, type_name: &str) -> Option<TypeKind> {
        self.types.get(type_name).map(|t| t.kind)
    }

    pub fn field_type(&self, type_name: &str, field_name: &str) -> Option<&TypeRef> {
        self.types.get(type_name)?.fields.get(field_name)
    }

    pub fn is_composite(&self, type_name: &str) -> bool {
        matches!(
            self.kind(type_name),
            Some(TypeKind::Object | TypeKind::Interface | TypeKind::Union)
        )
    }

    /// Whether an object of type `object_type` matches the type condition `condition`.
    pub fn satisfies(&self, object_type: &str, condition: &str) -> bool {
        object_type == condition
            || self
                .types
                .get(condition)
                .is_some_and(|info| info.possible_types.contains(object_type))
    }

    pub fn root_type(&self, kind: OperationType) -> Option<&str> {
        match kind {
            OperationType::Query => Some(&self.query_type),
            OperationType::Mutation => self.mutation_type.as_deref(),
            OperationType::Subscription => self.subscription_type.as_deref(),
        }
    }
}

impl TypeInfo {
    fn new(kind: TypeKind) -> TypeInfo {
        TypeInfo {
            kind,
            fields: HashMap::new(),
            input_defaults: HashMap::new(),
            possible_types: HashSet::new(),
            enum_values: HashSet::new(),
            accessible: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperationType {
    Query,
    Mutation,
    Subscription,
}

impl OperationType {
    pub fn as_str(self) -> &'static str {
        match self {
            OperationType::Query => "query",
            OperationType::Mutation => "mutation",
            OperationType::Subscription => "subscription",
        }
    }
}

/// The name a type definition declares.
pub fn type_def_name(def: &TypeDefinition) -> &str {
    match def {
        TypeDefinition::Scalar(t) => &t.name,
        TypeDefinition::Object(t) => &t.name,
        TypeDefinition::Interface(t) => &t.name,
        TypeDefinition::Union(t) => &t.name,
        TypeDefinition::Enum(t) => &t.name,
        TypeDefinition::InputObject(t) => &t.name,
    }
}

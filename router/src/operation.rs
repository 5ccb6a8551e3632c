//! The client's operation compiled into a form the response shaper walks quickly: named
//! fragments inlined (shared through `Arc`), directives reduced to skip/include conditions.
use std::collections::HashMap;
use std::sync::Arc;

use graphql_tools::static_graphql::query::{
    Definition, Directive, Document, FragmentDefinition, OperationDefinition, Selection,
    SelectionSet as AstSelectionSet, TypeCondition, Value as GqlValue,
};
use serde_json::{Map, Value};

use crate::graphql_error::Location;
use crate::schema::index::{OperationType, SchemaIndex, TypeRef};

#[derive(Debug)]
pub struct Operation {
    pub kind: OperationType,
    /// The operation's name in the document, if it has one (for metrics and traces).
    pub name: Option<String>,
    pub root_type: String,
    pub selection: SelectionSet,
    pub variables: Vec<VariableDefinition>,
    /// The size of this operation's last `data`: the next one's buffer starts that big
    /// rather than doubling its way up (each doubling copies what was written so far).
    pub data_size_hint: std::sync::atomic::AtomicUsize,
}

#[derive(Debug)]
pub struct VariableDefinition {
    pub name: String,
    pub ty: TypeRef,
    pub default: Option<Value>,
}

#[derive(Debug, Default)]
pub struct SelectionSet {
    pub items: Vec<Selection2>,
    /// Only unconditional fields with distinct response keys: CollectFields is the identity,
    /// so the shaper walks `items` directly.
    pub plain: bool,
}

/// A selection after compilation (named `Selection2` to keep the parser's `Selection` usable).
#[derive(Debug)]
pub enum Selection2 {
    Field(Field),
    Fragment(Fragment),
}

#[derive(Debug)]
pub struct Field {
    pub response_key: String,
    /// `"response_key":` as JSON, rendered once: the shaper writes it for every object.
    pub key_json: Box<[u8]>,
    pub name: String,
    pub arguments: Vec<(String, GqlValue)>,
    pub condition: Condition,
    pub selection: SelectionSet,
    pub location: Location,
}

#[derive(Debug)]
pub struct Fragment {
    pub type_condition: Option<String>,
    pub condition: Condition,
    pub selection: Arc<SelectionSet>,
}

/// `@skip`/`@include` reduced to what must be checked at execution time.
#[derive(Debug, Default, Clone)]
pub struct Condition {
    skip: Option<CondValue>,
    include: Option<CondValue>,
}

#[derive(Debug, Clone)]
enum CondValue {
    Const(bool),
    Variable(String),
}

impl CondValue {
    fn from_directive(directive: &Directive) -> Option<CondValue> {
        let (_, value) = directive.arguments.iter().find(|(name, _)| name == "if")?;
        match value {
            GqlValue::Boolean(b) => Some(CondValue::Const(*b)),
            GqlValue::Variable(name) => Some(CondValue::Variable(name.clone())),
            _ => None,
        }
    }

    fn eval(&self, variables: &Map<String, Value>) -> bool {
        match self {
            CondValue::Const(b) => *b,
            CondValue::Variable(name) => variables.get(name).and_then(Value::as_bool) == Some(true),
        }
    }
}

impl Condition {
    fn from_directives(directives: &[Directive]) -> Condition {
        let mut condition = Condition::default();
        for directive in directives {
            match directive.name.as_str() {
                "skip" => condition.skip = CondValue::from_directive(directive),
                "include" => condition.include = CondValue::from_directive(directive),
                _ => {}
            }
        }
        condition
    }

    pub fn is_included(&self, variables: &Map<String, Value>) -> bool {
        if let Some(skip) = &self.skip
            && skip.eval(variables)
        {
            return false;
        }
        match &self.include {
            Some(include) => include.eval(variables),
            None => true,
        }
    }
}

/// Picks the operation to execute and compiles it. The document must already be valid.
pub fn compile(
    document: &Document,
    operation_name: Option<&str>,
    schema: &SchemaIndex,
) -> Result<Operation, String> {
    let operation = select_operation(document, operation_name)?;
    let name = match operation {
        OperationDefinition::SelectionSet(_) => None,
        OperationDefinition::Query(q) => q.name.clone(),
        OperationDefinition::Mutation(m) => m.name.clone(),
        OperationDefinition::Subscription(s) => s.name.clone(),
    };
    let (kind, variable_defs, directives_set) = match operation {
        OperationDefinition::SelectionSet(set) => (OperationType::Query, &[][..], set),
        OperationDefinition::Query(q) => (
            OperationType::Query,
            &q.variable_definitions[..],
            &q.selection_set,
        ),
        OperationDefinition::Mutation(m) => (
            OperationType::Mutation,
            &m.variable_definitions[..],
            &m.selection_set,
        ),
        OperationDefinition::Subscription(s) => (
            OperationType::Subscription,
            &s.variable_definitions[..],
            &s.selection_set,
        ),
    };
    let root_type = schema
        .root_type(kind)
        .ok_or_else(|| format!("The schema has no {} root type.", kind.as_str()))?
        .to_string();
    let fragments: HashMap<&str, &FragmentDefinition> = document
        .definitions
        .iter()
        .filter_map(|d| match d {
            Definition::Fragment(f) => Some((f.name.as_str(), f)),
            _ => None,
        })
        .collect();
    let mut compiler = Compiler {
        fragments,
        compiled: HashMap::new(),
    };
    let selection = compiler.selection_set(directives_set);
    let variables = variable_defs
        .iter()
        .map(|v| VariableDefinition {
            name: v.name.clone(),
            ty: TypeRef::from_ast(&v.var_type),
            default: v.default_value.as_ref().map(crate::value::const_to_json),
        })
        .collect();
    Ok(Operation {
        kind,
        name,
        root_type,
        selection,
        variables,
        data_size_hint: Default::default(),
    })
}

/// How much of a requested operation name an error repeats: a name is the client's
/// input, bounded only by the body limit, and an error as large as the request helps
/// no one.
const ECHOED_NAME_CHARS: usize = 64;

/// `name` as an error repeats it: whole when short, else its start and an ellipsis.
fn echoed(name: &str) -> String {
    match name.char_indices().nth(ECHOED_NAME_CHARS) {
        Some((end, _)) => format!("{}…", &name[..end]),
        None => name.to_string(),
    }
}

/// The operation the request asks for, following the GraphQL spec's GetOperation.
pub fn select_operation<'d>(
    document: &'d Document,
    operation_name: Option<&str>,
) -> Result<&'d OperationDefinition, String> {
    let mut operations = document.definitions.iter().filter_map(|d| match d {
        Definition::Operation(op) => Some(op),
        _ => None,
    });
    match operation_name {
        Some(wanted) => operations
            .find(|op| operation_name_of(op) == Some(wanted))
            .ok_or_else(|| format!("Unknown operation named \"{}\".", echoed(wanted))),
        None => {
            let first = operations
                .next()
                .ok_or_else(|| "The document contains no operation.".to_string())?;
            if operations.next().is_some() {
                return Err(
                    "Must provide operation name if query contains multiple operations."
                        .to_string(),
                );
            }
            Ok(first)
        }
    }
}

pub fn operation_name_of(op: &OperationDefinition) -> Option<&str> {
    match op {
        OperationDefinition::SelectionSet(_) => None,
        OperationDefinition::Query(q) => q.name.as_deref(),
        OperationDefinition::Mutation(m) => m.name.as_deref(),
        OperationDefinition::Subscription(s) => s.name.as_deref(),
    }
}

struct Compiler<'d> {
    fragments: HashMap<&'d str, &'d FragmentDefinition>,
    compiled: HashMap<&'d str, Arc<SelectionSet>>,
}

fn key_json(key: &str) -> Box<[u8]> {
    let mut out = Vec::with_capacity(key.len() + 3);
    crate::value::write_json_str(&mut out, key);
    out.push(b':');
    out.into_boxed_slice()
}

impl<'d> Compiler<'d> {
    fn selection_set(&mut self, set: &'d AstSelectionSet) -> SelectionSet {
        let mut items = Vec::with_capacity(set.items.len());
        for selection in &set.items {
            match selection {
                Selection::Field(field) => items.push(Selection2::Field(Field {
                    key_json: key_json(field.alias.as_ref().unwrap_or(&field.name)),
                    response_key: field.alias.clone().unwrap_or_else(|| field.name.clone()),
                    name: field.name.clone(),
                    arguments: field.arguments.clone(),
                    condition: Condition::from_directives(&field.directives),
                    selection: self.selection_set(&field.selection_set),
                    location: Location {
                        line: field.position.line,
                        column: field.position.column,
                    },
                })),
                Selection::InlineFragment(fragment) => {
                    let type_condition = fragment.type_condition.as_ref().map(|tc| match tc {
                        TypeCondition::On(name) => name.clone(),
                    });
                    items.push(Selection2::Fragment(Fragment {
                        type_condition,
                        condition: Condition::from_directives(&fragment.directives),
                        selection: Arc::new(self.selection_set(&fragment.selection_set)),
                    }))
                }
                Selection::FragmentSpread(spread) => {
                    let Some(definition) = self.fragments.get(spread.fragment_name.as_str()) else {
                        continue;
                    };
                    let definition = *definition;
                    let selection = match self.compiled.get(definition.name.as_str()) {
                        Some(compiled) => compiled.clone(),
                        None => {
                            let compiled = Arc::new(self.selection_set(&definition.selection_set));
                            self.compiled
                                .insert(definition.name.as_str(), compiled.clone());
                            compiled
                        }
                    };
                    let TypeCondition::On(type_condition) = &definition.type_condition;
                    items.push(Selection2::Fragment(Fragment {
                        type_condition: Some(type_condition.clone()),
                        condition: Condition::from_directives(&spread.directives),
                        selection,
                    }))
                }
            }
        }
        let mut keys = std::collections::HashSet::new();
        let plain = items.iter().all(|item| match item {
            Selection2::Field(f) => {
                f.condition.skip.is_none()
                    && f.condition.include.is_none()
                    && keys.insert(f.response_key.clone())
            }
            Selection2::Fragment(_) => false,
        });
        SelectionSet { items, plain }
    }
}

/// Fields grouped by response key in first-occurrence order (the spec's CollectFields).
pub type FieldGroups<'o> = Vec<(&'o str, Vec<&'o Field>)>;

/// CollectFields for an object of type `object_type` over one or more merged selection sets.
pub fn collect_fields<'o>(
    sets: &[&'o SelectionSet],
    object_type: &str,
    schema: &SchemaIndex,
    variables: &Map<String, Value>,
) -> FieldGroups<'o> {
    let mut groups: FieldGroups<'o> = Vec::new();
    for set in sets {
        collect_into(set, object_type, schema, variables, &mut groups);
    }
    groups
}

fn collect_into<'o>(
    set: &'o SelectionSet,
    object_type: &str,
    schema: &SchemaIndex,
    variables: &Map<String, Value>,
    groups: &mut FieldGroups<'o>,
) {
    for item in &set.items {
        match item {
            Selection2::Field(field) => {
                if !field.condition.is_included(variables) {
                    continue;
                }
                match groups
                    .iter_mut()
                    .find(|(key, _)| *key == field.response_key)
                {
                    Some((_, fields)) => fields.push(field),
                    None => groups.push((field.response_key.as_str(), vec![field])),
                }
            }
            Selection2::Fragment(fragment) => {
                if !fragment.condition.is_included(variables) {
                    continue;
                }
                if let Some(condition) = &fragment.type_condition
                    && !schema.satisfies(object_type, condition)
                {
                    continue;
                }
                collect_into(&fragment.selection, object_type, schema, variables, groups);
            }
        }
    }
}

/// The sub-selections of a group of same-key fields, merged.
pub fn sub_selections<'o>(fields: &[&'o Field]) -> Vec<&'o SelectionSet> {
    fields
        .iter()
        .map(|f| &f.selection)
        .filter(|s| !s.items.is_empty())
        .collect()
}

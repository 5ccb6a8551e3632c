//! Writes the response `data` exactly as the client's selection asks: response keys in
//! selection order, fragments applied by concrete type, `__typename` filled in, and GraphQL
//! null propagation for non-null positions. Serializes straight into a byte buffer, so the
//! merged subgraph data is never cloned.
use std::sync::atomic::Ordering::Relaxed;

use serde_json::Map;

use crate::auth::scopes::DeniedFields;
use crate::graphql_error::{GraphQLError, PathSegment, codes};
use crate::json::write::write_value;
use crate::json::{Object, Value};
use crate::operation::{Field, Operation, SelectionSet};
use crate::response::plan::{PlannedField, Plans};
use crate::schema::index::{SchemaIndex, TypeInfo, TypeKind, TypeRef};
use crate::value::write_json_str;

/// The largest buffer a size hint may ask for up front (one huge answer should not make
/// every later one reserve as much).
const MAX_SIZE_HINT: usize = 1 << 20;

/// Signals that a non-null position got `null`; the nearest nullable ancestor becomes `null`.
struct NullBubble;

#[derive(Clone, Copy)]
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

struct Shaper<'a> {
    schema: &'a SchemaIndex,
    denied: &'a DeniedFields,
    plans: Plans<'a>,
    existing_errors: &'a [GraphQLError],
    new_errors: Vec<GraphQLError>,
    out: Vec<u8>,
    path: Vec<Seg<'a>>,
}

/// Serializes `data` shaped by `operation`; returns the JSON of the `data` entry and appends
/// null-propagation errors to `errors`. `denied` fields (not planned: the caller may not see
/// them) become `null` with their authorization error.
pub fn shape_data(
    operation: &Operation,
    data: &Value,
    schema: &SchemaIndex,
    variables: &Map<String, serde_json::Value>,
    denied: &DeniedFields,
    errors: &mut Vec<GraphQLError>,
) -> Vec<u8> {
    let mut shaper = Shaper {
        schema,
        denied,
        plans: Plans::new(schema, variables),
        existing_errors: errors,
        new_errors: Vec::new(),
        out: Vec::with_capacity(
            operation
                .data_size_hint
                .load(Relaxed)
                .clamp(256, MAX_SIZE_HINT),
        ),
        path: Vec::with_capacity(16),
    };
    let empty = Object::new();
    let root = data.as_object().unwrap_or(&empty);
    if shaper
        .object(&[&operation.selection], &operation.root_type, root)
        .is_err()
    {
        shaper.out.clear();
        shaper.out.extend_from_slice(b"null");
    }
    let Shaper {
        out, new_errors, ..
    } = shaper;
    operation.data_size_hint.store(out.len(), Relaxed);
    errors.extend(new_errors);
    out
}

impl<'a> Shaper<'a> {
    fn object(
        &mut self,
        sets: &[&'a SelectionSet],
        type_name: &str,
        object: &Object,
    ) -> Result<(), NullBubble> {
        self.out.push(b'{');
        // Subgraphs answer fields in the order asked: each lookup starts after the last.
        let mut hint = 0;
        let plan = self.plans.get(sets, type_name);
        for (index, planned) in plan.fields.iter().enumerate() {
            if index > 0 {
                self.out.push(b',');
            }
            self.field(planned, type_name, object, &mut hint)?;
        }
        self.out.push(b'}');
        Ok(())
    }

    fn field(
        &mut self,
        planned: &PlannedField<'a>,
        type_name: &str,
        object: &Object,
        hint: &mut usize,
    ) -> Result<(), NullBubble> {
        let field = planned.field;
        let key = field.response_key.as_str();
        self.out.extend_from_slice(&field.key_json);
        if field.name == "__typename" {
            write_json_str(&mut self.out, type_name);
            return Ok(());
        }
        let Some(field_type) = planned.ty else {
            self.out.extend_from_slice(b"null");
            return Ok(());
        };
        self.path.push(Seg::Key(key));
        if let Some(error) = self.denied.error_for(type_name, field) {
            let path = self.owned_path();
            self.path.pop();
            self.new_errors.push(error.at(path));
            if field_type.is_non_null() {
                return Err(NullBubble);
            }
            self.out.extend_from_slice(b"null");
            return Ok(());
        }
        let value = object.get_from(key, hint);
        let result = self.value(
            field_type,
            planned.named,
            value,
            &planned.sub,
            type_name,
            field,
        );
        self.path.pop();
        result
    }

    /// Completes a value of type `ty` (whose named type's entry is `named`); a nullable
    /// position absorbs a bubbling null.
    fn value(
        &mut self,
        ty: &TypeRef,
        named: Option<&TypeInfo>,
        value: Option<&Value>,
        sets: &[&'a SelectionSet],
        parent_type: &str,
        field: &Field,
    ) -> Result<(), NullBubble> {
        let value = value.filter(|v| !v.is_null() && self.is_visible(named, v));
        match ty {
            TypeRef::NonNull(inner) => match value {
                None => {
                    self.null_violation(parent_type, field);
                    Err(NullBubble)
                }
                Some(value) => self.non_null_value(inner, named, value, sets, parent_type, field),
            },
            _ => {
                let Some(value) = value else {
                    self.out.extend_from_slice(b"null");
                    return Ok(());
                };
                let start = self.out.len();
                if self
                    .non_null_value(ty, named, value, sets, parent_type, field)
                    .is_err()
                {
                    self.out.truncate(start);
                    self.out.extend_from_slice(b"null");
                }
                Ok(())
            }
        }
    }

    fn non_null_value(
        &mut self,
        ty: &TypeRef,
        named: Option<&TypeInfo>,
        value: &Value,
        sets: &[&'a SelectionSet],
        parent_type: &str,
        field: &Field,
    ) -> Result<(), NullBubble> {
        match ty {
            TypeRef::NonNull(inner) => {
                self.non_null_value(inner, named, value, sets, parent_type, field)
            }
            TypeRef::List(item_type) => {
                let Value::Array(items) = value else {
                    return self.invalid_value(ty, parent_type, field);
                };
                self.out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(b',');
                    }
                    self.path.push(Seg::Index(i));
                    let result = self.value(item_type, named, Some(item), sets, parent_type, field);
                    self.path.pop();
                    result?;
                }
                self.out.push(b']');
                Ok(())
            }
            TypeRef::Named(name) => {
                let kind = named.map(|info| info.kind);
                if !matches!(
                    kind,
                    Some(TypeKind::Object | TypeKind::Interface | TypeKind::Union)
                ) {
                    if !leaf_is_valid(name, named, value) {
                        return self.invalid_value(ty, parent_type, field);
                    }
                    write_value(&mut self.out, value);
                    return Ok(());
                }
                let Value::Object(object) = value else {
                    return self.invalid_value(ty, parent_type, field);
                };
                // An object type is its own runtime type; for an abstract one, the subgraph
                // reported it.
                let concrete = if kind == Some(TypeKind::Object) {
                    name.as_str()
                } else {
                    object
                        .get("__typename")
                        .and_then(Value::as_str)
                        .unwrap_or(name)
                };
                self.object(sets, concrete, object)
            }
        }
    }

    /// False for an object whose runtime type is `@inaccessible` (a subgraph may return one
    /// where the field's type is an interface or union): clients see `null` there, as if the
    /// subgraph had answered it. The router still sends such data to subgraphs in `@requires`.
    fn is_visible(&self, named: Option<&TypeInfo>, value: &Value) -> bool {
        let Value::Object(object) = value else {
            return true;
        };
        if named.is_some_and(|info| info.kind == TypeKind::Object) {
            return true;
        }
        object
            .get("__typename")
            .and_then(Value::as_str)
            .is_none_or(|runtime| self.schema.is_accessible(runtime))
    }

    fn invalid_value(
        &mut self,
        ty: &TypeRef,
        parent_type: &str,
        field: &Field,
    ) -> Result<(), NullBubble> {
        let message = format!(
            "Invalid value for {}.{}: expected {}",
            parent_type,
            field.name,
            type_display(ty)
        );
        self.push_error(message, field);
        Err(NullBubble)
    }

    fn null_violation(&mut self, parent_type: &str, field: &Field) {
        if self.error_overlaps_path() {
            return;
        }
        let message = format!(
            "Cannot return null for non-nullable field {}.{}.",
            parent_type, field.name
        );
        self.push_error(message, field);
    }

    fn push_error(&mut self, message: String, field: &Field) {
        let path = self.owned_path();
        self.new_errors.push(
            GraphQLError::with_code(message, codes::NON_NULL_VIOLATION)
                .at(path)
                .located(vec![field.location]),
        );
    }

    fn owned_path(&self) -> Vec<PathSegment> {
        self.path
            .iter()
            .map(|seg| match seg {
                Seg::Key(k) => PathSegment::Key((*k).to_string()),
                Seg::Index(i) => PathSegment::Index(*i),
            })
            .collect()
    }

    /// Whether an error already explains this null: one at, above or below this path.
    fn error_overlaps_path(&self) -> bool {
        self.existing_errors
            .iter()
            .chain(self.new_errors.iter())
            .any(|error| match &error.path {
                None => false,
                Some(path) => path
                    .iter()
                    .zip(self.path.iter())
                    .all(|(a, b)| match (a, b) {
                        (PathSegment::Key(a), Seg::Key(b)) => a == b,
                        (PathSegment::Index(a), Seg::Index(b)) => a == b,
                        _ => false,
                    }),
            })
    }
}

fn type_display(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Named(name) => name.clone(),
        TypeRef::List(inner) => format!("[{}]", type_display(inner)),
        TypeRef::NonNull(inner) => format!("{}!", type_display(inner)),
    }
}

/// Built-in scalars must have their JSON type and enum values must exist in the API schema
/// (a subgraph may return an @inaccessible value); custom scalars pass through.
fn leaf_is_valid(type_name: &str, info: Option<&TypeInfo>, value: &Value) -> bool {
    match type_name {
        "String" => matches!(value, Value::String(_)),
        "Int" => value.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        "Float" => matches!(value, Value::Number(_)),
        "Boolean" => matches!(value, Value::Bool(_)),
        "ID" => match value {
            Value::String(_) => true,
            Value::Number(n) => n.is_i64() || n.is_u64(),
            _ => false,
        },
        _ => match info {
            Some(info) if info.kind == TypeKind::Enum => {
                value.as_str().is_some_and(|v| info.enum_values.contains(v))
            }
            _ => true,
        },
    }
}

//! Coerces the request's variables against the operation's variable definitions (the
//! spec's CoerceVariableValues): defaults applied, types checked, single values wrapped into
//! lists.
use serde_json::{Map, Value};

use crate::graphql_error::{GraphQLError, codes};
use crate::operation::Operation;
use crate::schema::index::{SchemaIndex, TypeKind, TypeRef};

pub fn coerce(
    operation: &Operation,
    mut provided: Map<String, Value>,
    schema: &SchemaIndex,
) -> Result<Map<String, Value>, Vec<GraphQLError>> {
    let mut coerced = Map::new();
    let mut errors = Vec::new();
    for definition in &operation.variables {
        let name = &definition.name;
        match provided.remove(name) {
            Some(value) => match coerce_value(value, &definition.ty, schema) {
                Ok(value) => {
                    coerced.insert(name.clone(), value);
                }
                Err(reason) => errors.push(bad_input(format!(
                    "Variable \"${name}\" got an invalid value: {reason}"
                ))),
            },
            None => {
                if let Some(default) = &definition.default {
                    coerced.insert(name.clone(), default.clone());
                } else if definition.ty.is_non_null() {
                    errors.push(bad_input(format!(
                        "Variable \"${name}\" of required type \"{}\" was not provided.",
                        display(&definition.ty)
                    )));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(coerced)
    } else {
        Err(errors)
    }
}

fn bad_input(message: String) -> GraphQLError {
    GraphQLError::with_code(message, codes::BAD_USER_INPUT)
}

fn coerce_value(value: Value, ty: &TypeRef, schema: &SchemaIndex) -> Result<Value, String> {
    match ty {
        TypeRef::NonNull(inner) => {
            if value.is_null() {
                return Err(format!("expected non-null {}", display(ty)));
            }
            coerce_value(value, inner, schema)
        }
        _ if value.is_null() => Ok(Value::Null),
        TypeRef::List(inner) => match value {
            Value::Array(items) => items
                .into_iter()
                .map(|item| coerce_value(item, inner, schema))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            single => Ok(Value::Array(vec![coerce_value(single, inner, schema)?])),
        },
        TypeRef::Named(name) => coerce_named(value, name, schema),
    }
}

fn coerce_named(value: Value, name: &str, schema: &SchemaIndex) -> Result<Value, String> {
    let ok = match name {
        "Int" => value.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        "Float" => value.is_number(),
        "String" => value.is_string(),
        "Boolean" => value.is_boolean(),
        "ID" => value.is_string() || value.is_i64() || value.is_u64(),
        _ => {
            let Some(info) = schema.get(name) else {
                return Err(format!("unknown type {name}"));
            };
            match info.kind {
                TypeKind::Enum => value.as_str().is_some_and(|v| info.enum_values.contains(v)),
                TypeKind::InputObject => {
                    return coerce_input_object(value, name, schema);
                }
                // Custom scalars are validated by the subgraph that owns them.
                _ => true,
            }
        }
    };
    if ok {
        // An ID is serialized as a string even when the client sent an integer.
        if name == "ID"
            && let Value::Number(n) = &value
        {
            return Ok(Value::String(n.to_string()));
        }
        Ok(value)
    } else {
        Err(format!("{value} is not a valid {name}"))
    }
}

fn coerce_input_object(value: Value, name: &str, schema: &SchemaIndex) -> Result<Value, String> {
    let Value::Object(mut fields) = value else {
        return Err(format!("expected an object for {name}"));
    };
    let Some(info) = schema.get(name) else {
        return Err(format!("unknown type {name}"));
    };
    if let Some(unknown) = fields.keys().find(|k| !info.fields.contains_key(*k)) {
        return Err(format!("field \"{unknown}\" is not defined by type {name}"));
    }
    let mut coerced = Map::new();
    for (field, field_type) in &info.fields {
        match fields.remove(field) {
            Some(v) => {
                let v = coerce_value(v, field_type, schema)
                    .map_err(|reason| format!("at \"{field}\": {reason}"))?;
                coerced.insert(field.clone(), v);
            }
            None => {
                if let Some(default) = info.input_defaults.get(field) {
                    coerced.insert(field.clone(), default.clone());
                } else if field_type.is_non_null() {
                    return Err(format!(
                        "field \"{field}\" of required type {} was not provided",
                        display(field_type)
                    ));
                }
            }
        }
    }
    Ok(Value::Object(coerced))
}

fn display(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Named(n) => n.clone(),
        TypeRef::List(inner) => format!("[{}]", display(inner)),
        TypeRef::NonNull(inner) => format!("{}!", display(inner)),
    }
}

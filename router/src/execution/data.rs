//! Operations on the merged response data: walking a Flatten path to the entities it names,
//! building representations from a fetch's `requires`, applying rewrites and deep merging.
use crate::json::write::write_value;
use crate::json::{Object, Value};
use hive_router_query_planner::ast::selection_item::SelectionItem;
use hive_router_query_planner::ast::selection_set::SelectionSet;
use hive_router_query_planner::planner::plan_nodes::{
    FetchNodePathSegment, FetchRewrite, FlattenNodePathSegment,
};

use crate::graphql_error::PathSegment;
use crate::schema::index::SchemaIndex;
use crate::value::write_json_str;

pub fn typename(object: &Object) -> Option<&str> {
    object.get("__typename").and_then(Value::as_str)
}

fn matches_type(
    object: &Object,
    conditions: &std::collections::BTreeSet<String>,
    schema: &SchemaIndex,
) -> bool {
    typename(object).is_some_and(|t| conditions.iter().any(|c| schema.satisfies(t, c)))
}

/// Called with each entity object and the list indices that lead to it.
pub type EntityVisitor<'f, 'v> = dyn FnMut(&'v Object, &[u32]) + 'f;

/// Visits every object the path leads to, with the list indices taken on the way. Lists are
/// entered whether or not the path marks them with `@`, so `for_each_target` can replay the indices.
pub fn visit_entities<'v>(
    value: &'v Value,
    path: &[FlattenNodePathSegment],
    schema: &SchemaIndex,
    indices: &mut Vec<u32>,
    visit: &mut EntityVisitor<'_, 'v>,
) {
    match value {
        Value::Array(items) => {
            let rest = match path.first() {
                Some(FlattenNodePathSegment::List) => &path[1..],
                _ => path,
            };
            for (i, item) in items.iter().enumerate() {
                indices.push(i as u32);
                visit_entities(item, rest, schema, indices, visit);
                indices.pop();
            }
        }
        Value::Object(object) => match path.first() {
            None => visit(object, indices),
            Some(FlattenNodePathSegment::Field(name)) => {
                if let Some(child) = object.get(name) {
                    visit_entities(child, &path[1..], schema, indices, visit);
                }
            }
            Some(FlattenNodePathSegment::TypeCondition(types)) => {
                if matches_type(object, types, schema) {
                    visit_entities(value, &path[1..], schema, indices, visit);
                }
            }
            Some(FlattenNodePathSegment::List) => {}
        },
        _ => {}
    }
}

/// One entity to reach again: the list indices `visit_entities` reported for it, and a
/// number the caller gives it back by.
pub type Target<'i> = (&'i [u32], usize);

/// Calls `apply` with the object each target's indices lead to along `path`. Targets must
/// be in the order `visit_entities` reported them (their indices ascending), so the walk
/// goes down each shared prefix once rather than from the root for every entity: on the
/// deep-query benchmark, walking from the root per entity was the router's costliest step.
pub fn for_each_target(
    value: &mut Value,
    path: &[FlattenNodePathSegment],
    targets: &[Target<'_>],
    apply: &mut dyn FnMut(&mut Object, usize),
) {
    walk_targets(value, path, 0, targets, apply);
}

fn walk_targets(
    value: &mut Value,
    path: &[FlattenNodePathSegment],
    depth: usize,
    targets: &[Target<'_>],
    apply: &mut dyn FnMut(&mut Object, usize),
) {
    match value {
        Value::Array(items) => {
            let path = match path.first() {
                Some(FlattenNodePathSegment::List) => &path[1..],
                _ => path,
            };
            let mut rest = targets;
            while let Some(((indices, _), _)) = rest.split_first() {
                let Some(&index) = indices.get(depth) else {
                    rest = &rest[1..];
                    continue;
                };
                let run = rest
                    .iter()
                    .take_while(|(other, _)| other.get(depth) == Some(&index))
                    .count();
                if let Some(item) = items.get_mut(index as usize) {
                    walk_targets(item, path, depth + 1, &rest[..run], apply);
                }
                rest = &rest[run..];
            }
        }
        Value::Object(object) => match path.first() {
            None => {
                for (indices, number) in targets {
                    if indices.len() == depth {
                        apply(object, *number);
                    }
                }
            }
            Some(FlattenNodePathSegment::Field(name)) => {
                if let Some(child) = object.get_mut(name) {
                    walk_targets(child, &path[1..], depth, targets, apply);
                }
            }
            Some(FlattenNodePathSegment::TypeCondition(_)) => {
                walk_targets(value, &path[1..], depth, targets, apply)
            }
            Some(FlattenNodePathSegment::List) => {}
        },
        _ => {}
    }
}

/// The client-facing response path of the object `visit_entities` reported with `indices`.
pub fn response_path(
    path: &[FlattenNodePathSegment],
    indices: &[u32],
    root: &Value,
) -> Vec<PathSegment> {
    let mut segments = Vec::new();
    let (mut value, mut path, mut indices) = (root, path, indices);
    loop {
        match value {
            Value::Array(items) => {
                let Some((first, rest)) = indices.split_first() else {
                    break;
                };
                indices = rest;
                if let Some(FlattenNodePathSegment::List) = path.first() {
                    path = &path[1..];
                }
                segments.push(PathSegment::Index(*first as usize));
                let Some(item) = items.get(*first as usize) else {
                    break;
                };
                value = item;
            }
            Value::Object(object) => match path.first() {
                Some(FlattenNodePathSegment::Field(name)) => {
                    segments.push(PathSegment::Key(name.clone()));
                    let Some(child) = object.get(name) else {
                        break;
                    };
                    value = child;
                    path = &path[1..];
                }
                Some(FlattenNodePathSegment::TypeCondition(_)) => path = &path[1..],
                _ => break,
            },
            _ => break,
        }
    }
    segments
}

/// The leading field names of a Flatten path (up to its first list), for errors that concern
/// a whole fetch.
pub fn path_prefix(path: &[FlattenNodePathSegment]) -> Vec<PathSegment> {
    path.iter()
        .map_while(|seg| match seg {
            FlattenNodePathSegment::Field(name) => Some(PathSegment::Key(name.clone())),
            _ => None,
        })
        .collect()
}

/// An entity's representation: the fields `requires` selects, taken from the merged data.
pub fn representation(
    object: &Object,
    requires: &SelectionSet,
    schema: &SchemaIndex,
) -> Option<Object> {
    let type_name = typename(object)?;
    let mut out = Object::new();
    project_into(object, &requires.items, type_name, schema, &mut out);
    if out.contains_key("__typename") {
        Some(out)
    } else {
        None
    }
}

/// True when `selections` selects fields only, no field twice and no alias, at every level:
/// then a representation is the object's selected fields in selection order, and
/// [`write_plain_representation`] writes it without building a map first.
pub fn is_plain_requires(selections: &SelectionSet) -> bool {
    selections
        .items
        .iter()
        .enumerate()
        .all(|(i, item)| match item {
            SelectionItem::Field(field) => {
                field
                    .alias
                    .as_ref()
                    .is_none_or(|alias| *alias == field.name)
                    && !selections.items[..i].iter().any(
                        |other| matches!(other, SelectionItem::Field(o) if o.name == field.name),
                    )
                    && is_plain_requires(&field.selections)
            }
            _ => false,
        })
}

/// How an entity fetch's representations can be built.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum RequiresShape {
    /// Plain fields (see [`is_plain_requires`]).
    Fields,
    /// Inline fragments only, each of plain fields: the planner's usual
    /// `{ ... on Product { __typename upc } }`.
    Fragments,
    /// Anything else: [`representation`] builds a map.
    General,
}

pub fn requires_shape(requires: &SelectionSet) -> RequiresShape {
    if is_plain_requires(requires) {
        return RequiresShape::Fields;
    }
    let fragments = requires.items.iter().all(
        |item| matches!(item, SelectionItem::InlineFragment(f) if is_plain_requires(&f.selections)),
    );
    if fragments && !requires.items.is_empty() {
        RequiresShape::Fragments
    } else {
        RequiresShape::General
    }
}

/// The plain fields that make `object`'s representation: `Ok(Some(..))`; `Ok(None)` when
/// it has none (no `__typename` to send, or no fragment applies); `Err(())` when only
/// [`representation`] can tell (several fragments apply and would merge).
pub fn plain_fields<'r>(
    object: &Object,
    requires: &'r SelectionSet,
    shape: RequiresShape,
    schema: &SchemaIndex,
) -> Result<Option<&'r SelectionSet>, ()> {
    match shape {
        RequiresShape::Fields => Ok(Some(requires)),
        RequiresShape::General => Err(()),
        RequiresShape::Fragments => {
            let Some(type_name) = typename(object) else {
                return Ok(None);
            };
            let mut applying = requires.items.iter().filter_map(|item| match item {
                SelectionItem::InlineFragment(f)
                    if schema.satisfies(type_name, &f.type_condition) =>
                {
                    Some(&f.selections)
                }
                _ => None,
            });
            match (applying.next(), applying.next()) {
                (first, None) => Ok(first),
                _ => Err(()),
            }
        }
    }
}

/// The representation [`representation`] would build for plain `requires` (see
/// [`is_plain_requires`]), written as JSON into `out`; `false` (and `out` as it was) when
/// the object has no `__typename` to send.
pub fn write_plain_representation(
    object: &Object,
    requires: &SelectionSet,
    out: &mut Vec<u8>,
) -> bool {
    let selects_typename = requires
        .items
        .iter()
        .any(|item| matches!(item, SelectionItem::Field(f) if f.name == "__typename"));
    if !selects_typename || !object.contains_key("__typename") {
        return false;
    }
    write_plain_object(object, requires, out);
    true
}

fn write_plain_object(object: &Object, selections: &SelectionSet, out: &mut Vec<u8>) {
    out.push(b'{');
    let mut first = true;
    for item in &selections.items {
        let SelectionItem::Field(field) = item else {
            continue;
        };
        let Some(value) = object.get(&field.name) else {
            continue;
        };
        if !first {
            out.push(b',');
        }
        first = false;
        write_json_str(out, &field.name);
        out.push(b':');
        write_plain_value(value, &field.selections, out);
    }
    out.push(b'}');
}

fn write_plain_value(value: &Value, selections: &SelectionSet, out: &mut Vec<u8>) {
    match value {
        Value::Array(items) if !selections.items.is_empty() => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_plain_value(item, selections, out);
            }
            out.push(b']');
        }
        Value::Object(object) if !selections.items.is_empty() => {
            write_plain_object(object, selections, out)
        }
        other => write_value(out, other),
    }
}

fn project_into(
    object: &Object,
    items: &[SelectionItem],
    type_name: &str,
    schema: &SchemaIndex,
    out: &mut Object,
) {
    for item in items {
        match item {
            // In `requires`, `price: _internal_qp_alias_0` reads the data under the planner's
            // internal alias and sends it as `price`.
            SelectionItem::Field(field) => {
                let key = field.alias.as_deref().unwrap_or(&field.name);
                if let Some(value) = object.get(&field.name) {
                    let projected = project_value(value, &field.selections, schema);
                    match out.get_mut(key) {
                        Some(existing) => deep_merge(existing, projected),
                        None => {
                            out.insert(key, projected);
                        }
                    }
                }
            }
            SelectionItem::InlineFragment(fragment) => {
                if schema.satisfies(type_name, &fragment.type_condition) {
                    project_into(object, &fragment.selections.items, type_name, schema, out);
                }
            }
            SelectionItem::FragmentSpread(_) => {}
        }
    }
}

fn project_value(value: &Value, selections: &SelectionSet, schema: &SchemaIndex) -> Value {
    if selections.items.is_empty() {
        return value.clone();
    }
    match value {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| project_value(item, selections, schema))
                .collect(),
        ),
        Value::Object(object) => {
            let type_name = typename(object).unwrap_or("");
            let mut out = Object::new();
            project_into(object, &selections.items, type_name, schema, &mut out);
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// Applies input or output rewrites to a representation or a returned entity.
pub fn apply_rewrites(value: &mut Value, rewrites: &[FetchRewrite], schema: &SchemaIndex) {
    for rewrite in rewrites {
        match rewrite {
            FetchRewrite::ValueSetter(setter) => {
                rewrite_at(value, &setter.path, schema, &mut |object, key| {
                    object.insert(key, Value::String(setter.set_value_to.as_str().into()));
                })
            }
            FetchRewrite::KeyRenamer(renamer) => {
                rewrite_at(value, &renamer.path, schema, &mut |object, key| {
                    if let Some(v) = object.remove(key) {
                        object.insert(renamer.rename_key_to.as_str(), v);
                    }
                })
            }
        }
    }
}

fn rewrite_at(
    value: &mut Value,
    path: &[FetchNodePathSegment],
    schema: &SchemaIndex,
    apply: &mut dyn FnMut(&mut Object, &str),
) {
    match value {
        Value::Array(items) => {
            for item in items {
                rewrite_at(item, path, schema, apply);
            }
        }
        Value::Object(object) => match path.split_first() {
            Some((FetchNodePathSegment::Key(key), [])) => apply(object, key),
            Some((FetchNodePathSegment::Key(key), rest)) => {
                if let Some(child) = object.get_mut(key) {
                    rewrite_at(child, rest, schema, apply);
                }
            }
            Some((FetchNodePathSegment::TypenameEquals(types), rest))
                if matches_type(object, types, schema) =>
            {
                rewrite_at(value, rest, schema, apply)
            }
            Some((FetchNodePathSegment::TypenameEquals(_), _)) => {}
            None => {}
        },
        _ => {}
    }
}

/// Merges `source` into `target`: objects field by field, equal-length lists item by item.
pub fn deep_merge(target: &mut Value, source: Value) {
    match (target, source) {
        (Value::Object(target), Value::Object(source)) => {
            for (key, value) in source {
                match target.get_mut(&key) {
                    Some(existing) => deep_merge(existing, value),
                    None => {
                        target.insert(key, value);
                    }
                }
            }
        }
        (Value::Array(target), Value::Array(source)) if target.len() == source.len() => {
            for (t, s) in target.iter_mut().zip(source) {
                deep_merge(t, s);
            }
        }
        // Keep what another subgraph already resolved rather than erasing it with null.
        (Value::Object(_), Value::Null) => {}
        (target, source) => *target = source,
    }
}

#[cfg(test)]
mod tests {
    use hive_router_query_planner::ast::selection_set::FieldSelection;
    use hive_router_query_planner::utils::parsing::safe_parse_schema;
    use serde_json::json;

    use super::*;

    fn from(value: serde_json::Value) -> Value {
        value.into()
    }

    fn field(name: &str, sub: Vec<SelectionItem>) -> SelectionItem {
        SelectionItem::Field(FieldSelection {
            name: name.into(),
            selections: SelectionSet { items: sub },
            ..Default::default()
        })
    }

    fn schema() -> SchemaIndex {
        let sdl = "type Query { book: Book } type Book { id: ID isbn: String shelf: Shelf tags: [Tag] } \
                   type Shelf { id: ID name: String } type Tag { id: ID label: String }";
        let document = safe_parse_schema(sdl).unwrap();
        SchemaIndex::build(&document, &document)
    }

    #[test]
    fn plain_representations_are_the_general_ones_written_directly() {
        let requires = SelectionSet {
            items: vec![
                field("__typename", vec![]),
                field("id", vec![]),
                field("shelf", vec![field("id", vec![])]),
                field("tags", vec![field("id", vec![])]),
            ],
        };
        assert!(is_plain_requires(&requires));
        let schema = schema();
        for object in [
            from(
                json!({"__typename": "Book", "id": "b1", "isbn": "i", "shelf": {"id": "s", "name": "n"},
                   "tags": [{"id": "t1", "label": "x"}, null, {"label": "y"}]}),
            ),
            from(json!({"__typename": "Book", "id": null, "shelf": null})),
            from(json!({"__typename": "Book", "tags": []})),
            from(json!({"id": "no typename"})),
        ] {
            let object = object.as_object().unwrap();
            let general = representation(object, &requires, &schema).map(Value::Object);
            let mut written = Vec::new();
            let direct = write_plain_representation(object, &requires, &mut written)
                .then(|| crate::json::parse::from_slice(&written).unwrap());
            assert_eq!(direct, general, "{object:?}");
        }
    }

    #[test]
    fn a_fragment_per_type_is_written_directly_too() {
        use hive_router_query_planner::ast::selection_set::InlineFragmentSelection;
        let fragment = |on: &str, items: Vec<SelectionItem>| {
            SelectionItem::InlineFragment(InlineFragmentSelection {
                type_condition: on.into(),
                selections: SelectionSet { items },
                skip_if: None,
                include_if: None,
            })
        };
        let requires = SelectionSet {
            items: vec![
                fragment(
                    "Book",
                    vec![field("__typename", vec![]), field("id", vec![])],
                ),
                fragment(
                    "Shelf",
                    vec![field("__typename", vec![]), field("name", vec![])],
                ),
            ],
        };
        let shape = requires_shape(&requires);
        assert!(shape == RequiresShape::Fragments);
        let schema = schema();
        for object in [
            from(json!({"__typename": "Book", "id": "b1", "isbn": "i"})),
            from(json!({"__typename": "Shelf", "id": "s1", "name": "n"})),
            from(json!({"__typename": "Tag", "id": "t1"})),
            from(json!({"id": "no typename"})),
        ] {
            let object = object.as_object().unwrap();
            let general = representation(object, &requires, &schema).map(Value::Object);
            let direct = match plain_fields(object, &requires, shape, &schema) {
                Ok(Some(fields)) => {
                    let mut written = Vec::new();
                    write_plain_representation(object, fields, &mut written)
                        .then(|| crate::json::parse::from_slice(&written).unwrap())
                }
                Ok(None) => None,
                Err(()) => panic!("one fragment applies to {object:?}"),
            };
            assert_eq!(direct, general, "{object:?}");
        }
    }

    #[test]
    fn fragments_aliases_and_repeated_fields_take_the_general_path() {
        let aliased = SelectionSet {
            items: vec![SelectionItem::Field(FieldSelection {
                name: "_internal_qp_alias_0".into(),
                alias: Some("price".into()),
                ..Default::default()
            })],
        };
        assert!(!is_plain_requires(&aliased));
        let repeated = SelectionSet {
            items: vec![
                field("shelf", vec![field("id", vec![])]),
                field("shelf", vec![field("name", vec![])]),
            ],
        };
        assert!(!is_plain_requires(&repeated));
        let nested = SelectionSet {
            items: vec![field(
                "shelf",
                vec![field("id", vec![]), field("id", vec![])],
            )],
        };
        assert!(!is_plain_requires(&nested));
    }
}

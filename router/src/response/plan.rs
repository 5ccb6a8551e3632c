//! What the shaper needs to write an object of one concrete type under one list of
//! selection sets: its fields (CollectFields applied), each field's type and its named
//! type's schema entry. A response repeats the same few (selection sets, type) pairs for
//! every item of every list, so each is worked out once per response and reused; before,
//! every object paid a CollectFields (with its allocations) and two schema lookups per
//! field.
use std::rc::Rc;

use serde_json::{Map, Value};

use crate::operation::{Field, Selection2, SelectionSet, collect_fields, sub_selections};
use crate::schema::index::{SchemaIndex, TypeInfo, TypeRef};

/// One object's plan.
pub struct ObjectPlan<'a> {
    pub fields: Vec<PlannedField<'a>>,
}

/// A response key of the object: the first field with that key, the merged sub-selections
/// of all of them, and the field's type in the concrete type (`None`: the type has no
/// such field; the shaper writes `null`).
pub struct PlannedField<'a> {
    pub field: &'a Field,
    pub sub: Vec<&'a SelectionSet>,
    pub ty: Option<&'a TypeRef>,
    /// The schema entry of `ty` with its list and non-null wrappers taken off.
    pub named: Option<&'a TypeInfo>,
}

/// The plans of one response, by (selection sets, concrete type).
pub struct Plans<'a> {
    schema: &'a SchemaIndex,
    variables: &'a Map<String, Value>,
    /// Selection sets are told apart by address: they live in the operation, which
    /// outlives the response.
    known: Vec<(Vec<usize>, Box<str>, Rc<ObjectPlan<'a>>)>,
}

impl<'a> Plans<'a> {
    pub fn new(schema: &'a SchemaIndex, variables: &'a Map<String, Value>) -> Plans<'a> {
        Plans {
            schema,
            variables,
            known: Vec::new(),
        }
    }

    pub fn get(&mut self, sets: &[&'a SelectionSet], type_name: &str) -> Rc<ObjectPlan<'a>> {
        let same_sets = |known: &[usize]| {
            known.len() == sets.len()
                && known
                    .iter()
                    .zip(sets)
                    .all(|(k, s)| *k == std::ptr::from_ref(*s) as usize)
        };
        if let Some((_, _, plan)) = self
            .known
            .iter()
            .find(|(known, ty, _)| same_sets(known) && **ty == *type_name)
        {
            return plan.clone();
        }
        let plan = Rc::new(self.plan(sets, type_name));
        self.known.push((
            sets.iter()
                .map(|s| std::ptr::from_ref(*s) as usize)
                .collect(),
            type_name.into(),
            plan.clone(),
        ));
        plan
    }

    fn plan(&self, sets: &[&'a SelectionSet], type_name: &str) -> ObjectPlan<'a> {
        let info = self.schema.get(type_name);
        let planned = |field: &'a Field, sub: Vec<&'a SelectionSet>| {
            let ty = info.and_then(|info| info.fields.get(&field.name));
            PlannedField {
                field,
                sub,
                ty,
                named: ty.and_then(|ty| self.schema.get(ty.named())),
            }
        };
        let fields = match sets {
            // A set of plain fields (no fragment, no condition) is its own CollectFields.
            [set] if set.plain => set
                .items
                .iter()
                .filter_map(|item| match item {
                    Selection2::Field(field) => Some(planned(field, vec![&field.selection])),
                    Selection2::Fragment(_) => None,
                })
                .collect(),
            _ => collect_fields(sets, type_name, self.schema, self.variables)
                .into_iter()
                .map(|(_, fields)| planned(fields[0], sub_selections(&fields)))
                .collect(),
        };
        ObjectPlan { fields }
    }
}

//! The router's own JSON value, for subgraph data on its way to the client: parsed from each
//! subgraph response, merged across fetches, read to build representations and shaped into
//! the response. `serde_json::Value` keeps objects in B-trees (a node of eleven slots for any
//! object, and a key comparison per level on every lookup and insert); GraphQL objects are
//! small and their fields come in a predictable order, so here an object is a vector of
//! entries searched from where the last lookup left off.
//!
//! - [`parse`]: bytes → [`Value`], without an intermediate tree;
//! - [`write`]: [`Value`] → JSON bytes.
pub mod parse;
pub mod write;

pub use serde_json::Number;

/// A JSON value.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(Box<str>),
    Array(Vec<Value>),
    Object(Object),
}

/// A JSON object: entries in the order they were parsed or inserted, keys unique.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Object {
    entries: Vec<(Box<str>, Value)>,
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// `value.get(key)` of an object; `None` for anything else.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?.get(key)
    }
}

impl Object {
    pub fn new() -> Object {
        Object::default()
    }

    pub fn with_capacity(capacity: usize) -> Object {
        Object {
            entries: Vec::with_capacity(capacity),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.entries.iter().position(|(k, _)| &**k == key)
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries
            .iter()
            .find(|(k, _)| &**k == key)
            .map(|(_, v)| v)
    }

    /// [`get`](Self::get), trying entry `*hint` first and leaving `*hint` after the entry
    /// found: reading an object's fields in the order they were written costs one
    /// comparison each.
    pub fn get_from(&self, key: &str, hint: &mut usize) -> Option<&Value> {
        if let Some((k, v)) = self.entries.get(*hint)
            && &**k == key
        {
            *hint += 1;
            return Some(v);
        }
        let at = self.position(key)?;
        *hint = at + 1;
        Some(&self.entries[at].1)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.entries
            .iter_mut()
            .find(|(k, _)| &**k == key)
            .map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Sets `key` to `value`, replacing (in place) a value already there.
    pub fn insert(&mut self, key: impl Into<Box<str>> + AsRef<str>, value: Value) {
        match self.position(key.as_ref()) {
            Some(at) => self.entries[at].1 = value,
            None => self.entries.push((key.into(), value)),
        }
    }

    /// Appends an entry known not to be there yet (a parser's, or a writer's that checked).
    pub(crate) fn push_unique(&mut self, key: Box<str>, value: Value) {
        self.entries.push((key, value));
    }

    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let at = self.position(key)?;
        Some(self.entries.remove(at).1)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(k, v)| (&**k, v))
    }
}

impl IntoIterator for Object {
    type Item = (Box<str>, Value);
    type IntoIter = std::vec::IntoIter<(Box<str>, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl FromIterator<(Box<str>, Value)> for Object {
    /// Later entries replace earlier ones with the same key.
    fn from_iter<I: IntoIterator<Item = (Box<str>, Value)>>(iter: I) -> Self {
        let mut object = Object::new();
        for (k, v) in iter {
            object.insert(k, v);
        }
        object
    }
}

impl From<serde_json::Value> for Value {
    fn from(value: serde_json::Value) -> Value {
        match value {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(n),
            serde_json::Value::String(s) => Value::String(s.into()),
            serde_json::Value::Array(items) => {
                Value::Array(items.into_iter().map(Value::from).collect())
            }
            serde_json::Value::Object(map) => Value::Object(Object {
                entries: map.into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
            }),
        }
    }
}

impl From<&Value> for serde_json::Value {
    fn from(value: &Value) -> serde_json::Value {
        match value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::Value::Number(n.clone()),
            Value::String(s) => serde_json::Value::String(s.to_string()),
            Value::Array(items) => serde_json::Value::Array(items.iter().map(Into::into).collect()),
            Value::Object(object) => serde_json::Value::Object(
                object
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.into()))
                    .collect(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Value {
        serde_json::from_str::<serde_json::Value>(text)
            .unwrap()
            .into()
    }

    #[test]
    fn lookups_find_keys_in_any_order_and_hints_follow_the_entries() {
        let value = parse(r#"{"a": 1, "b": "x", "c": null}"#);
        let object = value.as_object().unwrap();
        let mut hint = 0;
        assert_eq!(object.get_from("a", &mut hint), Some(&parse("1")));
        assert_eq!(hint, 1);
        assert_eq!(object.get_from("b", &mut hint), Some(&parse("\"x\"")));
        assert_eq!(
            object.get_from("a", &mut hint),
            Some(&parse("1")),
            "out of order"
        );
        assert_eq!(hint, 1);
        assert_eq!(object.get_from("zz", &mut hint), None);
        assert_eq!(object.get("c"), Some(&Value::Null));
    }

    #[test]
    fn insert_replaces_in_place_and_remove_keeps_the_order() {
        let mut object = Object::new();
        object.insert("a", Value::Bool(true));
        object.insert("b", Value::Null);
        object.insert("a", Value::Bool(false));
        assert_eq!(object.len(), 2);
        assert_eq!(object.iter().next(), Some(("a", &Value::Bool(false))));
        assert_eq!(object.remove("a"), Some(Value::Bool(false)));
        assert_eq!(object.iter().map(|(k, _)| k).collect::<Vec<_>>(), ["b"]);
    }
}

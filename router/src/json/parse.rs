//! Bytes → [`Value`]: a serde visitor that builds the router's values directly, so a
//! subgraph response is parsed once, into its final shape.
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};

use super::{Number, Object, Value};

/// Parses a JSON document.
#[cfg(test)]
pub fn from_slice(bytes: &[u8]) -> serde_json::Result<Value> {
    serde_json::from_slice(bytes)
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(Number::from_f64(n).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.into()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s.into_boxed_str()))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Deserialize::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    /// Keys are taken as they come: a GraphQL response never repeats one, and checking
    /// would make parsing an object quadratic. Were one repeated, lookups see the first.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Object::with_capacity(map.size_hint().unwrap_or(0).min(256));
        while let Some(key) = map.next_key::<Key>()? {
            object.push_unique(key.0, map.next_value()?);
        }
        Ok(Value::Object(object))
    }
}

struct Key(Box<str>);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_str<E>(self, s: &str) -> Result<Key, E> {
                Ok(Key(s.into()))
            }
            fn visit_string<E>(self, s: String) -> Result<Key, E> {
                Ok(Key(s.into_boxed_str()))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_serde_json_parses_to_the_same_value() {
        for text in [
            r#"{"data":{"a":[1,-2,3.5,"s\n\"q\"",true,null,{"b":{}}],"c":"é"},"errors":[]}"#,
            "[]",
            "12345678901234567890",
            r#""\ud83d\ude00""#,
        ] {
            let direct = from_slice(text.as_bytes()).unwrap();
            let via: Value = serde_json::from_str::<serde_json::Value>(text)
                .unwrap()
                .into();
            assert_eq!(direct, via, "{text}");
        }
    }

    #[test]
    fn objects_keep_the_order_of_the_document() {
        let value = from_slice(br#"{"z":1,"a":2,"m":3}"#).unwrap();
        let keys: Vec<&str> = value.as_object().unwrap().iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["z", "a", "m"]);
    }

    #[test]
    fn malformed_documents_are_errors() {
        for text in ["{", r#"{"a":}"#, "[1,]", ""] {
            assert!(from_slice(text.as_bytes()).is_err(), "{text}");
        }
    }
}

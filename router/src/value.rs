//! Conversions between GraphQL literals and JSON values.
use graphql_tools::static_graphql::query::Value as GqlValue;
use serde_json::{Map, Number, Value};

/// A literal without variables (default values, schema arguments) as JSON.
pub fn const_to_json(value: &GqlValue) -> Value {
    to_json(value, &Map::new())
}

/// A literal as JSON, resolving `$variables` from the (already coerced) variables.
/// Unknown variables become `null`.
pub fn to_json(value: &GqlValue, variables: &Map<String, Value>) -> Value {
    match value {
        GqlValue::Variable(name) => variables.get(name).cloned().unwrap_or(Value::Null),
        GqlValue::Int(n) => n.as_i64().map(Value::from).unwrap_or(Value::Null),
        GqlValue::Float(f) => Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        GqlValue::String(s) => Value::String(s.clone()),
        GqlValue::Boolean(b) => Value::Bool(*b),
        GqlValue::Null => Value::Null,
        GqlValue::Enum(e) => Value::String(e.clone()),
        GqlValue::List(items) => {
            Value::Array(items.iter().map(|v| to_json(v, variables)).collect())
        }
        GqlValue::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), to_json(v, variables)))
                .collect(),
        ),
    }
}

/// Appends `s` as a JSON string literal. Almost every string the router writes needs no
/// escape, so it is checked eight bytes at a time and copied whole; only a string that has
/// a quote, a backslash or a control character goes through serde_json.
pub fn write_json_str(out: &mut Vec<u8>, s: &str) {
    if needs_escape(s.as_bytes()) {
        // serde_json writes strings into a Vec without failing.
        let _ = serde_json::to_writer(&mut *out, s);
    } else {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    }
}

fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte of `x` is zero ⇔ its high bit is set here (no false positives below the
    // first zero byte, which is all `any` needs).
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        // Bytes below 0x20: subtracting 0x20 borrows into the high bit only for them
        // (ASCII) or for bytes ≥ 0x80 that `!w` then masks out.
        let control = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
        if control | has_zero(w ^ (ONES * b'"' as u64)) | has_zero(w ^ (ONES * b'\\' as u64)) != 0 {
            return true;
        }
    }
    chunks
        .remainder()
        .iter()
        .any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        let mut samples: Vec<String> = [
            "",
            "plain",
            "exactly8",
            "sixteen bytes ok",
            "quote\" inside",
            "back\\slash",
            "new\nline",
            "tab\there",
            "\u{1f}",
            "\u{7f} del is fine",
            "é€😀 and more text",
            "0123456\"",
            "01234567\"",
            "012345678\\",
            "\u{0}nul",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every byte value that may appear in UTF-8 text, at every position of a word.
        for b in (0u8..0x80).chain([0xc3]) {
            for at in 0..9 {
                let mut s = "abcdefghi".to_string().into_bytes();
                s[at] = b;
                if let Ok(s) = String::from_utf8(s) {
                    samples.push(s);
                }
            }
        }
        samples.push("ééééé".into());
        for s in samples {
            let mut ours = Vec::new();
            write_json_str(&mut ours, &s);
            assert_eq!(ours, serde_json::to_vec(&s).unwrap(), "{s:?}");
        }
    }
}

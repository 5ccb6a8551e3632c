//! Where clients put their credentials in the `connection_init` payload. There is no
//! standard: `graphql-ws` users pass whatever `connectionParams` they like, and the common
//! shapes are `{"Authorization": "Bearer …"}` (any case), Apollo Client's
//! `{"headers": {"Authorization": "Bearer …"}}`, and subscriptions-transport-ws era
//! `{"authToken": "…"}` / `{"token": "…"}` holding the bare token.

use serde_json::{Map, Value};

/// The `Authorization` value the payload carries, if any. `Err` names the field that
/// holds something other than a string.
pub fn authorization(payload: Option<&Value>) -> Result<Option<String>, String> {
    let Some(fields) = payload.and_then(Value::as_object) else {
        return Ok(None);
    };
    if let Some(value) = string_field(fields, "authorization")? {
        return Ok(Some(value));
    }
    if let Some(headers) = field(fields, "headers").and_then(Value::as_object)
        && let Some(value) = string_field(headers, "authorization")?
    {
        return Ok(Some(value));
    }
    for name in ["authToken", "token"] {
        if let Some(token) = string_field(fields, name)? {
            return Ok(Some(bearer(&token)));
        }
    }
    Ok(None)
}

fn field<'a>(fields: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    fields
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
}

fn string_field(fields: &Map<String, Value>, name: &str) -> Result<Option<String>, String> {
    match field(fields, name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => Ok(Some(value.clone())),
        Some(_) => Err(format!("{name} must be a string")),
    }
}

/// A bare token as an `Authorization` value; one that already names its scheme is kept.
fn bearer(token: &str) -> String {
    let token = token.trim();
    if token.len() > 7 && token[..7].eq_ignore_ascii_case("bearer ") {
        token.to_string()
    } else {
        format!("Bearer {token}")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::authorization;

    fn read(payload: serde_json::Value) -> Result<Option<String>, String> {
        authorization(Some(&payload))
    }

    #[test]
    fn the_common_shapes_give_the_same_header() {
        let want = Ok(Some("Bearer abc".to_string()));
        assert_eq!(read(json!({"Authorization": "Bearer abc"})), want);
        assert_eq!(read(json!({"authorization": "Bearer abc"})), want);
        assert_eq!(
            read(json!({"headers": {"Authorization": "Bearer abc"}})),
            want
        );
        assert_eq!(read(json!({"authToken": "abc"})), want);
        assert_eq!(read(json!({"token": "Bearer abc"})), want);
    }

    #[test]
    fn a_top_level_authorization_wins_and_nothing_is_no_credentials() {
        assert_eq!(
            read(json!({"Authorization": "Bearer top", "authToken": "other"})),
            Ok(Some("Bearer top".to_string()))
        );
        assert_eq!(read(json!({})), Ok(None));
        assert_eq!(read(json!({"Authorization": null})), Ok(None));
        assert_eq!(authorization(None), Ok(None));
        assert_eq!(authorization(Some(&json!("not an object"))), Ok(None));
    }

    #[test]
    fn a_credential_that_is_not_a_string_is_refused_by_name() {
        assert_eq!(
            read(json!({"Authorization": 42})),
            Err("authorization must be a string".to_string())
        );
        assert_eq!(
            read(json!({"authToken": {"x": 1}})),
            Err("authToken must be a string".to_string())
        );
    }
}

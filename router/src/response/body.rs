//! The JSON of a GraphQL response, written from the shaped `data` bytes and the errors.
use crate::graphql_error::GraphQLError;

/// `{"errors":[…]}`: a request that never reached execution.
pub fn error_body(errors: &[GraphQLError]) -> Vec<u8> {
    let mut body = Vec::with_capacity(256);
    body.extend_from_slice(b"{\"errors\":");
    // Serializing our own error structs into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut body, errors);
    body.push(b'}');
    body
}

/// `{"data":…,"errors":[…]}` with `data` already serialized; `errors` only when there are some.
pub fn data_body(data: Vec<u8>, errors: &[GraphQLError]) -> Vec<u8> {
    let mut body = Vec::with_capacity(data.len() + 16);
    body.extend_from_slice(b"{\"data\":");
    body.extend_from_slice(&data);
    if !errors.is_empty() {
        body.extend_from_slice(b",\"errors\":");
        let _ = serde_json::to_writer(&mut body, errors);
    }
    body.push(b'}');
    body
}

//! Parse: the operation text to a document, under the token limit, and the key the text is
//! cached by.
use std::hash::Hasher;

use graphql_tools::parser::query::parse_query_with_token_limit;
use graphql_tools::static_graphql::query::Document;
use xxhash_rust::xxh3::Xxh3;

use crate::graphql_error::{GraphQLError, codes};

/// The cache key of an operation: its text and the operation name.
pub fn cache_key(query: &str, operation_name: Option<&str>) -> u64 {
    let mut hasher = Xxh3::new();
    hasher.write(query.as_bytes());
    hasher.write_u8(0xff);
    if let Some(name) = operation_name {
        hasher.write(name.as_bytes());
    }
    hasher.finish()
}

pub fn parse(query: &str, max_tokens: usize) -> Result<Document, Vec<GraphQLError>> {
    parse_query_with_token_limit::<String>(query, max_tokens)
        .map(|d| d.into_static())
        .map_err(|e| {
            let message = e.to_string();
            let code = if message.contains("Token limit exceeded") {
                codes::OPERATION_LIMIT_EXCEEDED
            } else {
                codes::PARSE_FAILED
            };
            vec![GraphQLError::with_code(message.trim().to_string(), code)]
        })
}

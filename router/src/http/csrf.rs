//! Cross-site request forgery prevention (see [`CsrfConfig`]): a request is executed only
//! if a browser would have had to preflight it, so a page on another site can never make a
//! visitor's browser run an operation. Mart authenticates with a bearer token a browser
//! never attaches by itself, so today this guards what ambient credentials a deployment adds
//! (a cookie-setting proxy, an address allowlist) rather than Mart's own.
use axum::http::{HeaderMap, header};

use crate::config::CsrfConfig;

/// The content types a browser sends cross-site without a preflight.
const SIMPLE_CONTENT_TYPES: [&str; 3] = [
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "text/plain",
];

/// Whether the request carries something a browser only sends after a CORS preflight: a
/// `Content-Type` that is not a simple one, or one of the configured headers.
pub fn preflighted(headers: &HeaderMap, config: &CsrfConfig) -> bool {
    let non_simple_content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim())
        .is_some_and(|essence| {
            !SIMPLE_CONTENT_TYPES
                .iter()
                .any(|simple| simple.eq_ignore_ascii_case(essence))
        });
    non_simple_content_type
        || config
            .required_headers
            .iter()
            .any(|name| headers.contains_key(name.as_str()))
}

/// The refusal's message names what to add, since the fix is on the client.
pub fn message(config: &CsrfConfig) -> String {
    format!(
        "This GET request was refused to prevent cross-site request forgery: send \
         Content-Type: application/json or one of these headers: {}.",
        config.required_headers.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn with(name: &'static str, value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn only_what_a_browser_must_preflight_passes() {
        let config = CsrfConfig::default();
        assert!(!preflighted(&HeaderMap::new(), &config));
        assert!(!preflighted(
            &with("content-type", "text/plain; charset=utf-8"),
            &config
        ));
        assert!(!preflighted(
            &with("content-type", "Multipart/Form-Data"),
            &config
        ));
        assert!(!preflighted(&with("accept", "application/json"), &config));
        assert!(preflighted(
            &with("content-type", "application/json"),
            &config
        ));
        assert!(preflighted(
            &with("apollo-require-preflight", "true"),
            &config
        ));
        assert!(preflighted(&with("x-mart-preflight", "1"), &config));
        assert!(preflighted(
            &with("x-apollo-operation-name", "Products"),
            &config
        ));
    }
}

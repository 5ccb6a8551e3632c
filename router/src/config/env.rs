//! `MART_ROUTER_*` environment variables, applied over the YAML file.
use std::path::PathBuf;

use super::{ConfigError, RouterConfig};

impl RouterConfig {
    /// Applies `MART_ROUTER_*` overrides from the given variables.
    pub fn apply_env(
        &mut self,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(), ConfigError> {
        for (name, value) in vars {
            let Some(key) = name.strip_prefix("MART_ROUTER_") else {
                continue;
            };
            let bad = || ConfigError::Env {
                name: name.clone(),
                value: value.clone(),
            };
            match key {
                "LISTEN" => self.listen = value.parse().map_err(|_| bad())?,
                "SUPERGRAPH" => self.supergraph_path = PathBuf::from(&value),
                "TLS_CA_FILE" => {
                    self.tls_ca_file = Some(PathBuf::from(&value)).filter(|_| !value.is_empty());
                }
                "HOT_RELOAD" => self.hot_reload = parse_bool(&value).ok_or_else(bad)?,
                "SUBGRAPH_TIMEOUT_MS" => {
                    self.subgraph_timeout_ms = value.parse().map_err(|_| bad())?
                }
                "DEDUPLICATE" => {
                    self.deduplicate_subgraph_requests = parse_bool(&value).ok_or_else(bad)?
                }
                "DEDUPLICATE_REQUESTS" => {
                    self.deduplicate_requests = parse_bool(&value).ok_or_else(bad)?
                }
                "INTROSPECTION" => self.introspection = parse_bool(&value).ok_or_else(bad)?,
                "PLAYGROUND" => self.playground = parse_bool(&value).ok_or_else(bad)?,
                "PLAN_CACHE_SIZE" => self.plan_cache_size = value.parse().map_err(|_| bad())?,
                "BODY_LIMIT" => self.body_limit_bytes = value.parse().map_err(|_| bad())?,
                "MAX_COST" => self.limits.max_cost = value.parse().map_err(|_| bad())?,
                "SUBGRAPH_SECRET" => self.subgraph_signer = mart_auth::RequestSigner::new(&value),
                "HEADER_READ_TIMEOUT_MS" => {
                    self.header_read_timeout_ms = value.parse().map_err(|_| bad())?
                }
                "IDLE_TIMEOUT_MS" => self.idle_timeout_ms = value.parse().map_err(|_| bad())?,
                "REQUEST_TIMEOUT_MS" => {
                    self.request_timeout_ms = value.parse().map_err(|_| bad())?
                }
                "CSRF_PREVENTION" => self.csrf.enabled = parse_bool(&value).ok_or_else(bad)?,
                "CSRF_REQUIRED_HEADERS" => self.csrf.required_headers = split_list(&value),
                "CORS_ORIGINS" => self.cors.allow_origins = split_list(&value),
                "PROPAGATE_HEADERS" => self.headers.propagate = split_list(&value),
                "JWKS_URL" => self.auth.jwks_url = Some(value.clone()).filter(|v| !v.is_empty()),
                "JWT_ISSUER" => self.auth.issuer = Some(value.clone()),
                "JWT_AUDIENCE" => self.auth.audience = Some(value.clone()),
                "JWT_LEEWAY_SECS" => self.auth.leeway_secs = value.parse().map_err(|_| bad())?,
                "SUBSCRIPTIONS" => {
                    self.subscriptions.enabled = parse_bool(&value).ok_or_else(bad)?
                }
                "SUBSCRIPTION_KEEPALIVE_MS" => {
                    self.subscriptions.keepalive_interval_ms = value.parse().map_err(|_| bad())?
                }
                "SUBSCRIPTION_CLIENT_TIMEOUT_MS" => {
                    self.subscriptions.client_timeout_ms = value.parse().map_err(|_| bad())?
                }
                "SUBSCRIPTION_INIT_TIMEOUT_MS" => {
                    self.subscriptions.connection_init_timeout_ms =
                        value.parse().map_err(|_| bad())?
                }
                "SUBSCRIPTION_MAX_PER_CONNECTION" => {
                    self.subscriptions.max_subscriptions_per_connection =
                        value.parse().map_err(|_| bad())?
                }
                "SUBSCRIPTION_QUEUE_CAPACITY" => {
                    self.subscriptions.client_queue_capacity = value.parse().map_err(|_| bad())?
                }
                "MAX_STREAMS_PER_CLIENT" => {
                    self.subscriptions.max_streams_per_client = value.parse().map_err(|_| bad())?
                }
                "MAX_STREAMS" => {
                    self.subscriptions.max_streams = value.parse().map_err(|_| bad())?
                }
                // CONFIG is read by the binaries before the configuration is loaded;
                // PORT and URL belong to the service kit's settings (`mart up`).
                "CONFIG" | "PORT" | "URL" => {}
                _ => match key.strip_prefix("SUBGRAPH_URL_") {
                    Some(subgraph) if !subgraph.is_empty() => {
                        self.subgraph_urls
                            .insert(subgraph.to_ascii_lowercase(), value.clone());
                    }
                    _ => return Err(ConfigError::UnknownEnv { name: name.clone() }),
                },
            }
        }
        Ok(())
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

//! Configuration shared by every service, read from `MART_*` environment variables.
//!
//! Every variable is listed once in [`ENV_VARS`] with its default and meaning; the
//! README's configuration table and the docker-compose drift test read that list.

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// The services `mart` knows, with the port each listens on by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServiceName {
    Router,
    Products,
    Inventory,
    Users,
    Orders,
    Payments,
    Shipping,
    Notifications,
    Checkout,
}

impl ServiceName {
    /// Every service, in start order (subgraphs first, router last).
    // A service joins this list once its subgraph can start.
    pub const ALL: &'static [ServiceName] = &[
        Self::Products,
        Self::Inventory,
        Self::Users,
        Self::Orders,
        Self::Payments,
        Self::Shipping,
        Self::Notifications,
        Self::Checkout,
        Self::Router,
    ];

    /// The subgraphs only.
    pub fn subgraphs() -> impl Iterator<Item = ServiceName> {
        Self::ALL.iter().copied().filter(|s| *s != Self::Router)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Router => "router",
            Self::Products => "products",
            Self::Inventory => "inventory",
            Self::Users => "users",
            Self::Orders => "orders",
            Self::Payments => "payments",
            Self::Shipping => "shipping",
            Self::Notifications => "notifications",
            Self::Checkout => "checkout",
        }
    }

    pub fn default_port(self) -> u16 {
        match self {
            Self::Router => 4000,
            Self::Products => 4001,
            Self::Inventory => 4002,
            Self::Users => 4003,
            Self::Orders => 4004,
            Self::Payments => 4005,
            Self::Shipping => 4006,
            Self::Notifications => 4007,
            Self::Checkout => 4008,
        }
    }

    /// `MART_<SERVICE>_PORT`
    pub fn port_var(self) -> String {
        format!("MART_{}_PORT", self.as_str().to_uppercase())
    }

    /// `MART_<SERVICE>_URL`: where other services reach this one.
    pub fn url_var(self) -> String {
        format!("MART_{}_URL", self.as_str().to_uppercase())
    }
}

impl fmt::Display for ServiceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ServiceName {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|n| n.as_str() == s)
            .ok_or_else(|| ConfigError::UnknownService(s.to_string()))
    }
}

/// One documented environment variable.
pub struct EnvVar {
    pub name: &'static str,
    pub default: &'static str,
    pub meaning: &'static str,
}

/// Every variable [`ServiceConfig::from_env`] reads, besides the per-service
/// `MART_<SERVICE>_PORT` and `MART_<SERVICE>_URL` (see [`ServiceName`]).
pub const ENV_VARS: &[EnvVar] = &[
    EnvVar {
        name: "MART_DATABASE_URL",
        default: "postgres://postgres@127.0.0.1:5432",
        meaning: "PostgreSQL server; each service creates and migrates its own database on it",
    },
    EnvVar {
        name: "MART_DATABASE_TLS",
        default: "false",
        meaning: "true: every PostgreSQL connection uses TLS, the server's certificate verified (chain and host name) against the web PKI and MART_TLS_CA_FILE",
    },
    EnvVar {
        name: "MART_DATABASE_PREFIX",
        default: "mart_",
        meaning: "prefix of each service's database name (products uses mart_products)",
    },
    EnvVar {
        name: "MART_DATABASE_POOL_SIZE",
        default: "16",
        meaning: "maximum Postgres connections per service",
    },
    EnvVar {
        name: "MART_KAFKA_BROKERS",
        default: "127.0.0.1:9092",
        meaning: "Kafka bootstrap servers, comma separated",
    },
    EnvVar {
        name: "MART_KAFKA_SECURITY_PROTOCOL",
        default: "plaintext",
        meaning: "how every Kafka client reaches the brokers: plaintext, ssl (TLS), sasl_plaintext or sasl_ssl (SASL over TLS)",
    },
    EnvVar {
        name: "MART_KAFKA_CA_FILE",
        default: "",
        meaning: "PEM file of the CAs the brokers' TLS certificates are checked against (default: the system's)",
    },
    EnvVar {
        name: "MART_KAFKA_CERT_FILE",
        default: "",
        meaning: "PEM client certificate for brokers that require one (with MART_KAFKA_KEY_FILE)",
    },
    EnvVar {
        name: "MART_KAFKA_KEY_FILE",
        default: "",
        meaning: "PEM private key of MART_KAFKA_CERT_FILE",
    },
    EnvVar {
        name: "MART_KAFKA_SASL_MECHANISM",
        default: "SCRAM-SHA-512",
        meaning: "SASL mechanism for the sasl_* protocols: SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN",
    },
    EnvVar {
        name: "MART_KAFKA_SASL_USERNAME",
        default: "",
        meaning: "SASL user for the sasl_* protocols",
    },
    EnvVar {
        name: "MART_KAFKA_SASL_PASSWORD",
        default: "",
        meaning: "SASL password for the sasl_* protocols (a secret: never logged)",
    },
    EnvVar {
        name: "MART_TOPIC_PREFIX",
        default: "mart.",
        meaning: "prefix of every Kafka topic and consumer group",
    },
    EnvVar {
        name: "MART_REDIS_URL",
        default: "redis://127.0.0.1:6379",
        meaning: "Redis server for notification fan-out (rediss:// for TLS)",
    },
    EnvVar {
        name: "MART_BIND_HOST",
        default: "127.0.0.1",
        meaning: "address every service listens on (0.0.0.0 in containers)",
    },
    EnvVar {
        name: "MART_DATA_DIR",
        default: "data",
        meaning: "directory for local state (the broker's files, development keys)",
    },
    EnvVar {
        name: "MART_JWT_PRIVATE_KEY",
        default: "",
        meaning: "PEM file (Ed25519 PKCS#8, or RSA) of the key the users service signs access tokens with; empty: <MART_DATA_DIR>/keys/jwt-signing.pem, generated on first start",
    },
    EnvVar {
        name: "MART_JWT_PUBLISHED_KEYS",
        default: "",
        meaning: "comma-separated PEM files of retired keys still published in the JWKS (key rotation: they verify, they no longer sign)",
    },
    EnvVar {
        name: "MART_JWT_ISSUER",
        default: "mart-users",
        meaning: "iss of access tokens, checked by every verifier",
    },
    EnvVar {
        name: "MART_JWT_AUDIENCE",
        default: "mart",
        meaning: "aud of access tokens, checked by every verifier",
    },
    EnvVar {
        name: "MART_JWT_LEEWAY_SECS",
        default: "5",
        meaning: "clock skew tolerated when checking a token's exp",
    },
    EnvVar {
        name: "MART_ACCESS_TOKEN_TTL_SECS",
        default: "900",
        meaning: "lifetime of an access token (15 minutes)",
    },
    EnvVar {
        name: "MART_REFRESH_TOKEN_TTL_SECS",
        default: "2592000",
        meaning: "lifetime of a refresh token (30 days), renewed by each rotation",
    },
    EnvVar {
        name: "MART_JWKS_URL",
        default: "",
        meaning: "where subgraphs fetch the token keys; empty: /.well-known/jwks.json on the users service's origin (MART_USERS_URL)",
    },
    EnvVar {
        name: "MART_JWKS_REFRESH_SECS",
        default: "300",
        meaning: "how often subgraphs refetch the JWKS (also refetched at once when a token names an unknown key)",
    },
    EnvVar {
        name: "MART_TRUSTED_PROXIES",
        default: "127.0.0.0/8,::1",
        meaning: "comma-separated addresses or CIDR ranges of the proxies (the router, a load balancer) whose X-Forwarded-For every service believes (the users service counts sign-ins and registrations by it); a request from any other peer is counted against the peer's own address",
    },
    EnvVar {
        name: "MART_REGISTRATIONS_PER_ADDRESS",
        default: "20",
        meaning: "accounts one client address may register within 15 minutes (users service); 0: no limit",
    },
    EnvVar {
        name: "MART_TOPIC_PARTITIONS",
        default: "1",
        meaning: "partitions of each topic created: one count (4), or per topic without the prefix with * for the rest (orders=8,order-status=2,*=4); existing topics are left as they are",
    },
    EnvVar {
        name: "MART_TOPIC_REPLICATION",
        default: "1",
        meaning: "replication factor of each topic created, in the same form as MART_TOPIC_PARTITIONS (3 on a production cluster)",
    },
    EnvVar {
        name: "MART_CART_TTL_SECS",
        default: "2592000",
        meaning: "a cart untouched this long (default 30 days) expires and is deleted (checkout service)",
    },
    EnvVar {
        name: "MART_SUBGRAPH_SECRET",
        default: "",
        meaning: "shared secret: when set, subgraphs answer only requests signed with it (x-mart-signature, HMAC-SHA256 over the body); the router and orders sign with it. Empty: off",
    },
    EnvVar {
        name: "MART_PAYMENT_TOKEN_KEY",
        default: "",
        meaning: "64 hex digits: the key orders, checkout and payments share to seal customers' payment tokens in order.placed and checkout.completed (no other service can read them); empty: <MART_DATA_DIR>/keys/payment-token.key, created on first start",
    },
    EnvVar {
        name: "MART_TLS_CA_FILE",
        default: "",
        meaning: "PEM file of private certificate authorities trusted, besides the web PKI's, by the services' HTTPS calls (to https:// subgraph URLs and MART_JWKS_URL)",
    },
    EnvVar {
        name: "MART_ADMIN_EMAIL",
        default: "",
        meaning: "`mart seed`: email of a first admin, created once with MART_ADMIN_PASSWORD when no such account exists",
    },
    EnvVar {
        name: "MART_ADMIN_PASSWORD",
        default: "",
        meaning: "password of that first admin (`mart seed`) or of `mart admin create` (at least 10 characters)",
    },
    EnvVar {
        name: "MART_LOG",
        default: "info",
        meaning: "log filter, in tracing's EnvFilter syntax (RUST_LOG also works)",
    },
    EnvVar {
        name: "MART_LOG_FORMAT",
        default: "text",
        meaning: "text or json",
    },
    EnvVar {
        name: "MART_WORKER_THREADS",
        default: "",
        meaning: "threads of the process's async runtime; empty: half the cores (at least one) for `mart up`, which shares its machine with PostgreSQL and the broker, every core for `mart serve`",
    },
];

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {name} has an invalid value: {reason}")]
    Invalid { name: String, reason: String },
    #[error("unknown service {0:?}")]
    UnknownService(String),
}

/// Configuration of one process; every field's default is in [`ENV_VARS`].
#[derive(Clone)]
pub struct ServiceConfig {
    pub database_url: String,
    pub database_prefix: String,
    pub database_pool_size: usize,
    pub kafka_brokers: String,
    pub topic_prefix: String,
    pub redis_url: String,
    pub bind_host: IpAddr,
    pub data_dir: PathBuf,
    /// Port per service; missing entries use [`ServiceName::default_port`].
    pub ports: HashMap<ServiceName, u16>,
    /// URL per service for calls between services; missing entries are derived
    /// from `bind_host` and the port.
    pub urls: HashMap<ServiceName, String>,
    /// Access tokens: who signs them, what they say, who checks them.
    pub auth: AuthConfig,
    /// `MART_TRUSTED_PROXIES`: peers whose `X-Forwarded-For` is believed
    /// (default loopback: the router of `mart up`).
    pub trusted_proxies: Vec<IpRange>,
    /// `MART_REGISTRATIONS_PER_ADDRESS` (default 20 per 15 minutes; 0: no limit).
    pub registrations_per_address: u32,
    /// `MART_CART_TTL_SECS` (default 30 days): how long an untouched cart lives.
    pub cart_ttl: Duration,
    /// `MART_TOPIC_PARTITIONS` and `MART_TOPIC_REPLICATION` (default one of each).
    pub topic_layout: mart_events::TopicLayout,
    /// `MART_SUBGRAPH_SECRET`: when set, a subgraph answers only requests signed with it
    /// (the router's, and orders' calls at placement), and signs its own calls to others.
    pub request_signer: Option<mart_auth::RequestSigner>,
    /// `MART_PAYMENT_TOKEN_KEY` (64 hex digits): seals payment tokens between orders and
    /// payments; `None`: a key file in the data directory.
    pub payment_token_key: Option<String>,
    /// Checks access tokens in place of the JWKS of [`AuthConfig::jwks_url`]: for a test or
    /// an embedding whose tokens come from an issuer of its own. No variable; `None`.
    pub verifier: Option<std::sync::Arc<mart_auth::Verifier>>,
    /// TLS to PostgreSQL, verified (`MART_DATABASE_TLS`); `None`: plain connections.
    pub database_tls: Option<std::sync::Arc<rustls::ClientConfig>>,
}

/// An address range in CIDR notation (`10.0.0.0/8`, `fd00::/8`); a bare
/// address is a range of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// Whether `ip` lies in the range (an IPv4-mapped IPv6 address counts as
    /// its IPv4 address).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for IpRange {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s.trim(), None),
        };
        let network = addr
            .parse::<IpAddr>()
            .map_err(|_| format!("{s:?} is not an address or CIDR range"))?
            .to_canonical();
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{s:?}: the prefix length must be 0 to {max}"))?,
        };
        Ok(Self { network, prefix })
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// Access-token settings; each field's variable and default are in [`ENV_VARS`].
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// `MART_JWT_PRIVATE_KEY`; `None`: [`ServiceConfig::signing_key_path`]'s
    /// development key, generated on first start.
    pub private_key: Option<PathBuf>,
    /// `MART_JWT_PUBLISHED_KEYS`: retired keys still published (default none).
    pub published_keys: Vec<PathBuf>,
    /// `MART_JWT_ISSUER` (default `mart-users`).
    pub issuer: String,
    /// `MART_JWT_AUDIENCE` (default `mart`).
    pub audience: String,
    /// `MART_JWT_LEEWAY_SECS` (default 5 s).
    pub leeway: Duration,
    /// `MART_ACCESS_TOKEN_TTL_SECS` (default 15 min).
    pub access_token_ttl: Duration,
    /// `MART_REFRESH_TOKEN_TTL_SECS` (default 30 days).
    pub refresh_token_ttl: Duration,
    /// `MART_JWKS_URL`; `None`: derived from the users service's URL.
    pub jwks_url: Option<String>,
    /// `MART_JWKS_REFRESH_SECS` (default 5 min).
    pub jwks_refresh: Duration,
}

// The database URL may carry a password: never print it.
impl fmt::Debug for ServiceConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceConfig")
            .field("database_url", &redact_url(&self.database_url))
            .field("database_prefix", &self.database_prefix)
            .field("kafka_brokers", &self.kafka_brokers)
            .field("topic_prefix", &self.topic_prefix)
            .field("redis_url", &redact_url(&self.redis_url))
            .field("bind_host", &self.bind_host)
            .finish_non_exhaustive()
    }
}

/// `scheme://user:secret@host/db` → `scheme://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

fn default_of(name: &str) -> &'static str {
    ENV_VARS
        .iter()
        .find(|v| v.name == name)
        .map(|v| v.default)
        .expect("every variable read has an ENV_VARS entry")
}

impl ServiceConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads configuration through `lookup`, so tests can supply their own values.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).unwrap_or_else(|| default_of(name).to_string());
        let invalid = |name: &str, reason: String| ConfigError::Invalid {
            name: name.to_string(),
            reason,
        };

        let database_pool_size = get("MART_DATABASE_POOL_SIZE")
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                invalid(
                    "MART_DATABASE_POOL_SIZE",
                    "expected a positive integer".into(),
                )
            })?;
        let bind_host = get("MART_BIND_HOST")
            .parse::<IpAddr>()
            .map_err(|e| invalid("MART_BIND_HOST", e.to_string()))?;

        let secs = |name: &str, min: u64| -> Result<Duration, ConfigError> {
            get(name)
                .parse::<u64>()
                .ok()
                .filter(|n| *n >= min)
                .map(Duration::from_secs)
                .ok_or_else(|| invalid(name, format!("expected an integer ≥ {min} (seconds)")))
        };
        let non_empty = |name: &str| Some(get(name)).filter(|v| !v.trim().is_empty());
        let auth = AuthConfig {
            private_key: non_empty("MART_JWT_PRIVATE_KEY").map(PathBuf::from),
            published_keys: get("MART_JWT_PUBLISHED_KEYS")
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(PathBuf::from)
                .collect(),
            issuer: get("MART_JWT_ISSUER"),
            audience: get("MART_JWT_AUDIENCE"),
            leeway: secs("MART_JWT_LEEWAY_SECS", 0)?,
            access_token_ttl: secs("MART_ACCESS_TOKEN_TTL_SECS", 1)?,
            refresh_token_ttl: secs("MART_REFRESH_TOKEN_TTL_SECS", 1)?,
            jwks_url: non_empty("MART_JWKS_URL"),
            jwks_refresh: secs("MART_JWKS_REFRESH_SECS", 1)?,
        };

        let trusted_proxies = get("MART_TRUSTED_PROXIES")
            .split(',')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(|r| r.parse::<IpRange>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|reason| invalid("MART_TRUSTED_PROXIES", reason))?;
        let registrations_per_address = get("MART_REGISTRATIONS_PER_ADDRESS")
            .parse::<u32>()
            .map_err(|_| {
                invalid(
                    "MART_REGISTRATIONS_PER_ADDRESS",
                    "expected an integer ≥ 0".into(),
                )
            })?;

        // Process-wide, like a trust store: every HTTP client built from now on trusts it.
        if let Some(ca_file) = non_empty("MART_TLS_CA_FILE") {
            mart_auth::tls::trust_pem_file(std::path::Path::new(&ca_file))
                .map_err(|e| invalid("MART_TLS_CA_FILE", e.reason))?;
        }

        // Process-wide too: every Kafka client made from now on uses it.
        let kafka_security = mart_events::kafka::KafkaSecurity {
            protocol: get("MART_KAFKA_SECURITY_PROTOCOL"),
            ca_file: non_empty("MART_KAFKA_CA_FILE"),
            certificate_file: non_empty("MART_KAFKA_CERT_FILE"),
            key_file: non_empty("MART_KAFKA_KEY_FILE"),
            sasl_mechanism: get("MART_KAFKA_SASL_MECHANISM"),
            sasl_username: non_empty("MART_KAFKA_SASL_USERNAME"),
            sasl_password: non_empty("MART_KAFKA_SASL_PASSWORD"),
        };
        mart_events::kafka::secure(&kafka_security)
            .map_err(|reason| invalid("MART_KAFKA_SECURITY_PROTOCOL", reason))?;

        let database_tls = match get("MART_DATABASE_TLS").as_str() {
            "" | "false" | "0" => None,
            "true" | "1" => Some(
                mart_auth::tls::rustls_client_config(&mart_auth::tls::extra_pem())
                    .map_err(|reason| invalid("MART_DATABASE_TLS", reason))?,
            ),
            other => {
                return Err(invalid(
                    "MART_DATABASE_TLS",
                    format!("expected true or false, got {other:?}"),
                ));
            }
        };

        let mut ports = HashMap::new();
        let mut urls = HashMap::new();
        for service in ServiceName::ALL {
            let var = service.port_var();
            if let Some(raw) = lookup(&var) {
                let port = raw
                    .parse::<u16>()
                    .map_err(|e| invalid(&var, e.to_string()))?;
                ports.insert(*service, port);
            }
            if let Some(url) = lookup(&service.url_var()) {
                urls.insert(*service, url);
            }
        }

        Ok(Self {
            database_url: get("MART_DATABASE_URL").trim_end_matches('/').to_string(),
            database_prefix: get("MART_DATABASE_PREFIX"),
            database_pool_size,
            kafka_brokers: get("MART_KAFKA_BROKERS"),
            topic_prefix: get("MART_TOPIC_PREFIX"),
            redis_url: get("MART_REDIS_URL"),
            bind_host,
            data_dir: PathBuf::from(get("MART_DATA_DIR")),
            ports,
            urls,
            auth,
            trusted_proxies,
            registrations_per_address,
            cart_ttl: secs("MART_CART_TTL_SECS", 1)?,
            topic_layout: mart_events::TopicLayout::parse(
                &get("MART_TOPIC_PARTITIONS"),
                &get("MART_TOPIC_REPLICATION"),
            )
            .map_err(|reason| invalid("MART_TOPIC_PARTITIONS or MART_TOPIC_REPLICATION", reason))?,
            request_signer: mart_auth::RequestSigner::new(&get("MART_SUBGRAPH_SECRET")),
            payment_token_key: non_empty("MART_PAYMENT_TOKEN_KEY"),
            verifier: None,
            database_tls,
        })
    }

    pub fn port(&self, service: ServiceName) -> u16 {
        self.ports
            .get(&service)
            .copied()
            .unwrap_or_else(|| service.default_port())
    }

    pub fn listen_addr(&self, service: ServiceName) -> SocketAddr {
        SocketAddr::new(self.bind_host, self.port(service))
    }

    /// The GraphQL endpoint other services call to reach `service`.
    pub fn graphql_url(&self, service: ServiceName) -> String {
        if let Some(url) = self.urls.get(&service) {
            return url.clone();
        }
        let host = if self.bind_host.is_unspecified() {
            "127.0.0.1".to_string()
        } else {
            self.bind_host.to_string()
        };
        format!("http://{host}:{}/graphql", self.port(service))
    }

    /// The users service's JWKS: `MART_JWKS_URL`, or `/.well-known/jwks.json` on
    /// the origin of the users service's URL.
    pub fn jwks_url(&self) -> String {
        if let Some(url) = &self.auth.jwks_url {
            return url.clone();
        }
        let users = self.graphql_url(ServiceName::Users);
        let origin_end = users
            .find("://")
            .map(|scheme| {
                let rest = scheme + 3;
                users[rest..].find('/').map_or(users.len(), |p| rest + p)
            })
            .unwrap_or(users.len());
        format!("{}/.well-known/jwks.json", &users[..origin_end])
    }

    /// The key file the users service signs with.
    pub fn signing_key_path(&self) -> PathBuf {
        self.auth
            .private_key
            .clone()
            .unwrap_or_else(|| self.data_dir.join("keys").join("jwt-signing.pem"))
    }

    /// The name of `service`'s own database.
    pub fn database_name(&self, service: ServiceName) -> String {
        format!("{}{}", self.database_prefix, service.as_str())
    }

    /// A topic or consumer-group name with this deployment's prefix.
    pub fn prefixed(&self, name: &str) -> String {
        format!("{}{}", self.topic_prefix, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<ServiceConfig, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ServiceConfig::from_lookup(|k| vars.get(k).cloned())
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database_url, "postgres://postgres@127.0.0.1:5432");
        assert_eq!(c.database_name(ServiceName::Products), "mart_products");
        assert_eq!(c.port(ServiceName::Inventory), 4002);
        assert_eq!(
            c.graphql_url(ServiceName::Products),
            "http://127.0.0.1:4001/graphql"
        );
    }

    #[test]
    fn overrides_are_read() {
        let c = config(&[
            ("MART_PRODUCTS_PORT", "5001"),
            ("MART_BIND_HOST", "0.0.0.0"),
            ("MART_INVENTORY_URL", "http://inventory:4002/graphql"),
        ])
        .unwrap();
        assert_eq!(
            c.listen_addr(ServiceName::Products).to_string(),
            "0.0.0.0:5001"
        );
        assert_eq!(
            c.graphql_url(ServiceName::Products),
            "http://127.0.0.1:5001/graphql"
        );
        assert_eq!(
            c.graphql_url(ServiceName::Inventory),
            "http://inventory:4002/graphql"
        );
    }

    #[test]
    fn auth_defaults_and_the_derived_jwks_url() {
        let c = config(&[]).unwrap();
        assert_eq!(c.auth.access_token_ttl, Duration::from_secs(900));
        assert_eq!(c.auth.issuer, "mart-users");
        assert_eq!(c.jwks_url(), "http://127.0.0.1:4003/.well-known/jwks.json");
        assert_eq!(
            c.signing_key_path(),
            PathBuf::from("data/keys/jwt-signing.pem")
        );
        let c = config(&[("MART_USERS_URL", "http://users:4003/graphql")]).unwrap();
        assert_eq!(c.jwks_url(), "http://users:4003/.well-known/jwks.json");
        let c = config(&[
            ("MART_JWKS_URL", "http://keys/jwks"),
            ("MART_JWT_PUBLISHED_KEYS", "a.pem, b.pem"),
        ])
        .unwrap();
        assert_eq!(c.jwks_url(), "http://keys/jwks");
        assert_eq!(c.auth.published_keys.len(), 2);
        let err = config(&[("MART_ACCESS_TOKEN_TTL_SECS", "0")]).unwrap_err();
        assert!(
            err.to_string().contains("MART_ACCESS_TOKEN_TTL_SECS"),
            "{err}"
        );
    }

    #[test]
    fn bad_values_name_the_variable() {
        let err = config(&[("MART_PRODUCTS_PORT", "http")]).unwrap_err();
        assert!(err.to_string().contains("MART_PRODUCTS_PORT"), "{err}");
        let err = config(&[("MART_DATABASE_POOL_SIZE", "0")]).unwrap_err();
        assert!(err.to_string().contains("MART_DATABASE_POOL_SIZE"), "{err}");
    }

    #[test]
    fn trusted_proxies_are_ranges_and_default_to_loopback() {
        let c = config(&[]).unwrap();
        let trusted = |ip: &str| {
            let ip: IpAddr = ip.parse().unwrap();
            c.trusted_proxies.iter().any(|r| r.contains(ip))
        };
        assert!(trusted("127.0.0.1") && trusted("127.8.9.10") && trusted("::1"));
        assert!(trusted("::ffff:127.0.0.1"), "IPv4-mapped loopback");
        assert!(!trusted("10.0.0.1") && !trusted("203.0.113.9") && !trusted("::2"));
        assert_eq!(c.registrations_per_address, 20);

        let c = config(&[("MART_TRUSTED_PROXIES", " 10.0.0.0/8, fd00::/8 ,192.0.2.7")]).unwrap();
        let shown: Vec<String> = c.trusted_proxies.iter().map(|r| r.to_string()).collect();
        assert_eq!(shown, ["10.0.0.0/8", "fd00::/8", "192.0.2.7/32"]);
        let r: IpRange = "10.0.0.0/8".parse().unwrap();
        assert!(r.contains("10.255.0.1".parse().unwrap()));
        assert!(!r.contains("11.0.0.1".parse().unwrap()));
        let everything: IpRange = "0.0.0.0/0".parse().unwrap();
        assert!(everything.contains("203.0.113.9".parse().unwrap()));
        assert!(
            config(&[("MART_TRUSTED_PROXIES", "")])
                .unwrap()
                .trusted_proxies
                .is_empty()
        );
        for bad in ["router", "10.0.0.0/33", "::/129", "10.0.0.0/x"] {
            let err = config(&[("MART_TRUSTED_PROXIES", bad)]).unwrap_err();
            assert!(err.to_string().contains("MART_TRUSTED_PROXIES"), "{err}");
        }
        let err = config(&[("MART_REGISTRATIONS_PER_ADDRESS", "-1")]).unwrap_err();
        assert!(
            err.to_string().contains("MART_REGISTRATIONS_PER_ADDRESS"),
            "{err}"
        );
    }

    #[test]
    fn secrets_are_redacted() {
        let c = config(&[("MART_DATABASE_URL", "postgres://app:hunter2@db:5432")]).unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("app:***@db"), "{shown}");
    }
}

use serde::Deserialize;

/// Authentication at the router. With `jwks_url` unset nothing is verified and the
/// authorization directives are not enforced (the mode the federation compliance suite runs in).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// Where the token signing keys are published (the users service's
    /// `/.well-known/jwks.json`). Default: none, authentication off. Env: `MART_ROUTER_JWKS_URL`.
    pub jwks_url: Option<String>,
    /// Expected `iss` claim. Default (`None`): `mart-users`. Env: `MART_ROUTER_JWT_ISSUER`.
    pub issuer: Option<String>,
    /// Expected `aud` claim. Default (`None`): `mart`. Env: `MART_ROUTER_JWT_AUDIENCE`.
    pub audience: Option<String>,
    /// Clock skew tolerated on `exp`, in seconds. Default `5`. Env: `MART_ROUTER_JWT_LEEWAY_SECS`.
    pub leeway_secs: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            jwks_url: None,
            issuer: None,
            audience: None,
            leeway_secs: 5,
        }
    }
}

impl AuthConfig {
    pub const DEFAULT_ISSUER: &'static str = "mart-users";
    pub const DEFAULT_AUDIENCE: &'static str = "mart";

    pub fn issuer(&self) -> &str {
        self.issuer.as_deref().unwrap_or(Self::DEFAULT_ISSUER)
    }

    pub fn audience(&self) -> &str {
        self.audience.as_deref().unwrap_or(Self::DEFAULT_AUDIENCE)
    }
}

//! Fixture "vault": a subgraph with `@requiresScopes` fields (declared with async-graphql's
//! `requires_scopes`), a JWKS served over HTTP by the test, and a router with authentication on.
//! The subgraph records the headers of every request it gets.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::{
    Context, EmptyMutation, EmptySubscription, Object, SDLExportOptions, Schema, SimpleObject,
};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use mart_auth::{KeySet, Role, SigningKey, TokenIssuer, TokenSettings};
use mart_router::RunningRouter;

use crate::harness::{Subgraph, compose, write_supergraph};

pub const ISSUER: &str = "mart-users";
pub const AUDIENCE: &str = "mart";

struct VaultQuery;

#[derive(SimpleObject)]
struct Account {
    name: String,
    #[graphql(requires_scopes = "admin")]
    balance: Option<i32>,
}

#[Object(name = "Query")]
impl VaultQuery {
    async fn motto(&self) -> String {
        "open to all".to_string()
    }

    #[graphql(requires_scopes = "admin")]
    async fn secret(&self) -> Option<String> {
        Some("the vault code".to_string())
    }

    /// Either scope will do: `[["admin"], ["customer"]]`.
    #[graphql(requires_scopes = "admin", requires_scopes = "customer")]
    async fn members_only(&self) -> Option<String> {
        Some("members".to_string())
    }

    async fn accounts(&self) -> Vec<Account> {
        ["ada", "bob"]
            .into_iter()
            .map(|name| Account {
                name: name.to_string(),
                balance: Some(100),
            })
            .collect()
    }

    /// The value of a header this request carried, to check what the router forwards.
    async fn header(&self, ctx: &Context<'_>, name: String) -> Option<String> {
        ctx.data_unchecked::<HeaderMap>()
            .get(name.as_str())
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

type VaultSchema = Schema<VaultQuery, EmptyMutation, EmptySubscription>;

async fn graphql(
    State((schema, seen)): State<(VaultSchema, Arc<Mutex<Vec<HeaderMap>>>)>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> GraphQLResponse {
    seen.lock().unwrap().push(headers.clone());
    schema
        .execute(request.into_inner().data(headers))
        .await
        .into()
}

pub struct Vault {
    pub router: RunningRouter,
    pub issuer: TokenIssuer,
    /// Headers of every request the subgraph received.
    pub seen: Arc<Mutex<Vec<HeaderMap>>>,
}

impl Vault {
    pub fn token(&self, role: Role) -> String {
        self.issuer
            .issue(uuid::Uuid::now_v7(), role)
            .expect("a signed token")
            .token
    }

    pub fn subgraph_requests(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

pub async fn serve(app: Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

pub fn issuer(ttl: Duration) -> TokenIssuer {
    let (key, _pem) = SigningKey::generate_ed25519().expect("a test key");
    TokenIssuer::new(
        KeySet::new(key),
        TokenSettings {
            issuer: ISSUER.to_string(),
            audience: AUDIENCE.to_string(),
            access_token_ttl: ttl,
        },
    )
}

pub async fn start() -> Vault {
    let schema = Schema::build(VaultQuery, EmptyMutation, EmptySubscription)
        .enable_federation()
        .finish();
    let sdl = schema.sdl_with_options(SDLExportOptions::new().federation().compose_directive());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = Router::new()
        .route("/graphql", post(graphql))
        .with_state((schema, seen.clone()));
    let url = format!("http://{}/graphql", serve(app).await);

    let issuer = issuer(Duration::from_secs(900));
    let jwks = issuer.keys().jwks();
    let jwks_app = Router::new().route(
        mart_auth::JWKS_PATH,
        get(move || {
            let jwks = jwks.clone();
            async move { axum::Json(jwks) }
        }),
    );
    let jwks_url = format!("http://{}{}", serve(jwks_app).await, mart_auth::JWKS_PATH);

    let supergraph = compose(&[Subgraph {
        name: "vault",
        url,
        sdl: &sdl,
    }]);
    let mut config = crate::harness::test_config(write_supergraph(&supergraph));
    config.auth.jwks_url = Some(jwks_url);
    Vault {
        router: mart_router::start(config).await.unwrap(),
        issuer,
        seen,
    }
}

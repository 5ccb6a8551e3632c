//! Fixture "echo": one subgraph that reports the headers it received and counts requests, to
//! check header propagation, trace context, CORS and in-flight deduplication.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_graphql::{Context, EmptySubscription, Object, Schema};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use mart_router::{RouterConfig, RunningRouter};

use crate::harness::{Subgraph, compose, write_supergraph};

const ECHO_SDL: &str = r#"
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Query {
  header(name: String!): String
  slow(tag: String!): String!
  slowHeader(name: String!): String
  ticket(tag: String!): Int!
}
type Mutation { bump(tag: String!): Int! }
"#;

/// The number of requests the subgraph had received before this one.
struct Ticket(usize);

struct EchoQuery;

#[Object]
impl EchoQuery {
    async fn header(&self, ctx: &Context<'_>, name: String) -> Option<String> {
        ctx.data_unchecked::<HeaderMap>()
            .get(name.as_str())
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
    /// Answers after a delay, so identical requests overlap in flight.
    async fn slow(&self, tag: String) -> String {
        tokio::time::sleep(SLOW).await;
        tag
    }
    /// `header`, slowly.
    async fn slow_header(&self, ctx: &Context<'_>, name: String) -> Option<String> {
        tokio::time::sleep(SLOW).await;
        ctx.data_unchecked::<HeaderMap>()
            .get(name.as_str())
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
    /// Slowly, which request this was: a later answer has a higher number.
    async fn ticket(&self, ctx: &Context<'_>, tag: String) -> usize {
        let _ = tag;
        tokio::time::sleep(SLOW).await;
        ctx.data_unchecked::<Ticket>().0
    }
}

const SLOW: Duration = Duration::from_millis(300);

struct EchoMutation;

#[Object]
impl EchoMutation {
    async fn bump(&self, ctx: &Context<'_>, tag: String) -> usize {
        let _ = tag;
        tokio::time::sleep(SLOW).await;
        ctx.data_unchecked::<Ticket>().0
    }
}

type EchoSchema = Schema<EchoQuery, EchoMutation, EmptySubscription>;

async fn graphql(
    State((schema, requests)): State<(EchoSchema, Arc<AtomicUsize>)>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> GraphQLResponse {
    let ticket = Ticket(requests.fetch_add(1, Ordering::SeqCst));
    schema
        .execute(request.into_inner().data(headers).data(ticket))
        .await
        .into()
}

pub struct Echo {
    pub router: RunningRouter,
    pub requests: Arc<AtomicUsize>,
}

pub async fn start(configure: impl FnOnce(&mut RouterConfig)) -> Echo {
    let schema = Schema::build(EchoQuery, EchoMutation, EmptySubscription)
        .enable_federation()
        .finish();
    let requests = Arc::new(AtomicUsize::new(0));
    let app = Router::new()
        .route("/graphql", post(graphql))
        .with_state((schema, requests.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/graphql", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let supergraph = compose(&[Subgraph {
        name: "echo",
        url,
        sdl: ECHO_SDL,
    }]);
    let mut config = crate::harness::test_config(write_supergraph(&supergraph));
    configure(&mut config);
    Echo {
        router: mart_router::start(config).await.unwrap(),
        requests,
    }
}

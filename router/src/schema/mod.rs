//! The loaded supergraph: planner, API schema, type index and subgraph endpoints. What the
//! pipeline derives from it (caches, authorization policy, introspection) lives beside it in a
//! `pipeline::Generation`.
pub mod index;
pub mod keys;

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use graphql_tools::static_graphql::schema::{Definition, Document, TypeDefinition};
use graphql_tools::validation::rules::default_rules_validation_plan;
use graphql_tools::validation::validate::ValidationPlan;
use hive_router_query_planner::planner::{Planner, QueryPlannerOptions};
use hive_router_query_planner::utils::parsing::safe_parse_schema;
use hyper::Uri;

use crate::config::RouterConfig;
use index::SchemaIndex;

/// Where and how a subgraph is reached.
pub struct Endpoint {
    /// `None` when the URL is not a valid http URL: fetches to it fail, the router still serves.
    pub uri: Option<Uri>,
    pub timeout: Duration,
}

pub struct Supergraph {
    pub planner: Planner,
    /// The API schema (join machinery and `@inaccessible` removed) plus introspection types.
    pub api_schema: Arc<Document>,
    pub index: SchemaIndex,
    /// Each subgraph's entity keys, to leave out representations it cannot resolve.
    pub keys: keys::EntityKeys,
    pub validation: ValidationPlan,
    pub endpoints: HashMap<String, Endpoint>,
}

#[derive(Debug, thiserror::Error)]
pub enum SupergraphError {
    #[error("cannot read supergraph {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("supergraph is not valid GraphQL SDL: {0}")]
    Parse(String),
    #[error("supergraph has no Query type")]
    NoQueryType,
    #[error("supergraph cannot be planned against: {0}")]
    Planner(String),
}

/// Reads the supergraph SDL that `config` points at.
pub fn read_sdl(config: &RouterConfig) -> Result<String, SupergraphError> {
    let path = &config.supergraph_path;
    std::fs::read_to_string(path).map_err(|source| SupergraphError::Read {
        path: path.display().to_string(),
        source,
    })
}

/// Parses supergraph SDL, refusing a document without a query type.
pub fn parse_sdl(sdl: &str) -> Result<Document, SupergraphError> {
    let document = safe_parse_schema(sdl).map_err(|e| SupergraphError::Parse(e.to_string()))?;
    if !has_query_type(&document) {
        return Err(SupergraphError::NoQueryType);
    }
    Ok(document)
}

impl Supergraph {
    pub fn from_document(
        document: &Document,
        config: &RouterConfig,
    ) -> Result<Supergraph, SupergraphError> {
        // The planner asserts on malformed supergraphs instead of returning errors.
        let planner = catch_unwind(AssertUnwindSafe(|| {
            Planner::new_from_supergraph(document, QueryPlannerOptions::default())
        }))
        .map_err(|panic| SupergraphError::Planner(panic_message(&panic)))?
        .map_err(|e| SupergraphError::Planner(e.to_string()))?;
        let api_schema = planner.consumer_schema.document.clone();
        let index = SchemaIndex::build(document, &api_schema);
        let mut endpoints = HashMap::new();
        for (subgraph, url) in &planner.supergraph.subgraph_endpoint_map {
            let url = config.subgraph_url_override(subgraph).unwrap_or(url);
            let uri = url.parse::<Uri>().ok().filter(|u| u.host().is_some());
            if uri.is_none() {
                tracing::warn!(subgraph = %subgraph, url = %url, "subgraph URL is not usable; its fetches will fail");
            }
            endpoints.insert(
                subgraph.clone(),
                Endpoint {
                    uri,
                    timeout: config.subgraph_timeout(subgraph),
                },
            );
        }
        Ok(Supergraph {
            planner,
            api_schema,
            index,
            keys: keys::EntityKeys::from_supergraph(document),
            validation: default_rules_validation_plan(),
            endpoints,
        })
    }
}

fn has_query_type(document: &Document) -> bool {
    document.definitions.iter().any(|d| match d {
        Definition::SchemaDefinition(s) => s.query.is_some(),
        Definition::TypeDefinition(TypeDefinition::Object(o)) => o.name == "Query",
        _ => false,
    })
}

pub(crate) fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "internal error".to_string()
    }
}

//! One loaded supergraph with everything the pipeline derives from it: the introspection
//! schema, the authorization policy, and the caches of prepared operations and of plans
//! filtered for a caller. A reload builds a new generation and swaps it in as a whole, so no
//! cached plan outlives the schema it was made for.
use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use futures::future::{BoxFuture, Shared};
use hive_router_query_planner::planner::plan_nodes::QueryPlan;
use lru::LruCache;

use crate::auth::policy::AuthPolicy;
use crate::auth::scopes::Restrictions;
use crate::config::RouterConfig;
use crate::graphql_error::GraphQLError;
use crate::introspection::IntrospectionSchema;
use crate::operation::Operation;
use crate::schema::{self, Supergraph, SupergraphError};

/// An operation ready to execute: the client's selection (for shaping) and the query plan.
pub struct PreparedOperation {
    pub operation: Operation,
    /// `None` when every root field is answered by the router itself (introspection).
    pub plan: Option<QueryPlan>,
    /// Root fields that are `__schema` / `__type`.
    pub has_introspection: bool,
    /// Selected fields that carry `@requiresScopes` / `@authenticated`.
    pub restrictions: Restrictions,
}

pub type PrepareResult = Result<Arc<PreparedOperation>, Vec<GraphQLError>>;
pub type SharedPreparation = Shared<BoxFuture<'static, PrepareResult>>;

pub struct Generation {
    pub supergraph: Supergraph,
    pub introspection: IntrospectionSchema,
    /// `@requiresScopes` / `@authenticated`, as the supergraph declares them.
    pub policy: AuthPolicy,
    /// Prepared operations by the hash of their text and operation name.
    pub(super) prepared: Mutex<LruCache<u64, Arc<PreparedOperation>>>,
    /// Preparations under way, so concurrent first requests of an operation plan it once.
    pub(super) preparing: Mutex<HashMap<u64, SharedPreparation>>,
    /// Plans of operations with some fields removed for a caller, by operation and denied set.
    pub(super) filtered_plans: Mutex<LruCache<u64, Arc<Option<QueryPlan>>>>,
}

impl Generation {
    /// Reads, parses and plans against the supergraph file the configuration names.
    /// CPU-bound: call it from a blocking thread.
    pub fn from_file(config: &RouterConfig) -> Result<Generation, SupergraphError> {
        Generation::from_sdl(&schema::read_sdl(config)?, config)
    }

    pub fn from_sdl(sdl: &str, config: &RouterConfig) -> Result<Generation, SupergraphError> {
        let document = schema::parse_sdl(sdl)?;
        let supergraph = Supergraph::from_document(&document, config)?;
        let introspection =
            IntrospectionSchema::new(supergraph.api_schema.clone(), &supergraph.index);
        let policy = AuthPolicy::from_supergraph(&document);
        let capacity = NonZeroUsize::new(config.plan_cache_size).unwrap_or(NonZeroUsize::MIN);
        Ok(Generation {
            supergraph,
            introspection,
            policy,
            prepared: Mutex::new(LruCache::new(capacity)),
            preparing: Mutex::new(HashMap::new()),
            filtered_plans: Mutex::new(LruCache::new(capacity)),
        })
    }
}

/// A poisoned cache lock only means a panic elsewhere mid-update of an LRU: the cache is
/// still usable.
pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// The generation in use; requests hold the one they started with until they finish.
pub struct Generations {
    current: RwLock<Arc<Generation>>,
}

impl Generations {
    pub fn new(generation: Generation) -> Generations {
        Generations {
            current: RwLock::new(Arc::new(generation)),
        }
    }

    pub fn current(&self) -> Arc<Generation> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn replace(&self, generation: Generation) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(generation);
    }
}

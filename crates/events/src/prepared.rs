//! Keeping a statement prepared that diesel would parse anew each time.
//!
//! Diesel marks every `UPDATE` and `ON CONFLICT … DO UPDATE` as unsafe to
//! cache (their SQL may vary with the changeset), so diesel-async prepares such
//! a statement on every execution: a second round trip and a fresh parse and
//! plan. The cache is keyed by the SQL text and bind types, so a statement
//! whose text varies with its changeset simply gets one entry per variant;
//! wrap only statements with a bounded number of variants (not batch inserts).

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};

/// `query`, prepared once per connection and reused.
pub fn cached<Q>(query: Q) -> Cached<Q> {
    Cached(query)
}

#[derive(Debug, Clone, Copy)]
pub struct Cached<Q>(Q);

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Cached<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &Pg) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q> QueryId for Cached<Q> {
    type QueryId = ();
    // Keyed by its SQL text, never by type: the text may vary.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Cached<Q> {
    type SqlType = Q::SqlType;
}

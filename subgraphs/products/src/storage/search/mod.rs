//! The catalogue listing in SQL: full-text matching, the correction of misspelt words
//! (trigrams), the sorted and keyset-paged page, the total and the facet counts. The
//! values a listing is made of are plain data here; what they mean and how they are
//! made is the domain's (`domain::search`). The statement's shape depends on
//! the filter (how many words, which filters), so it is written out here rather than
//! in Diesel's DSL, which has no tsquery; every value still travels as a bind.
//!
//! The search document (`products.search_document`) and its indexes are kept by the
//! database (migrations/products/…_search): a weighted tsvector of name and sku (A),
//! category (B) and description (C) with a GIN index, and the dictionary of the
//! catalogue's words (`search_words`) with a trigram index, for correcting typos.
//! Measured on 100,000 generated products: bench/search.sh, figures in bench/README.md.
//!
//! Here: the filter and the page; `tally`: the counts for the total and the facets;
//! `statement`: how a statement's conditions and binds are written.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Float4, Text};
use diesel_async::AsyncConnection;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::rows::ProductRow;
use statement::{Leave, Statement};

mod statement;
mod tally;

pub use tally::{Counted, SampleSize, TallyRow, estimated_tally_matches, tally};

/// A search, ready for the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextQuery {
    /// Lowercased words (at most `domain::search::MAX_WORDS`); empty when the text had
    /// none (then nothing matches).
    pub words: Vec<String>,
    /// The words joined by spaces.
    pub phrase: String,
}

/// The order of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductSort {
    /// Best match first; needs a search (without one the listing is oldest first).
    Relevance,
    PriceAscending,
    PriceDescending,
    Newest,
    Oldest,
}

/// Where a sorted page starts: the sort key of the last product of the previous page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum After {
    /// `(created_at, id)`; the format every Mart connection uses, so cursors of the
    /// default listing stay valid.
    Oldest(DateTime<Utc>, Uuid),
    Newest(DateTime<Utc>, Uuid),
    PriceAscending(i64, Uuid),
    PriceDescending(i64, Uuid),
    /// The score as the database computed it: compared exactly, so its bits are kept.
    Relevance(f32, Uuid),
}

/// The price bands the listing's facets count, in minor units: each band runs from its
/// bound up to the next one (exclusive); the last has no upper end. Fixed, so that a
/// shop's filters stay put while the results change.
pub const PRICE_BANDS: [i64; 6] = [0, 1_000, 2_500, 5_000, 10_000, 25_000];

/// A validated listing filter; `None` fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub text: Option<TextQuery>,
    pub category_id: Option<Uuid>,
    pub min_price_minor: Option<i64>,
    pub max_price_minor: Option<i64>,
    pub status: Option<&'static str>,
}

/// A product and its relevance (0 when the listing does not search).
#[derive(QueryableByName)]
pub struct Scored {
    #[diesel(embed)]
    pub product: ProductRow,
    #[diesel(sql_type = Float4)]
    pub score: f32,
}

const COLUMNS: &str = "id, sku, slug, name, description, price_amount_minor, price_currency, \
    weight_grams, length_mm, width_mm, height_mm, category_id, status, created_at, updated_at";

/// Up to `limit` products matching `filter` in `sort` order, after `after`.
pub async fn page(
    conn: &mut AsyncPgConnection,
    filter: &Filter,
    sort: ProductSort,
    after: Option<After>,
    limit: i64,
) -> QueryResult<Vec<Scored>> {
    let mut sql = Statement::new();
    let text = filter.text.as_ref().map(|t| sql.text(t));
    let score = match &text {
        Some(t) => t.score.clone(),
        None => "0::real".to_string(),
    };
    let mut conditions = sql.conditions(filter, text.as_ref(), Leave::Nothing);
    if let Some(after) = after {
        conditions.push(sql.keyset(&after, &score));
    }
    let order = match sort {
        ProductSort::Oldest => "created_at, id",
        ProductSort::Newest => "created_at DESC, id DESC",
        ProductSort::PriceAscending => "price_amount_minor, id",
        ProductSort::PriceDescending => "price_amount_minor DESC, id DESC",
        ProductSort::Relevance => "score DESC, id",
    };
    let limit = sql.param::<BigInt, _>(limit);
    sql.finish(format!(
        "SELECT {COLUMNS}, {score} AS score FROM products WHERE {} ORDER BY {order} LIMIT {limit}",
        conditions.join(" AND ")
    ))
    .load(conn)
    .await
}

/// Whether any product matches the filter.
///
/// Counts rather than asks `EXISTS`: under `EXISTS` (a LIMIT 1) the planner expects an
/// early hit and scans the table in order, which is the whole table when nothing matches
/// (29 ms at 100,000 products), the very case this is asked for; the count walks the
/// full-text index (under 1 ms).
pub async fn any_match(conn: &mut AsyncPgConnection, filter: &Filter) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut sql = Statement::new();
    let text = filter.text.as_ref().map(|t| sql.text(t));
    let conditions = sql.conditions(filter, text.as_ref(), Leave::Nothing);
    let row: Found = sql
        .finish(format!(
            "SELECT count(*) AS n FROM products WHERE {}",
            conditions.join(" AND ")
        ))
        .get_result(conn)
        .await?;
    Ok(row.n > 0)
}

/// Each of `words` replaced by the catalogue's most similar word (trigram similarity of
/// at least [`CORRECTION_SIMILARITY`]; a word of the catalogue is its own best match),
/// or kept when none is close.
pub async fn correct(conn: &mut AsyncPgConnection, words: &[String]) -> QueryResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Corrected {
        #[diesel(sql_type = Text)]
        word: String,
    }
    let words = words.to_vec();
    let rows: Vec<Corrected> = conn
        .transaction(async |c| {
            // pg_trgm's threshold for `%`, for this transaction only: the index finds the
            // candidates, so the threshold must be in the setting, not in a WHERE.
            diesel::sql_query(format!(
                "SET LOCAL pg_trgm.similarity_threshold = {CORRECTION_SIMILARITY}"
            ))
            .execute(c)
            .await?;
            diesel::sql_query(
                "SELECT coalesce((SELECT w.word FROM search_words w WHERE w.word % t.term \
                   ORDER BY similarity(w.word, t.term) DESC, w.word LIMIT 1), t.term) AS word \
                 FROM unnest($1::text[]) WITH ORDINALITY AS t(term, i) ORDER BY t.i",
            )
            .bind::<Array<Text>, _>(words)
            .load(c)
            .await
        })
        .await?;
    Ok(rows.into_iter().map(|r| r.word).collect())
}

/// How close a word of the catalogue must be to a searched word to replace it. Two
/// letters swapped in a six-letter word ("ketlte" for "kettle") score 0.27, pg_trgm's
/// default of 0.3 would miss it.
const CORRECTION_SIMILARITY: f32 = 0.2;

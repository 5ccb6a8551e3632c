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

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{Array, BigInt, Bool, Float4, Integer, Nullable, Text, Timestamptz};
use diesel_async::AsyncConnection;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::rows::ProductRow;

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

/// Matches counted by category, price band (index into [`PRICE_BANDS`]) and whether
/// the price is within the filter's range: the listing's total and both facets from
/// one scan of the matches (at 100,000 products, each scan of a broad search costs
/// ~30 ms; three of them were most of such a search's time).
#[derive(Debug, QueryableByName)]
pub struct TallyRow {
    #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
    pub category_id: Option<Uuid>,
    #[diesel(sql_type = Integer)]
    pub band: i32,
    #[diesel(sql_type = Bool)]
    pub in_range: bool,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// A tally, and when it was made on a sample, how big the sample was.
#[derive(Debug)]
pub struct Counted {
    /// The groups with matches.
    pub rows: Vec<TallyRow>,
    pub sample: Option<SampleSize>,
}

/// What a sample read, to scale its counts by: the share of the table's rows it held,
/// rather than the share of pages it was asked for, since pages hold different numbers
/// of rows and how many pages a sample takes varies (10.2 % asked of 5,374 pages held
/// 11.1 % of the rows with one seed, 10.3 % with the next).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SampleSize {
    /// Rows the sample read, matching or not.
    pub read: i64,
    /// Rows in the table, as PostgreSQL last counted them (`pg_class.reltuples`, kept
    /// by vacuum and analysis); negative when it never has.
    pub table: f64,
}

/// The planner's estimate of how many products the tally of `filter` counts: its
/// matches, category and price range left out. Decides whether the tally counts them
/// all or a sample ([`tally`]); the estimate comes from the search document's
/// statistics (most common words) and costs a plan, not a scan.
pub async fn estimated_tally_matches(
    conn: &mut AsyncPgConnection,
    filter: &Filter,
) -> QueryResult<f64> {
    #[derive(QueryableByName)]
    struct Explained {
        #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
        plan: String,
    }
    let mut sql = Statement::new();
    let text = filter.text.as_ref().map(|t| sql.text(t));
    let conditions = sql.conditions(filter, text.as_ref(), Leave::CategoryAndPrice);
    let explained: Explained = sql
        .finish(format!(
            "EXPLAIN (FORMAT JSON) SELECT 1 FROM products WHERE {}",
            conditions.join(" AND ")
        ))
        .get_result(conn)
        .await?;
    let plan: serde_json::Value = serde_json::from_str(&explained.plan)
        .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
    Ok(plan[0]["Plan"]["Plan Rows"].as_f64().unwrap_or(0.0))
}

/// The tally of `filter`'s matches, its category and price range left to the caller;
/// with `sample`, of the matches among that percentage of the table's pages, chosen the
/// same way every time (a fixed seed), so that repeated requests count alike.
pub async fn tally(
    conn: &mut AsyncPgConnection,
    filter: &Filter,
    sample: Option<f32>,
) -> QueryResult<Counted> {
    #[derive(QueryableByName)]
    struct SampledRow {
        #[diesel(embed)]
        group: TallyRow,
        #[diesel(sql_type = BigInt)]
        read: i64,
        #[diesel(sql_type = diesel::sql_types::Double)]
        table_rows: f64,
    }
    let mut sql = Statement::new();
    let text = filter.text.as_ref().map(|t| sql.text(t));
    let tablesample = match sample {
        Some(percent) => format!(
            "TABLESAMPLE SYSTEM ({}) REPEATABLE (0)",
            sql.param::<Float4, _>(percent)
        ),
        None => String::new(),
    };
    let conditions = sql.conditions(filter, text.as_ref(), Leave::CategoryAndPrice);
    let mut range = vec!["TRUE".to_string()];
    if let Some(min) = filter.min_price_minor {
        range.push(format!(
            "price_amount_minor >= {}",
            sql.param::<BigInt, _>(min)
        ));
    }
    if let Some(max) = filter.max_price_minor {
        range.push(format!(
            "price_amount_minor <= {}",
            sql.param::<BigInt, _>(max)
        ));
    }
    let (band, range, conditions) = (
        band_expression(),
        range.join(" AND "),
        conditions.join(" AND "),
    );
    if sample.is_none() {
        let rows = sql
            .finish(format!(
                "SELECT category_id, {band} AS band, ({range}) AS in_range, count(*) AS n \
                 FROM products WHERE {conditions} GROUP BY 1, 2, 3"
            ))
            .load(conn)
            .await?;
        return Ok(Counted { rows, sample: None });
    }
    // Every row the sample read is counted, matching or not, for the sample's size.
    let sampled: Vec<SampledRow> = sql
        .finish(format!(
            "SELECT category_id, {band} AS band, ({range}) AS in_range, \
               count(*) FILTER (WHERE {conditions}) AS n, count(*) AS read, \
               (SELECT reltuples FROM pg_class WHERE oid = 'products'::regclass)::float8 \
                 AS table_rows \
             FROM products {tablesample} GROUP BY 1, 2, 3"
        ))
        .load(conn)
        .await?;
    let size = SampleSize {
        read: sampled.iter().map(|r| r.read).sum(),
        table: <[SampledRow]>::first(&sampled).map_or(-1.0, |r| r.table_rows),
    };
    let rows = sampled
        .into_iter()
        .map(|r| r.group)
        .filter(|g| g.n > 0)
        .collect();
    Ok(Counted {
        rows,
        sample: Some(size),
    })
}

/// A product's price band, as an index into [`PRICE_BANDS`]: the crate's constants,
/// written into the statement (width_bucket gives 0 below the first bound).
fn band_expression() -> String {
    let bounds: Vec<String> = PRICE_BANDS[1..].iter().map(i64::to_string).collect();
    format!(
        "width_bucket(price_amount_minor, ARRAY[{}]::bigint[])",
        bounds.join(",")
    )
}

/// Which filters a statement leaves out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Leave {
    Nothing,
    CategoryAndPrice,
}

/// The search's SQL, its words already bound.
struct TextSql {
    /// Matches a product.
    matches: String,
    /// Ranks it.
    score: String,
}

/// A statement being written: its text is assembled by the caller, its binds are
/// numbered here in the order they are made.
struct Statement {
    query: BoxedSqlQuery<'static, Pg, SqlQuery>,
    binds: usize,
}

impl Statement {
    fn new() -> Self {
        Self {
            query: diesel::sql_query("").into_boxed(),
            binds: 0,
        }
    }

    /// Binds `value`; returns its placeholder.
    fn param<ST, V>(&mut self, value: V) -> String
    where
        Pg: diesel::sql_types::HasSqlType<ST>,
        V: diesel::serialize::ToSql<ST, Pg> + Send + 'static,
        ST: Send + 'static,
    {
        let query = std::mem::replace(&mut self.query, diesel::sql_query("").into_boxed());
        self.query = query.bind::<ST, V>(value);
        self.binds += 1;
        format!("${}", self.binds)
    }

    fn finish(self, text: String) -> BoxedSqlQuery<'static, Pg, SqlQuery> {
        self.query.sql(text)
    }

    fn text(&mut self, text: &TextQuery) -> TextSql {
        if text.words.is_empty() {
            return TextSql {
                matches: "FALSE".into(),
                score: "0::real".into(),
            };
        }
        // Each word as a prefix, stemmed (english) or as typed (simple: stop words
        // and single letters are words too); all words must match.
        let words: Vec<String> = text
            .words
            .iter()
            .map(|w| {
                let p = self.param::<Text, _>(format!("{w}:*"));
                format!("(to_tsquery('english', {p}) || to_tsquery('simple', {p}))")
            })
            .collect();
        let query = format!("({})", words.join(" && "));
        TextSql {
            matches: format!("search_document @@ {query}"),
            score: format!("ts_rank(search_document, {query})"),
        }
    }

    fn conditions(&mut self, filter: &Filter, text: Option<&TextSql>, leave: Leave) -> Vec<String> {
        let mut conditions = vec![];
        if let Some(status) = filter.status {
            conditions.push(format!("status = {}", self.param::<Text, _>(status)));
        }
        if let Some(text) = text {
            conditions.push(text.matches.clone());
        }
        if leave == Leave::Nothing {
            if let Some(id) = filter.category_id {
                let p = self.param::<diesel::sql_types::Uuid, _>(id);
                conditions.push(format!("category_id = {p}"));
            }
            if let Some(min) = filter.min_price_minor {
                let p = self.param::<BigInt, _>(min);
                conditions.push(format!("price_amount_minor >= {p}"));
            }
            if let Some(max) = filter.max_price_minor {
                let p = self.param::<BigInt, _>(max);
                conditions.push(format!("price_amount_minor <= {p}"));
            }
        }
        if conditions.is_empty() {
            conditions.push("TRUE".into());
        }
        conditions
    }

    /// Rows after `after` in its order (row comparisons walk the sort indexes).
    fn keyset(&mut self, after: &After, score: &str) -> String {
        match *after {
            After::Oldest(at, id) | After::Newest(at, id) => {
                let (at, id) = (
                    self.param::<Timestamptz, _>(at),
                    self.param::<diesel::sql_types::Uuid, _>(id),
                );
                let op = if matches!(after, After::Oldest(..)) {
                    ">"
                } else {
                    "<"
                };
                format!("(created_at, id) {op} ({at}, {id})")
            }
            After::PriceAscending(price, id) | After::PriceDescending(price, id) => {
                let (price, id) = (
                    self.param::<BigInt, _>(price),
                    self.param::<diesel::sql_types::Uuid, _>(id),
                );
                let op = if matches!(after, After::PriceAscending(..)) {
                    ">"
                } else {
                    "<"
                };
                format!("(price_amount_minor, id) {op} ({price}, {id})")
            }
            After::Relevance(s, id) => {
                let (s, id) = (
                    self.param::<Float4, _>(s),
                    self.param::<diesel::sql_types::Uuid, _>(id),
                );
                format!("({score} < {s} OR ({score} = {s} AND id > {id}))")
            }
        }
    }
}

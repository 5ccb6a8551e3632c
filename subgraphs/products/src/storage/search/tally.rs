//! The listing's tally: its matches counted by category and price band, for the total
//! and the facets, over the whole table or a sample of it (when and how to sample is
//! the domain's: `domain::facets`).

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Float4, Integer, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::statement::{Leave, Statement};
use super::{Filter, PRICE_BANDS};

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

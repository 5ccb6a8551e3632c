//! The rate table: what a parcel of a weight costs to a country.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::rows::RateRow;
use super::schema::shipping_rates;

/// The cheapest band that carries `weight_grams` to `country` in `currency`
/// (a country's own rates before the `*` fallback); `None` when none does.
/// `currency` `None` accepts any.
pub async fn rate(
    mut conn: &AsyncPgConnection,
    country: &str,
    weight_grams: i64,
    currency: Option<&str>,
) -> QueryResult<Option<RateRow>> {
    let Ok(weight) = i32::try_from(weight_grams) else {
        return Ok(None);
    };
    let mut query = shipping_rates::table
        // Two `=` rather than `= ANY($1)`: PostgreSQL plans an `ANY` of a bound array
        // anew on every execution (its custom plan always looks cheaper), `=` once.
        .filter(
            shipping_rates::country
                .eq(country)
                .or(shipping_rates::country.eq("*")),
        )
        .filter(shipping_rates::max_weight_grams.ge(weight))
        .order((
            shipping_rates::country.eq("*").asc(),
            shipping_rates::max_weight_grams.asc(),
        ))
        .select(RateRow::as_select())
        .into_boxed();
    if let Some(currency) = currency {
        query = query.filter(shipping_rates::currency.eq(currency));
    }
    query.first(&mut conn).await.optional()
}

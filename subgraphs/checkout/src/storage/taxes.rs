//! Queries on `tax_rates`.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::rows::TaxRateRow;
use super::schema::tax_rates;

/// The rates of one destination country.
pub async fn of_country(
    conn: &mut AsyncPgConnection,
    country: &str,
) -> QueryResult<Vec<TaxRateRow>> {
    tax_rates::table
        .filter(tax_rates::country.eq(country))
        .select(TaxRateRow::as_select())
        .load(conn)
        .await
}

/// Every rate, by country, the country's own first.
pub async fn all(conn: &mut AsyncPgConnection) -> QueryResult<Vec<TaxRateRow>> {
    tax_rates::table
        .order((
            tax_rates::country,
            tax_rates::category_id.asc().nulls_first(),
        ))
        .select(TaxRateRow::as_select())
        .load(conn)
        .await
}

/// Sets the rate of a country (and category), replacing the one it had.
pub async fn set(
    conn: &mut AsyncPgConnection,
    country: &str,
    category_id: Option<Uuid>,
    basis_points: i32,
) -> QueryResult<()> {
    // The unique index is on an expression (a NULL category is one scope), which only
    // SQL names as a conflict target.
    diesel::sql_query(
        "INSERT INTO tax_rates (country, category_id, basis_points) VALUES ($1, $2, $3) \
         ON CONFLICT (country, coalesce(category_id, '00000000-0000-0000-0000-000000000000'::uuid)) \
         DO UPDATE SET basis_points = EXCLUDED.basis_points, updated_at = now()",
    )
    .bind::<diesel::sql_types::Text, _>(country)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(category_id)
    .bind::<diesel::sql_types::Integer, _>(basis_points)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes a rate; returns whether there was one.
pub async fn remove(
    conn: &mut AsyncPgConnection,
    country: &str,
    category_id: Option<Uuid>,
) -> QueryResult<bool> {
    let scope = tax_rates::table.filter(tax_rates::country.eq(country));
    let deleted = match category_id {
        Some(id) => {
            diesel::delete(scope.filter(tax_rates::category_id.eq(id)))
                .execute(conn)
                .await?
        }
        None => {
            diesel::delete(scope.filter(tax_rates::category_id.is_null()))
                .execute(conn)
                .await?
        }
    };
    Ok(deleted > 0)
}

//! Demo data for development (`mart up`): tax rates for a few countries and a welcome
//! discount code, so a cart in the playground shows tax and a discount. Only what is
//! missing is added: rates and codes staff changed are left as they are.

use diesel_async::{AsyncConnection, RunQueryDsl};
use mart_service::{Database, ServiceConfig};

use crate::domain::CheckoutError;

/// Standard VAT rates of the seeded countries, in basis points.
const TAX_RATES: [(&str, i32); 5] = [
    ("NL", 2100),
    ("DE", 1900),
    ("FR", 2000),
    ("BE", 2100),
    ("GB", 2000),
];

/// `WELCOME10`: 10 % off a subtotal of 20.00 or more.
const WELCOME_CODE: &str = "WELCOME10";

pub async fn seed_demo(config: &ServiceConfig) -> Result<(), CheckoutError> {
    let db = Database::open(
        config,
        crate::SERVICE,
        &[&mart_events::MIGRATIONS, &crate::MIGRATIONS],
    )
    .await?;
    let mut conn = db.conn().await?;
    conn.transaction::<_, CheckoutError, _>(async |c| {
        for (country, basis_points) in TAX_RATES {
            diesel::sql_query(
                "INSERT INTO tax_rates (country, basis_points) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind::<diesel::sql_types::Text, _>(country)
            .bind::<diesel::sql_types::Integer, _>(basis_points)
            .execute(c)
            .await?;
        }
        diesel::sql_query(
            "INSERT INTO discount_codes (code, percent_basis_points, min_subtotal_minor) \
             VALUES ($1, 1000, 2000) ON CONFLICT DO NOTHING",
        )
        .bind::<diesel::sql_types::Text, _>(WELCOME_CODE)
        .execute(c)
        .await?;
        Ok(())
    })
    .await
}

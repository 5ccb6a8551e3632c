//! The tax rates staff keep, and those of a cart's destination.

use uuid::Uuid;

use super::tax::{TaxRate, check_basis_points};
use super::{Carts, CheckoutError};
use crate::storage::rows::TaxRateRow;
use crate::storage::taxes;

fn rate(row: TaxRateRow) -> TaxRate {
    TaxRate {
        country: row.country,
        category_id: row.category_id,
        basis_points: row.basis_points,
    }
}

impl Carts {
    pub(super) async fn rates_of(&self, country: &str) -> Result<Vec<TaxRate>, CheckoutError> {
        let mut conn = self.db.conn().await?;
        Ok(taxes::of_country(&mut conn, country)
            .await?
            .into_iter()
            .map(rate)
            .collect())
    }

    /// Staff: every tax rate.
    pub async fn tax_rates(&self) -> Result<Vec<TaxRate>, CheckoutError> {
        let mut conn = self.db.conn().await?;
        Ok(taxes::all(&mut conn).await?.into_iter().map(rate).collect())
    }

    /// Staff: sets the rate of `country` (for `category_id`, or its own).
    pub async fn set_tax_rate(&self, rate: &TaxRate) -> Result<TaxRate, CheckoutError> {
        let country = tax_country(&rate.country)?;
        check_basis_points(rate.basis_points)?;
        let mut conn = self.db.conn().await?;
        taxes::set(&mut conn, &country, rate.category_id, rate.basis_points).await?;
        Ok(TaxRate {
            country,
            ..rate.clone()
        })
    }

    /// Staff: removes a rate (there: no tax, or the country's own rate, applies again);
    /// whether there was one.
    pub async fn remove_tax_rate(
        &self,
        country: &str,
        category_id: Option<Uuid>,
    ) -> Result<bool, CheckoutError> {
        let country = tax_country(country)?;
        let mut conn = self.db.conn().await?;
        Ok(taxes::remove(&mut conn, &country, category_id).await?)
    }
}

/// A tax rate's country: an assigned ISO 3166-1 alpha-2 code, upper-cased.
fn tax_country(country: &str) -> Result<String, CheckoutError> {
    let country = country.trim().to_ascii_uppercase();
    if country.len() == 2 && mart_service::address::is_country(&country) {
        return Ok(country);
    }
    Err(CheckoutError::bad_input(
        "country",
        "country must be an ISO 3166-1 alpha-2 code such as NL or US",
    ))
}

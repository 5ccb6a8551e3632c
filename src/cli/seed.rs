use anyhow::{Context, Result};
use mart_service::ServiceConfig;

/// Seeds the catalogue, then stock for every seeded product.
pub async fn run(config: &ServiceConfig) -> Result<()> {
    let products = mart_products::seed(config)
        .await
        .context("seeding the catalogue")?;
    mart_inventory::seed(config, &products)
        .await
        .context("seeding stock")?;
    tracing::info!(products = products.len(), "demo data ready");
    Ok(())
}

use anyhow::{Context, Result};
use mart_service::ServiceConfig;

/// Seeds the catalogue, stock for every seeded product, and the demo accounts
/// (whose credentials it prints).
pub async fn run(config: &ServiceConfig) -> Result<()> {
    let products = mart_products::seed(config)
        .await
        .context("seeding the catalogue")?;
    mart_inventory::seed(config, &products)
        .await
        .context("seeding stock")?;
    let accounts = mart_users::seed(config)
        .await
        .context("seeding demo accounts")?;
    tracing::info!(products = products.len(), "demo data ready");
    println!("Demo accounts:");
    for account in accounts {
        println!(
            "  {:<9} {} / {}",
            account.role.as_str(),
            account.email,
            account.password
        );
    }
    Ok(())
}

use anyhow::{Context, Result};
use mart_service::ServiceConfig;
use mart_users::Role;

/// Which accounts `mart seed` creates besides the catalogue and stock.
pub enum Accounts {
    /// The demo staff member and customer, with public passwords: development only
    /// (`mart up`, `./dev up`).
    Demo,
    /// An operator's first admin, if one was configured.
    FirstAdmin(FirstAdmin),
}

/// The first admin of a deployment (docker-compose passes it from the operator's
/// environment). Created once; an existing account is never changed.
#[derive(clap::Args)]
pub struct FirstAdmin {
    #[arg(long = "admin-email", env = "MART_ADMIN_EMAIL")]
    email: Option<String>,
    /// At least 10 characters.
    #[arg(
        long = "admin-password",
        env = "MART_ADMIN_PASSWORD",
        hide_env_values = true
    )]
    password: Option<String>,
}

/// Seeds the catalogue, stock for every seeded product, and `accounts`.
pub async fn run(config: &ServiceConfig, accounts: Accounts) -> Result<()> {
    let products = mart_products::seed(config)
        .await
        .context("seeding the catalogue")?;
    mart_inventory::seed(config, &products)
        .await
        .context("seeding stock")?;
    tracing::info!(products = products.len(), "catalogue and stock ready");
    match accounts {
        Accounts::Demo => demo_accounts(config).await,
        Accounts::FirstAdmin(admin) => first_admin(config, admin).await,
    }
}

async fn demo_accounts(config: &ServiceConfig) -> Result<()> {
    let accounts = mart_users::seed(config)
        .await
        .context("seeding demo accounts")?;
    mart_checkout::seed_demo(config)
        .await
        .context("seeding demo tax rates and discount code")?;
    println!(
        "Demo tax rates: NL, BE 21 %, DE 19 %, FR, GB 20 %; discount code WELCOME10 (10 % from 20.00)"
    );
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

async fn first_admin(config: &ServiceConfig, admin: FirstAdmin) -> Result<()> {
    let non_empty = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
    let (Some(email), Some(password)) = (non_empty(admin.email), non_empty(admin.password)) else {
        println!(
            "No account created: set MART_ADMIN_EMAIL and MART_ADMIN_PASSWORD for a first \
             admin, or run `mart admin create`."
        );
        return Ok(());
    };
    let accounts = mart_users::accounts(config)
        .await
        .context("opening the users database")?;
    if accounts.exists(&email).await? {
        println!("{email} already has an account; left unchanged.");
        return Ok(());
    }
    let (user, _) = accounts
        .ensure_user(&email, Some(&password), None, Role::Admin)
        .await?;
    println!("created the first admin {} ({})", user.email, user.id);
    Ok(())
}

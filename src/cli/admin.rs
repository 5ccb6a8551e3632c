//! `mart admin …`: staff accounts from the command line (the first admin has
//! nobody to promote them).

use anyhow::{Context, Result};
use clap::Subcommand;
use mart_service::ServiceConfig;
use mart_users::EnsureOutcome;
use mart_users::Role;

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create a staff account, or make an existing account staff.
    Create {
        #[arg(long)]
        email: String,
        /// At least 10 characters. Default for a new account: a random one,
        /// printed once. Prefer the environment variable: command lines show
        /// up in process lists.
        #[arg(long, env = "MART_ADMIN_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// Default for a new account: the part of the email before the @.
        #[arg(long)]
        name: Option<String>,
    },
}

pub async fn run(config: &ServiceConfig, command: AdminCommand) -> Result<()> {
    match command {
        AdminCommand::Create {
            email,
            password,
            name,
        } => create(config, &email, password, name.as_deref()).await,
    }
}

async fn create(
    config: &ServiceConfig,
    email: &str,
    password: Option<String>,
    name: Option<&str>,
) -> Result<()> {
    let accounts = mart_users::accounts(config)
        .await
        .context("opening the users database")?;
    let generated = match (&password, accounts.exists(email).await?) {
        (None, false) => Some(mart_users::generate_password()?),
        _ => None,
    };
    let password = password.or_else(|| generated.clone());
    let (user, outcome) = accounts
        .ensure_user(email, password.as_deref(), name, Role::Admin)
        .await?;
    match outcome {
        EnsureOutcome::Created => println!("created admin {} ({})", user.email, user.id),
        EnsureOutcome::Updated => println!("{} ({}) is now an admin", user.email, user.id),
        EnsureOutcome::Unchanged => println!("{} ({}) is already an admin", user.email, user.id),
    }
    if let Some(password) = generated {
        println!("password: {password}");
        println!("(shown once; set another with --password or MART_ADMIN_PASSWORD)");
    }
    Ok(())
}

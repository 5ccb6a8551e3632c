//! `mart`: run the whole system in one process, one service alone, seed demo data,
//! or export the subgraph schemas.

mod cli;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "mart",
    version,
    about = "Mart: an e-commerce backend built as a GraphQL federation"
)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every service in this process, each on its own port, then the router.
    Up {
        /// Do not load the demo catalogue.
        #[arg(long)]
        no_seed: bool,
    },
    /// Run one service alone (what each docker-compose container runs).
    Serve {
        /// products, inventory, users or router
        service: String,
    },
    /// Load the demo catalogue and stock (idempotent). Accounts: the demo ones
    /// with `--demo` (credentials printed), else a first admin when
    /// MART_ADMIN_EMAIL and MART_ADMIN_PASSWORD are set and no such account exists.
    Seed {
        /// Also create (or reset) the demo accounts, whose passwords are public.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        first_admin: cli::seed::FirstAdmin,
    },
    /// Staff accounts.
    Admin {
        #[command(subcommand)]
        command: cli::admin::AdminCommand,
    },
    /// Messages a service's event pipeline gave up on: list and replay them.
    DeadLetters {
        #[command(subcommand)]
        command: cli::dead_letters::DeadLetterCommand,
    },
    /// Subgraph schemas.
    Schema {
        #[command(subcommand)]
        command: cli::schema::SchemaCommand,
    },
}

fn main() -> Result<()> {
    let args = Args::parse();
    let shares_machine = matches!(args.command, Command::Up { .. });
    cli::runtime::build(shares_machine)?.block_on(run(args))
}

async fn run(args: Args) -> Result<()> {
    let service = match &args.command {
        Command::Serve { service } => format!("mart-{service}"),
        _ => "mart".to_string(),
    };
    let _exporting = mart_service::telemetry::init(&service);
    match args.command {
        Command::Up { no_seed } => cli::run::up(!no_seed).await,
        Command::Serve { service } => cli::run::serve(&service).await,
        Command::Seed { demo, first_admin } => {
            let config = mart_service::ServiceConfig::from_env()?;
            let accounts = if demo {
                cli::seed::Accounts::Demo
            } else {
                cli::seed::Accounts::FirstAdmin(first_admin)
            };
            cli::seed::run(&config, accounts).await
        }
        Command::Admin { command } => {
            cli::admin::run(&mart_service::ServiceConfig::from_env()?, command).await
        }
        Command::DeadLetters { command } => {
            cli::dead_letters::run(&mart_service::ServiceConfig::from_env()?, command).await
        }
        Command::Schema { command } => cli::schema::run(command),
    }
}

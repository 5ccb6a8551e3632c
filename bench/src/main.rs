//! `mart-bench`: Mart's load generator. Without a subcommand it loads one GraphQL
//! operation (see [`query`]); `mart-bench orders` places orders for many customers
//! through the router and follows each to CONFIRMED (see [`orders`]); `mart-bench fanout`
//! measures order-status updates fanned out to many WebSocket subscribers (see [`fanout`]);
//! `mart-bench federation` serves in-memory subgraphs for router comparisons (see
//! [`federation`]); `mart-bench search` times catalogue searches (see [`search`]).
use std::time::Duration;

use clap::{Parser, Subcommand};

mod fanout;
mod federation;
mod orders;
mod query;
mod search;
mod topic_end;

pub(crate) use mart_bench::shop;

#[derive(Parser)]
#[command(
    name = "mart-bench",
    about = "Load generator for Mart",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    query: Option<query::Args>,
}

#[derive(Subcommand)]
enum Command {
    /// Place orders at a fixed rate through the router and time each one from
    /// placeOrder to CONFIRMED.
    Orders(orders::Args),
    /// Many WebSocket subscribers on the router, order status changes at a fixed rate:
    /// delay from commit to each subscriber, losses, and router memory per socket.
    Fanout(fanout::Args),
    /// The four in-memory subgraphs of the public federation benchmark's shape, for
    /// `bench/federation.sh`: routers side by side on a deep nested query.
    Federation(federation::Args),
    /// Catalogue searches of several kinds through the router against the generated
    /// catalogue of `bench/search.sh`: latency per kind.
    Search(search::Args),
}

pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map(|i| text.split_at(i))
        .unwrap_or((text, "s"));
    let value: f64 = number
        .parse()
        .map_err(|_| format!("invalid duration {text:?}"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" | "" => value,
        "m" => value * 60.0,
        _ => return Err(format!("unknown unit in {text:?} (use ms, s or m)")),
    };
    Ok(Duration::from_secs_f64(seconds))
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match (cli.command, cli.query) {
        (Some(Command::Orders(args)), _) => orders::run(args),
        (Some(Command::Fanout(args)), _) => fanout::run(args),
        (Some(Command::Federation(args)), _) => federation::run(args),
        (Some(Command::Search(args)), _) => search::run(args),
        (None, Some(args)) => query::run(args),
        (None, None) => {
            use clap::CommandFactory;
            Cli::command().print_help()?;
            anyhow::bail!("give --url and --query-file, or a subcommand")
        }
    }
}

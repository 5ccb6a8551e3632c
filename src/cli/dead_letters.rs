//! `mart dead-letters …`: what a service's event pipeline gave up on (see
//! docs/events.md), listed and replayed by staff from the command line.

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use mart_events::dead_letter;
use mart_service::{Database, ServiceConfig, ServiceName};

#[derive(Subcommand)]
pub enum DeadLetterCommand {
    /// The newest dead letters of a service, not yet replayed.
    List {
        /// products, inventory, users, orders, payments, shipping or notifications
        service: String,
        /// Include the ones replayed already.
        #[arg(long)]
        all: bool,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Sends a dead letter down its normal path again: a consumer's message is
    /// produced to its topic again (consumers that applied it skip it by id), a
    /// refused outbox row goes back to the outbox.
    Replay { service: String, id: i64 },
}

pub async fn run(config: &ServiceConfig, command: DeadLetterCommand) -> Result<()> {
    match command {
        DeadLetterCommand::List {
            service,
            all,
            limit,
        } => {
            let db = open(config, &service).await?;
            let mut conn = db.conn().await?;
            let letters = dead_letter::list(&mut conn, all, limit.clamp(1, 10_000)).await?;
            if letters.is_empty() {
                println!("no dead letters");
            }
            for l in letters {
                println!(
                    "{} {} {} stage={} consumer={} topic={} partition={} offset={} event={} type={} bytes={}\n    {}",
                    l.id,
                    l.created_at.format("%Y-%m-%dT%H:%M:%SZ"),
                    if l.replayed_at.is_some() {
                        "replayed"
                    } else {
                        "waiting"
                    },
                    l.stage,
                    l.consumer.as_deref().unwrap_or("-"),
                    l.topic,
                    l.partition.map_or("-".into(), |p| p.to_string()),
                    l.offset.map_or("-".into(), |o| o.to_string()),
                    l.event_id.map_or("-".into(), |e| e.to_string()),
                    l.event_type.as_deref().unwrap_or("-"),
                    l.payload.len(),
                    l.error
                );
            }
            Ok(())
        }
        DeadLetterCommand::Replay { service, id } => {
            let db = open(config, &service).await?;
            let producer = mart_events::kafka::idempotent_producer(&config.kafka_brokers)
                .context("connecting to Kafka")?;
            let mut conn = db.conn().await?;
            let letter = dead_letter::replay(&mut conn, &producer, id).await?;
            println!(
                "replayed dead letter {id} ({} stage, topic {})",
                letter.stage, letter.topic
            );
            Ok(())
        }
    }
}

async fn open(config: &ServiceConfig, service: &str) -> Result<Database> {
    let service: ServiceName = service.parse()?;
    if service == ServiceName::Router {
        bail!("the router has no event pipeline");
    }
    // The shared outbox migrations create the table if the service never ran.
    Database::open(config, service, &[&mart_events::MIGRATIONS])
        .await
        .with_context(|| format!("opening the {service} database"))
}

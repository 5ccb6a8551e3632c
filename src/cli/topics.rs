//! `mart topics …`: the deployment's Kafka topics.

use anyhow::{Context, Result};
use clap::Subcommand;
use mart_service::ServiceConfig;

#[derive(Subcommand)]
pub enum TopicCommand {
    /// Deletes every topic whose name starts with --prefix: a deployment taken
    /// down for good, or what test and benchmark runs left (`./dev test` uses it
    /// for the `t.` topics of earlier runs).
    Delete {
        #[arg(long)]
        prefix: String,
    },
}

pub async fn run(config: &ServiceConfig, command: TopicCommand) -> Result<()> {
    match command {
        TopicCommand::Delete { prefix } => {
            let deleted =
                mart_events::kafka::delete_topics_with_prefix(&config.kafka_brokers, &prefix)
                    .await
                    .with_context(|| format!("deleting topics at {}", config.kafka_brokers))?;
            println!("deleted {} topics starting with {prefix:?}", deleted.len());
            Ok(())
        }
    }
}

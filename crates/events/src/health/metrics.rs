//! The pipeline's series on `/metrics`: set in the service's registry at each scrape from
//! what [`PipelineHealth`] holds and what the outbox and dead-letter tables say now.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use diesel::prelude::*;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::PipelineHealth;
use crate::schema::outbox_events;

impl PipelineHealth {
    /// Sets this service's pipeline series in `registry`, as of now: each consumer's lag,
    /// stalls and counts, rows published, and (read from `pool` now) the outbox backlog and
    /// the dead letters waiting.
    pub async fn record(
        &self,
        registry: &mart_telemetry::Registry,
        service: &'static str,
        pool: &Pool<AsyncPgConnection>,
    ) {
        self.record_consumers(registry, service);
        registry
            .counter(PUBLISHED, &[("service", service)])
            .absolute(AtomicU64::load(&self.published, Relaxed));
        match pool.get().await {
            Ok(mut conn) => {
                if let Err(e) = self.record_tables(registry, service, &mut conn).await {
                    tracing::warn!(error = %e, "reading outbox metrics failed");
                }
            }
            Err(e) => tracing::warn!(error = %e, "no connection for outbox metrics"),
        }
    }

    fn record_consumers(&self, registry: &mart_telemetry::Registry, service: &'static str) {
        for c in self.consumers() {
            let labels = [
                ("service", service),
                ("consumer", c.name.as_str()),
                ("group", c.group.as_str()),
            ];
            for (topic, lag) in c.lag() {
                let [a, b, d] = labels;
                registry
                    .gauge(LAG, &[a, b, d, ("topic", topic.as_str())])
                    .set(lag as f64);
            }
            for (topic, stalled) in c.stalled_for() {
                let [a, b, d] = labels;
                registry
                    .gauge(STALLED, &[a, b, d, ("topic", topic.as_str())])
                    .set(stalled.as_secs_f64());
            }
            registry
                .gauge(SINCE_LAST_ROUND, &labels)
                .set(c.since_last_round());
            registry
                .counter(RECOVERIES, &labels)
                .absolute(c.recoveries());
            registry
                .counter(DEAD_LETTERED, &labels)
                .absolute(AtomicU64::load(&c.dead_lettered, Relaxed));
            registry
                .counter(MESSAGES, &labels)
                .absolute(AtomicU64::load(&c.settled, Relaxed));
        }
    }

    async fn record_tables(
        &self,
        registry: &mart_telemetry::Registry,
        service: &'static str,
        conn: &mut AsyncPgConnection,
    ) -> QueryResult<()> {
        let (unsent, oldest): (i64, Option<chrono::DateTime<chrono::Utc>>) = outbox_events::table
            .filter(outbox_events::published_at.is_null())
            .select((
                diesel::dsl::count_star(),
                diesel::dsl::min(outbox_events::created_at),
            ))
            .first(conn)
            .await?;
        let age = oldest
            .map(|t| (chrono::Utc::now() - t).num_milliseconds().max(0) as f64 / 1000.0)
            .unwrap_or(0.0);
        let labels = [("service", service)];
        registry.gauge(UNSENT, &labels).set(unsent as f64);
        registry.gauge(OLDEST_UNSENT, &labels).set(age);
        let waiting = crate::dead_letter::waiting(conn).await?;
        // Both stages always appear, so an alert has a series to watch from the start; a
        // (stage, consumer) seen before and replayed since goes back to 0 (the registry
        // keeps every series it was given).
        let mut seen = self.dead_letter_series.lock().unwrap();
        seen.insert(("publish".to_string(), String::new()));
        seen.insert(("consume".to_string(), String::new()));
        for (stage, consumer, _) in &waiting {
            seen.insert((stage.clone(), consumer.clone()));
        }
        for (stage, consumer) in seen.iter() {
            let n = waiting
                .iter()
                .find(|(s, c, _)| s == stage && c == consumer)
                .map_or(0, |(_, _, n)| *n);
            registry
                .gauge(
                    DEAD_LETTERS,
                    &[
                        ("service", service),
                        ("stage", stage.as_str()),
                        ("consumer", consumer.as_str()),
                    ],
                )
                .set(n as f64);
        }
        Ok(())
    }
}

const LAG: &str = "mart_consumer_lag";
const STALLED: &str = "mart_consumer_stalled_seconds";
const SINCE_LAST_ROUND: &str = "mart_consumer_seconds_since_last_round";
const RECOVERIES: &str = "mart_consumer_recoveries_total";
const DEAD_LETTERED: &str = "mart_consumer_dead_lettered_total";
const MESSAGES: &str = "mart_consumer_messages_total";
const PUBLISHED: &str = "mart_outbox_published_total";
const UNSENT: &str = "mart_outbox_unsent";
const OLDEST_UNSENT: &str = "mart_outbox_oldest_unsent_seconds";
const DEAD_LETTERS: &str = "mart_dead_letters";

impl PipelineHealth {
    /// The help text of [`Self::record`]'s series, once per registry.
    pub fn describe(registry: &mart_telemetry::Registry) {
        registry.describe_gauge(
            LAG,
            "Records on the topic past the consumer group's committed offset.",
        );
        registry.describe_gauge(
        STALLED,
        "How long the group's committed offset has stood still while records wait (0 when caught up).",
    );
        registry.describe_gauge(
            SINCE_LAST_ROUND,
            "Seconds since the consumer last applied a round of messages.",
        );
        registry.describe_counter(
            RECOVERIES,
            "Times the consumer left and rejoined its group after a stall.",
        );
        registry.describe_counter(
            DEAD_LETTERED,
            "Messages this consumer recorded as dead letters since the process started.",
        );
        registry.describe_counter(
            MESSAGES,
            "Messages this consumer settled (handled, skipped as already seen, or dead-lettered).",
        );
        registry.describe_counter(
            PUBLISHED,
            "Outbox rows the relay published (or dead-lettered) since start.",
        );
        registry.describe_gauge(UNSENT, "Outbox rows not yet published to the broker.");
        registry.describe_gauge(
            OLDEST_UNSENT,
            "Age of the oldest unpublished outbox row (0 when none).",
        );
        registry.describe_gauge(
            DEAD_LETTERS,
            "Dead letters not yet replayed, by stage (publish, consume) and consumer.",
        );
    }
}

//! Applying events exactly once in effect (see [`apply`]) while keeping up with
//! the topic: each round takes every message already fetched (up to a batch
//! size), skips the ones the handler does not want without touching the
//! database, applies the rest in one transaction, then stores the offsets.
//! The offsets are stored only after that transaction (and committed to the
//! broker every [`crate::kafka::OFFSET_COMMIT_INTERVAL`]), so a crash in
//! between means redelivery, never loss.
//!
//! A message that is not an event, or that its handler rejects for good, is
//! recorded as a dead letter ([`crate::dead_letter`]) before its offset moves.
//! A consumer whose group stands still while records wait (see [`watch`])
//! closes and joins its group again, by itself.

mod apply;
mod batch;
mod reactions;
mod stats;
mod trace;
mod unhurried;
mod watch;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::deadpool::Pool;
use futures::{FutureExt, StreamExt};
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::error::KafkaError;
use tokio_util::sync::CancellationToken;

pub use apply::{Applied, BatchFailure, apply_batch, apply_once};
pub use reactions::{Reactions, Saga, decode_run, runs};
pub use unhurried::Unhurried;

use crate::envelope::EventEnvelope;
use crate::health::ConsumerHealth;
use crate::outbox::OutboxSignal;
use batch::Batch;
use stats::Stats;

pub type HandlerFuture<'a> = Pin<Box<dyn Future<Output = Result<(), HandlerError>> + Send + 'a>>;

/// What [`EventHandler::handle_batch`] returns: on failure, the position (in the
/// events it was given) of the event at fault, and why.
pub type BatchFuture<'a> =
    Pin<Box<dyn Future<Output = Result<(), (usize, HandlerError)>> + Send + 'a>>;

/// Business reaction to events. Runs inside the transaction that records the event
/// as processed: write through `conn`, and enqueue follow-up events in the outbox
/// on the same `conn`. Other events may share that transaction (before and after
/// this one): a handler must not end it, and an error rolls all of them back.
pub trait EventHandler: Send + Sync + 'static {
    /// How soon after publication its events should be applied. Default:
    /// [`Urgency::Background`].
    fn urgency(&self) -> Urgency {
        Urgency::Background
    }

    /// Whether events of `event_type` concern this handler. The others are
    /// skipped without a transaction and not recorded as processed (their
    /// offsets still advance). Default: every event.
    fn wants(&self, event_type: &str) -> bool {
        let _ = event_type;
        true
    }

    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a EventEnvelope,
    ) -> HandlerFuture<'a>;

    /// Applies a round's new events, in order, in its transaction (see
    /// [`EventHandler::handle`]). The default handles them one by one; a
    /// handler that can apply many events in a few statements (one per table
    /// rather than a few per event) overrides it, so a busy round costs a
    /// few round trips instead of a few per event.
    fn handle_batch<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        events: &'a [&'a EventEnvelope],
    ) -> BatchFuture<'a> {
        Box::pin(async move {
            for (i, event) in events.iter().enumerate() {
                self.handle(conn, event).await.map_err(|e| (i, e))?;
            }
            Ok(())
        })
    }

    /// Called once a round that applied events has committed: what the
    /// handlers wrote is now visible to other connections (a publisher polling
    /// the rows can be woken). Default: nothing.
    fn committed(&self) {}
}

/// How promptly a consumer fetches. tansu answers a fetch only once the
/// consumer's `fetch.wait.max.ms` has passed, even when records are ready (it
/// reads them, then sleeps out the wait), so that wait is added to every step
/// of a saga; but every fetch costs the broker CPU, so only consumers someone
/// waits on fetch often. Apache Kafka answers as soon as records are there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    /// A customer waits on the outcome (an order's way to CONFIRMED).
    Interactive,
    /// Nobody waits: Kafka's default fetch cadence.
    Background,
}

impl Urgency {
    pub fn fetch_wait(self) -> Duration {
        match self {
            // Measured with `bench/orders.sh --rate 200 --duration 60s` on two
            // cores (bench/README.md): 20 ms spent so much broker CPU that a
            // backlog grew (p99 6.3 s to CONFIRMED), 50 ms 1.1 s, 100 ms 0.83 s,
            // 75 ms 0.64 s.
            Urgency::Interactive => Duration::from_millis(75),
            Urgency::Background => Duration::from_millis(500),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// Worth retrying: the database was unreachable, a lock timed out, …
    #[error("transient: {0}")]
    Transient(String),
    /// Retrying cannot help (a malformed payload, a constraint the event
    /// breaks): recorded as a dead letter and passed.
    #[error("permanent: {0}")]
    Permanent(String),
}

impl From<diesel::result::Error> for HandlerError {
    /// Constraint violations and values that cannot be (de)serialized fail the
    /// same way every time: permanent. Lost connections, serialization
    /// conflicts, deadlocks, lock and statement timeouts (PostgreSQL codes
    /// diesel does not name), and a row not found yet (an event overtaking the
    /// one that creates it) may pass on a retry: transient.
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::DatabaseErrorKind as Kind;
        use diesel::result::Error;
        let permanent = matches!(
            e,
            Error::DatabaseError(
                Kind::UniqueViolation
                    | Kind::ForeignKeyViolation
                    | Kind::NotNullViolation
                    | Kind::CheckViolation,
                _
            ) | Error::DeserializationError(_)
                | Error::SerializationError(_)
                | Error::QueryBuilderError(_)
                | Error::InvalidCString(_)
        );
        if permanent {
            HandlerError::Permanent(e.to_string())
        } else {
            HandlerError::Transient(e.to_string())
        }
    }
}

impl From<crate::envelope::EnvelopeError> for HandlerError {
    fn from(e: crate::envelope::EnvelopeError) -> Self {
        HandlerError::Permanent(e.to_string())
    }
}

#[derive(Debug, Clone)]
pub struct ConsumerSettings {
    pub brokers: String,
    /// Kafka consumer group; instances sharing it split the partitions.
    pub group_id: String,
    /// Full topic names.
    pub topics: Vec<String>,
    /// The name under which handled events are recorded.
    pub name: String,
    /// Most messages taken in one round (one transaction).
    pub batch_size: usize,
    /// How long the broker may hold a fetch (see [`Urgency`]).
    pub fetch_wait: Duration,
    /// Where the consumer reports its progress (`/metrics`, `/ready`).
    pub health: Arc<ConsumerHealth>,
}

impl ConsumerSettings {
    pub const DEFAULT_BATCH_SIZE: usize = 500;
}

#[derive(Debug, thiserror::Error)]
pub enum ConsumerError {
    #[error("kafka: {0}")]
    Kafka(#[from] KafkaError),
}

/// Consumes until `shutdown`, a batch at a time (see the module docs); a batch
/// is retried with backoff while its failure is transient. `after_commit` is
/// signalled whenever a batch that applied events has committed, so the
/// follow-up events its handlers enqueued leave at once instead of at the
/// relay's next poll.
///
/// When the group's position stands still for [`crate::health::STALL_AFTER`] while records
/// wait, the consumer is closed (leaving the group) and created again: the
/// rejoin is logged and counted in [`ConsumerHealth`].
pub async fn run_consumer(
    pool: Pool<AsyncPgConnection>,
    settings: ConsumerSettings,
    handler: Arc<dyn EventHandler>,
    after_commit: Option<OutboxSignal>,
    shutdown: CancellationToken,
) -> Result<(), ConsumerError> {
    let run = Run {
        pool,
        settings,
        handler,
        after_commit,
        shutdown,
    };
    loop {
        let consumer: Arc<StreamConsumer> = Arc::new(
            crate::kafka::consumer_config(
                &run.settings.brokers,
                &run.settings.group_id,
                run.settings.fetch_wait,
            )
            .set("auto.offset.reset", "earliest")
            .create()?,
        );
        let topics: Vec<&str> = run.settings.topics.iter().map(String::as_str).collect();
        consumer.subscribe(&topics)?;
        tracing::info!(group = run.settings.group_id, topics = ?run.settings.topics, "consuming");
        let watch = watch::spawn(
            consumer.clone(),
            run.settings.topics.clone(),
            run.settings.health.clone(),
        );
        let ended = run.consume(&consumer).await;
        watch.abort();
        let _ = watch.await;
        // Closing commits the stored offsets and leaves the group; it talks to
        // the broker, so it runs off the async threads, and a broker that does
        // not answer cannot hold the rejoin for long.
        let closing = tokio::task::spawn_blocking(move || drop(consumer));
        let _ = tokio::time::timeout(Duration::from_secs(10), closing).await;
        match ended {
            Ended::Shutdown => return Ok(()),
            Ended::Stalled => run.settings.health.recovered(),
        }
    }
}

/// Why one consumer instance stopped.
enum Ended {
    Shutdown,
    /// Its group stood still while records waited: rejoin.
    Stalled,
}

struct Run {
    pool: Pool<AsyncPgConnection>,
    settings: ConsumerSettings,
    handler: Arc<dyn EventHandler>,
    after_commit: Option<OutboxSignal>,
    shutdown: CancellationToken,
}

impl Run {
    async fn consume(&self, consumer: &StreamConsumer) -> Ended {
        let settings = &self.settings;
        let handler = &*self.handler;
        let mut messages = consumer.stream();
        let mut stats = Stats::new(&settings.name);
        let batch_size = settings.batch_size.max(1);
        let mut watchdog = tokio::time::interval(Duration::from_secs(1));
        loop {
            let first = tokio::select! {
                _ = self.shutdown.cancelled() => return Ended::Shutdown,
                m = messages.next() => m.expect("kafka streams never end"),
                _ = watchdog.tick() => {
                    if let Some((topic, stalled, waiting)) = settings.health.stall() {
                        tracing::warn!(
                            group = settings.group_id,
                            topic,
                            stalled_secs = stalled.as_secs(),
                            waiting,
                            assigned = consumer.assignment().map(|a| a.count()).unwrap_or(0),
                            "consumer made no progress while records wait; rejoining its group"
                        );
                        return Ended::Stalled;
                    }
                    continue;
                }
            };
            let mut batch = Batch::new(&settings.name);
            match first {
                Ok(message) => batch.add(&message, handler),
                Err(e) => {
                    tracing::warn!(error = %e, "kafka receive failed, retrying");
                    tokio::select! {
                        _ = self.shutdown.cancelled() => return Ended::Shutdown,
                        _ = tokio::time::sleep(Duration::from_millis(500)) => continue,
                    }
                }
            }
            // Whatever librdkafka has already fetched joins this round.
            while batch.messages < batch_size {
                match messages.next().now_or_never() {
                    Some(Some(Ok(message))) => batch.add(&message, handler),
                    Some(Some(Err(e))) => {
                        tracing::warn!(error = %e, "kafka receive failed");
                        break;
                    }
                    _ => break,
                }
            }
            if !self.apply(&mut batch, &mut stats).await {
                return Ended::Shutdown;
            }
            match batch.offsets() {
                Ok(offsets) => {
                    if let Err(e) = consumer.store_offsets(&offsets) {
                        tracing::warn!(error = %e, "offset store failed; events may be redelivered");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "no offsets to commit"),
            }
        }
    }

    /// Applies a round and records its dead letters; `false` when shutdown
    /// interrupted (nothing may be committed).
    async fn apply(&self, batch: &mut Batch, stats: &mut Stats) -> bool {
        let settings = &self.settings;
        let started = Instant::now();
        let events: Vec<&EventEnvelope> = batch.events.iter().collect();
        let traced = trace::Round::start(&settings.name, &events);
        let work = apply::apply_with_retry(
            &self.pool,
            &settings.name,
            &*self.handler,
            &events,
            &self.shutdown,
        );
        let Some(outcome) = traced.run(work).await else {
            return false;
        };
        let poisoned = batch.poison.len();
        let mut letters = std::mem::take(&mut batch.poison);
        let mut origins: Vec<Option<batch::Origin>> = std::mem::take(&mut batch.origins)
            .into_iter()
            .map(Some)
            .collect();
        for (at, reason) in outcome.rejected {
            if let Some(origin) = origins[at].take() {
                letters.push(origin.dead_letter(&settings.name, Some(&batch.events[at]), reason));
            }
        }
        if !crate::dead_letter::record(&self.pool, &letters, &self.shutdown).await {
            return false;
        }
        settings.health.dead_lettered(letters.len());
        if outcome.applied > 0 {
            if let Some(signal) = &self.after_commit {
                signal.committed();
            }
            self.handler.committed();
        }
        settings.health.round_applied(batch.events.len() + poisoned);
        stats.record(batch, outcome.applied, started.elapsed());
        true
    }
}

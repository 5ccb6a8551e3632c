//! The steps every subgraph takes at start, in order: open and migrate its
//! database, make sure the topics exist, start the outbox relay, the pruning
//! of its event tables, the upkeep of its tables (vacuum) and its consumers, then serve GraphQL with health,
//! readiness and metrics.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use diesel_migrations::EmbeddedMigrations;
use mart_events::{
    ConsumerSettings, EventHandler, OutboxRelay, OutboxSignal, PipelineHealth, Topic,
};
use rdkafka::consumer::{BaseConsumer, Consumer};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::{ServiceConfig, ServiceName};
use crate::db::{Database, DbError};
use crate::http::{
    CheckFuture, Readiness, ReadinessCheck, ServiceHandle, probe_routes, spawn_server,
};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Database(#[from] DbError),
    #[error("kafka at {brokers}: {reason}")]
    Kafka { brokers: String, reason: String },
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    PaymentTokenKey(#[from] crate::payment_token::SealError),
}

/// A subgraph being started.
pub struct Bootstrap {
    pub service: ServiceName,
    pub config: ServiceConfig,
    pub db: Database,
    /// Signal it after committing a transaction that enqueued events.
    pub outbox: OutboxSignal,
    pub shutdown: CancellationToken,
    /// The consumers' progress and the outbox, for `/metrics` and `/ready`.
    pub pipeline: Arc<PipelineHealth>,
    /// What table upkeep did, for `/metrics`.
    pub upkeep: Arc<crate::upkeep::UpkeepStats>,
    /// Idle connections closed, for `/metrics`.
    pub reclaim: Arc<crate::memory::ReclaimStats>,
    /// This instance's metrics: HTTP requests and pool waits are recorded here; a
    /// service adds its own (saga outcomes, deliveries).
    pub metrics: mart_telemetry::Registry,
    tasks: Vec<JoinHandle<()>>,
}

impl Bootstrap {
    /// Opens the database (shared outbox tables, then `migrations`), creates the
    /// topics, and starts the outbox relay.
    pub async fn start(
        config: &ServiceConfig,
        service: ServiceName,
        migrations: &'static EmbeddedMigrations,
        shutdown: CancellationToken,
    ) -> Result<Self, StartError> {
        let mut db =
            Database::open(config, service, &[&mart_events::MIGRATIONS, migrations]).await?;
        let metrics = mart_telemetry::Registry::new();
        db.observe(&metrics, service.as_str());
        let kafka_error = |reason: String| StartError::Kafka {
            brokers: config.kafka_brokers.clone(),
            reason: match mart_events::kafka::security_protocol() {
                // A refused login looks like a broker that does not answer.
                Some(protocol) => format!(
                    "{reason} (over {protocol}: check MART_KAFKA_SECURITY_PROTOCOL and its credentials too)"
                ),
                None => reason,
            },
        };
        mart_events::kafka::ensure_layout(
            &config.kafka_brokers,
            &config.topic_prefix,
            &config.topic_layout,
        )
        .await
        .map_err(|e| kafka_error(e.to_string()))?;
        let producer = mart_events::kafka::shared_producer(&config.kafka_brokers)
            .map_err(|e| kafka_error(e.to_string()))?;
        let outbox = OutboxSignal::new();
        let pipeline = PipelineHealth::new();
        let mut relay = OutboxRelay::new(
            db.pool().clone(),
            producer,
            config.topic_prefix.clone(),
            outbox.clone(),
        );
        relay.health = Some(pipeline.clone());
        let relay_task = tokio::spawn(relay.run(shutdown.clone()));
        let prune_task = tokio::spawn(mart_events::retention::run(
            db.pool().clone(),
            mart_events::retention::Retention::default(),
            shutdown.clone(),
        ));
        let upkeep = Arc::new(crate::upkeep::UpkeepStats::default());
        let upkeep_task = tokio::spawn(crate::upkeep::run(
            db.pool().clone(),
            crate::upkeep::Upkeep::default(),
            upkeep.clone(),
            shutdown.clone(),
        ));
        let reclaim = Arc::new(crate::memory::ReclaimStats::default());
        let reclaim_task = tokio::spawn(crate::memory::run(
            db.pool().clone(),
            crate::memory::Reclaim::default(),
            reclaim.clone(),
            shutdown.clone(),
        ));
        Ok(Self {
            service,
            config: config.clone(),
            db,
            outbox,
            shutdown,
            pipeline,
            upkeep,
            reclaim,
            metrics,
            tasks: vec![relay_task, prune_task, upkeep_task, reclaim_task],
        })
    }

    /// Starts a consumer of `topics` in this service's consumer group `group`
    /// (instances sharing the group split the work; processed events are
    /// recorded under the same name).
    pub fn consume(&mut self, group: &str, topics: &[Topic], handler: Arc<dyn EventHandler>) {
        let group_id = self.config.prefixed(&format!("{}.{group}", self.service));
        let name = format!("{}.{group}", self.service);
        let settings = ConsumerSettings {
            brokers: self.config.kafka_brokers.clone(),
            health: self.pipeline.consumer(&name, &group_id),
            group_id,
            topics: topics
                .iter()
                .map(|t| t.name(&self.config.topic_prefix))
                .collect(),
            name,
            batch_size: ConsumerSettings::DEFAULT_BATCH_SIZE,
            fetch_wait: handler.urgency().fetch_wait(),
        };
        let pool = self.db.pool().clone();
        let shutdown = self.shutdown.clone();
        let outbox = Some(self.outbox.clone());
        self.tasks.push(tokio::spawn(async move {
            if let Err(e) =
                mart_events::run_consumer(pool, settings, handler, outbox, shutdown).await
            {
                tracing::error!(error = %e, "consumer stopped");
            }
        }));
    }

    /// Adds a background task that stops with the service.
    pub fn spawn(&mut self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        self.tasks.push(tokio::spawn(task));
    }

    /// Verifies access tokens against this deployment's JWKS (see
    /// [`crate::identity::verifier_for`]).
    pub fn verifier(&self) -> Arc<mart_auth::Verifier> {
        crate::identity::verifier_for(&self.config)
    }

    /// `/graphql` for `schema`, authenticating callers with [`Self::verifier`].
    pub fn graphql_routes<Q, M, S>(&self, schema: async_graphql::Schema<Q, M, S>) -> Router
    where
        Q: async_graphql::ObjectType + 'static,
        M: async_graphql::ObjectType + 'static,
        S: async_graphql::SubscriptionType + 'static,
    {
        crate::graphql::routes_with_verifier(schema, self.verifier())
    }

    /// Postgres and Kafka must answer; a stalled consumer makes the service
    /// degraded (see [`PipelineHealth::check`]).
    pub fn readiness(&self) -> Readiness {
        Readiness::new()
            .with("postgres", self.db.clone())
            .with("kafka", KafkaProbe(self.config.kafka_brokers.clone()))
            .with_degrading("pipeline", PipelineProbe(self.pipeline.clone()))
    }

    /// Serves `app` (plus `/health`, `/ready` and `/metrics`) on `listener`
    /// until shutdown.
    pub fn serve(self, listener: TcpListener, app: Router) -> Result<ServiceHandle, StartError> {
        let metrics = crate::http::metrics_route(crate::http::MetricsSources {
            service: self.service.as_str(),
            registry: self.metrics.clone(),
            pipeline: self.pipeline.clone(),
            upkeep: self.upkeep.clone(),
            reclaim: self.reclaim.clone(),
            db: self.db.clone(),
        });
        let tracked =
            mart_telemetry::http::HttpMetrics::new(self.metrics.clone(), self.service.as_str());
        // Requests past the router must carry its signature, when a secret is configured.
        let app = match &self.config.request_signer {
            Some(signer) => app.layer(axum::middleware::from_fn_with_state(
                std::sync::Arc::new(signer.clone()),
                crate::signature::require,
            )),
            None => app,
        };
        let app = app.layer(axum::middleware::from_fn_with_state(
            self.service.as_str(),
            crate::http::trace_context,
        ));
        let app = crate::client::resolve(app, &self.config.trusted_proxies);
        let app = app
            .merge(probe_routes(self.readiness()))
            .merge(metrics)
            .layer(axum::middleware::from_fn_with_state(
                tracked,
                mart_telemetry::http::track,
            ));
        let mut handle = spawn_server(self.service.as_str(), listener, app, self.shutdown)?;
        handle.tasks.extend(self.tasks);
        Ok(handle)
    }
}

/// Every consumer makes progress (or has nothing to do).
struct PipelineProbe(Arc<PipelineHealth>);

impl ReadinessCheck for PipelineProbe {
    fn check(&self) -> CheckFuture<'_> {
        Box::pin(async move { self.0.check() })
    }
}

/// Kafka is reachable when a metadata request to the brokers answers.
pub struct KafkaProbe(pub String);

impl ReadinessCheck for KafkaProbe {
    fn check(&self) -> CheckFuture<'_> {
        let brokers = self.0.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                let consumer: BaseConsumer = mart_events::kafka::client(&brokers)
                    .create()
                    .map_err(|e| e.to_string())?;
                consumer
                    .fetch_metadata(None, Duration::from_secs(2))
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
            .await
            .map_err(|e| e.to_string())?
        })
    }
}

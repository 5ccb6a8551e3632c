//! The live feed of status changes behind the subscriptions.
//!
//! Every orders instance reads every `order.status_changed` event itself (its
//! own consumer group, never committing; see [`tap`]) and fans it out
//! in-process to the subscribers of that order and of that customer, over a
//! bounded broadcast channel per order or customer watched. A subscriber hears
//! every change produced after its subscription started and none from before.

mod tap;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mart_events::catalog::OrderStatusChanged;
use mart_events::{EventEnvelope, Topic};
use mart_service::subscriptions::RecentIds;
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use tokio::sync::{OnceCell, broadcast};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::domain::Order;

pub use tap::{IDLE_BEFORE_PAUSE, Tap};

/// How many delivered event ids are remembered to drop redeliveries.
const REMEMBERED: usize = 4096;

/// One status change, shared by every subscriber that receives it.
pub type StatusChange = Arc<Published>;

/// A status change as the feed hands it to subscribers.
pub struct Published {
    pub change: OrderStatusChanged,
    order: OnceCell<Option<Order>>,
}

impl Published {
    fn new(change: OrderStatusChanged) -> Self {
        Self {
            change,
            order: OnceCell::new(),
        }
    }

    /// The order as read after this change: `read` by the first subscriber that
    /// asks, the same order for the others. A change of a watched order can have a
    /// thousand subscribers, and one read each was a query per subscriber per
    /// change (bench/README.md, fan-out). A failed read is tried again by the next.
    pub async fn order<E, F>(&self, read: impl FnOnce() -> F) -> Result<Option<Order>, E>
    where
        F: Future<Output = Result<Option<Order>, E>>,
    {
        self.order.get_or_try_init(read).await.cloned()
    }
}

/// Whose changes a subscriber hears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Watch {
    Order(Uuid),
    /// Every order of this customer.
    Customer(Uuid),
}

/// Subscribe here to hear the changes of an order or a customer from now on.
///
/// One channel per order or customer watched, rather than one for all: a change
/// wakes only the subscribers it concerns. With a single channel every change
/// woke every subscriber to filter it, and a thousand subscribers fell so far
/// behind that they were dropped as too slow (bench/README.md, fan-out).
#[derive(Clone)]
pub struct StatusFeed {
    inner: Arc<Channels>,
    /// Where changes come from; none when they are published by hand (tests).
    tap: Option<Arc<Tap>>,
}

struct Channels {
    capacity: usize,
    watched: Mutex<HashMap<Watch, broadcast::Sender<StatusChange>>>,
}

/// A subscriber's changes; dropping the last one of an order or customer forgets
/// its channel.
pub struct Changes {
    rx: broadcast::Receiver<StatusChange>,
    watch: Watch,
    channels: Arc<Channels>,
}

impl Changes {
    /// The next change; `Lagged` when the subscriber fell more than the feed's
    /// capacity behind, `Closed` when the service shuts down.
    pub async fn recv(&mut self) -> Result<StatusChange, broadcast::error::RecvError> {
        self.rx.recv().await
    }
}

impl Drop for Changes {
    fn drop(&mut self) {
        let mut watched = self.channels.watched.lock().unwrap();
        // Counted under the lock `subscribe` takes: no receiver can be added meanwhile.
        if watched
            .get(&self.watch)
            .is_some_and(|tx| tx.receiver_count() <= 1)
        {
            watched.remove(&self.watch);
        }
    }
}

impl StatusFeed {
    /// A subscriber more than `capacity` changes (of what it watches) behind is
    /// told it lagged.
    pub fn new(capacity: usize, tap: Arc<Tap>) -> Self {
        Self {
            tap: Some(tap),
            ..Self::by_hand(capacity)
        }
    }

    /// A feed whose changes are [`Self::publish`]ed directly.
    fn by_hand(capacity: usize) -> Self {
        Self {
            inner: Arc::new(Channels {
                capacity: capacity.max(1),
                watched: Mutex::default(),
            }),
            tap: None,
        }
    }

    /// Starts hearing the changes of `watch`: every change produced once this
    /// returns. Fails when the broker cannot be reached to start reading.
    pub async fn subscribe(&self, watch: Watch) -> Result<Changes, KafkaError> {
        // Registered first: a pause that comes after sees a watcher and keeps
        // reading; one that came before is undone by `listen`.
        let changes = self.register(watch);
        if let Some(tap) = &self.tap {
            tap.listen().await?;
        }
        Ok(changes)
    }

    fn register(&self, watch: Watch) -> Changes {
        let mut watched = self.inner.watched.lock().unwrap();
        let rx = match watched.get(&watch) {
            Some(tx) => tx.subscribe(),
            None => {
                let (tx, rx) = broadcast::channel(self.inner.capacity);
                watched.insert(watch, tx);
                rx
            }
        };
        Changes {
            rx,
            watch,
            channels: self.inner.clone(),
        }
    }

    fn publish(&self, change: OrderStatusChanged) {
        let change = Arc::new(Published::new(change));
        let watched = self.inner.watched.lock().unwrap();
        for watch in [
            Watch::Order(change.change.order_id),
            Watch::Customer(change.change.user_id),
        ] {
            // Nobody watching is fine: the change is simply not needed.
            if let Some(tx) = watched.get(&watch) {
                let _ = tx.send(change.clone());
            }
        }
    }

    fn is_watched(&self) -> bool {
        !self.inner.watched.lock().unwrap().is_empty()
    }

    /// Orders and customers watched right now.
    #[cfg(test)]
    fn watched(&self) -> usize {
        self.inner.watched.lock().unwrap().len()
    }
}

/// Reads the tap's consumer into `feed` until `shutdown`, and lets the tap stop
/// fetching once nobody has watched for `idle_before_pause`.
pub async fn run(feed: StatusFeed, idle_before_pause: Duration, shutdown: CancellationToken) {
    let Some(tap) = feed.tap.clone() else {
        return;
    };
    let mut seen = RecentIds::new(REMEMBERED);
    let mut idle_check =
        tokio::time::interval((idle_before_pause / 4).max(Duration::from_millis(10)));
    let mut unwatched_since: Option<Instant> = None;
    loop {
        let message = tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = idle_check.tick() => {
                if feed.is_watched() {
                    unwatched_since = None;
                } else if unwatched_since.get_or_insert_with(Instant::now).elapsed() >= idle_before_pause {
                    tap.pause_if(|| !feed.is_watched()).await;
                    unwatched_since = None;
                }
                continue;
            }
            m = tap.consumer().recv() => m,
        };
        let message = match message {
            Ok(message) => message,
            Err(e) => {
                tracing::warn!(error = %e, "live status feed: kafka error");
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(Duration::from_millis(500)) => continue,
                }
            }
        };
        let Some(envelope) = message
            .payload()
            .and_then(|p| serde_json::from_slice::<EventEnvelope>(p).ok())
        else {
            tracing::warn!("live status feed: skipping a message that is not an event");
            continue;
        };
        if !envelope.is::<OrderStatusChanged>() || !seen.insert(envelope.id) {
            continue;
        }
        match envelope.decode::<OrderStatusChanged>() {
            Ok(change) => feed.publish(change),
            Err(e) => tracing::warn!(error = %e, "live status feed: malformed status change"),
        }
    }
}

/// The status changes' topic's name under `prefix`.
pub fn topic(prefix: &str) -> String {
    Topic::OrderStatus.name(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(order_id: Uuid, user_id: Uuid, to: &str) -> OrderStatusChanged {
        OrderStatusChanged {
            order_id,
            user_id,
            from: None,
            to: to.into(),
            reason: None,
            at: chrono::Utc::now(),
        }
    }

    #[test]
    fn redeliveries_are_dropped() {
        let mut seen = RecentIds::new(REMEMBERED);
        let id = Uuid::now_v7();
        assert!(seen.insert(id));
        assert!(!seen.insert(id));
    }

    #[tokio::test]
    async fn a_subscriber_too_far_behind_is_told_it_lagged() {
        let feed = StatusFeed::by_hand(2);
        let order = Uuid::now_v7();
        let mut rx = feed.register(Watch::Order(order));
        for _ in 0..3 {
            feed.publish(change(order, Uuid::now_v7(), "PENDING"));
        }
        assert!(matches!(
            rx.recv().await,
            Err(broadcast::error::RecvError::Lagged(1))
        ));
    }

    #[tokio::test]
    async fn subscribers_hear_only_their_order_or_customer() {
        let feed = StatusFeed::by_hand(16);
        let (order, other_order) = (Uuid::now_v7(), Uuid::now_v7());
        let (customer, other_customer) = (Uuid::now_v7(), Uuid::now_v7());
        let mut by_order = feed.register(Watch::Order(order));
        let mut by_customer = feed.register(Watch::Customer(customer));
        feed.publish(change(other_order, other_customer, "NOT_OURS"));
        feed.publish(change(other_order, customer, "CUSTOMERS"));
        feed.publish(change(order, customer, "BOTH"));
        assert_eq!(by_order.recv().await.unwrap().change.to, "BOTH");
        assert_eq!(by_customer.recv().await.unwrap().change.to, "CUSTOMERS");
        assert_eq!(by_customer.recv().await.unwrap().change.to, "BOTH");
        assert!(by_order.rx.is_empty() && by_customer.rx.is_empty());
    }

    #[tokio::test]
    async fn a_channel_lives_as_long_as_someone_watches() {
        let feed = StatusFeed::by_hand(16);
        let order = Uuid::now_v7();
        let first = feed.register(Watch::Order(order));
        let mut second = feed.register(Watch::Order(order));
        assert_eq!(feed.watched(), 1);
        drop(first);
        assert_eq!(feed.watched(), 1);
        feed.publish(change(order, Uuid::now_v7(), "SHIPPED"));
        assert_eq!(second.recv().await.unwrap().change.to, "SHIPPED");
        drop(second);
        assert_eq!(feed.watched(), 0);
        // Watching it again starts afresh.
        let mut again = feed.register(Watch::Order(order));
        feed.publish(change(order, Uuid::now_v7(), "DELIVERED"));
        assert_eq!(again.recv().await.unwrap().change.to, "DELIVERED");
    }
}

//! A Redis outage during a burst: the history stays complete throughout and
//! the live stream, once Redis is back, delivers every notification once.
//! The test runs its own Redis (the shared one serves other tests).

use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use mart_service::testkit;

use crate::support::{Harness, TIMEOUT};

/// A private `redis-server` on a fixed port, killed on drop.
struct PrivateRedis {
    port: u16,
    child: Child,
}

impl PrivateRedis {
    async fn start(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server runs (apt-get install redis-server)");
        let redis = Self { port, child };
        testkit::eventually(
            "the private redis to accept connections",
            TIMEOUT,
            || async {
                tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .ok()
                    .map(|_| ())
            },
        )
        .await;
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    async fn kill(mut self) {
        self.child.kill().expect("redis-server is killed");
        self.child.wait().expect("redis-server exits");
        let port = self.port;
        testkit::eventually("the private redis to stop listening", TIMEOUT, || async {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_err()
                .then_some(())
        })
        .await;
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread")]
async fn restarting_redis_mid_burst_loses_nothing_and_the_stream_resumes() {
    let port = free_port();
    let redis = PrivateRedis::start(port).await;
    let h = Harness::start_with_redis("notify_outage", Some(redis.url())).await;
    let ada = h.customer();
    let mut live = h.subscribe(Some(&ada)).await;

    h.place(ada.id, "M-5000").await;
    let mut received = vec![live.next_notification().await["title"].clone()];

    // The first half of the burst arrives live.
    for i in 1..=10 {
        h.place(ada.id, &format!("M-50{i:02}")).await;
    }
    for _ in 1..=10 {
        received.push(live.next_notification().await["title"].clone());
    }

    // Redis goes away; the rest of the burst is still recorded.
    redis.kill().await;
    for i in 11..=30 {
        h.place(ada.id, &format!("M-50{i:02}")).await;
    }
    let history = h.history_of(&ada, 31).await;
    assert_eq!(history.len(), 31, "history is complete while Redis is down");

    // Back on the same port: the stream resumes with everything it missed.
    let _redis = PrivateRedis::start(port).await;
    for _ in 11..=30 {
        received.push(live.next_notification().await["title"].clone());
    }
    let expected: Vec<String> = (0..=30)
        .map(|i| format!("Order M-50{i:02} received"))
        .collect();
    let received: Vec<String> = received
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    assert_eq!(received, expected, "every notification once, in order");
    let distinct: HashSet<_> = history.iter().map(|n| n["id"].clone()).collect();
    assert_eq!(distinct.len(), 31);

    // Live delivery works normally again afterwards.
    h.place(ada.id, "M-5031").await;
    let n = tokio::time::timeout(Duration::from_secs(30), live.next_notification())
        .await
        .expect("a live notification after the restart");
    assert_eq!(n["title"], "Order M-5031 received");
}

/// Clients connected to the private Redis, as Redis counts them (this query's own included).
async fn redis_clients(url: &str) -> usize {
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let info: String = redis::cmd("INFO")
        .arg("clients")
        .query_async(&mut conn)
        .await
        .unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("connected_clients:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("INFO clients has connected_clients")
}

#[tokio::test(flavor = "multi_thread")]
async fn many_live_subscriptions_share_one_redis_connection() {
    let redis = PrivateRedis::start(free_port()).await;
    let h = Harness::start_with_redis("notify_shared", Some(redis.url())).await;
    let mut subscribers = Vec::new();
    for i in 0..20 {
        let who = h.customer();
        let live = h.subscribe(Some(&who)).await;
        h.place(who.id, &format!("S-{i:03}")).await;
        subscribers.push((who, live));
    }
    // Every subscription works: each gets its own order's notification.
    for (i, (_, live)) in subscribers.iter_mut().enumerate() {
        let n = live.next_notification().await;
        assert_eq!(n["title"], format!("Order S-{i:03} received"));
    }
    // The hub's subscription, the publisher's connection and this query: not one per
    // subscriber.
    let clients = redis_clients(&redis.url()).await;
    assert!(
        clients <= 3,
        "{clients} Redis connections for 20 subscriptions"
    );
}

//! One notifications service per test, with its own database, topics and Redis
//! channel prefix, plus clients for GraphQL over HTTP and WebSocket.

use std::sync::Arc;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use mart_auth::{KeySet, Role, SigningKey, TokenIssuer, TokenSettings, Verifier};
use mart_events::DomainEvent;
use mart_events::catalog::{Currency, MoneyPayload, OrderPlaced};
use mart_service::{Database, ServiceHandle, testkit};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Long enough for an event to cross the outbox, the broker and Redis on a
/// loaded 2-core machine.
pub const TIMEOUT: Duration = Duration::from_secs(30);

pub struct Who {
    pub id: Uuid,
    pub token: String,
}

pub struct Harness {
    /// Prefix of this test's topics.
    pub topic_prefix: String,
    pub brokers: String,
    pub url: String,
    pub ws_url: String,
    /// The service's own database: tests enqueue events in its outbox, which
    /// the service's relay publishes to the broker like any producer's.
    pub db: Database,
    issuer: TokenIssuer,
    client: reqwest::Client,
    shutdown: CancellationToken,
    handle: Option<ServiceHandle>,
    _databases: testkit::DropDatabases,
}

impl Harness {
    pub async fn start(label: &str) -> Self {
        Self::start_with_redis(label, None).await
    }

    pub async fn start_with_redis(label: &str, redis_url: Option<String>) -> Self {
        Self::start_with(
            label,
            redis_url,
            vec![Arc::new(mart_notifications::LogSender)],
        )
        .await
    }

    /// With `redis_url`, the service uses that Redis instead of the shared
    /// one; published notifications also go to `senders`.
    pub async fn start_with(
        label: &str,
        redis_url: Option<String>,
        senders: Vec<Arc<dyn mart_notifications::NotificationSender>>,
    ) -> Self {
        let mut config = testkit::isolated_config(label);
        let databases = testkit::DropDatabases::new(&config);
        if let Some(url) = redis_url {
            config.redis_url = url;
        }
        let (key, _) = SigningKey::generate_ed25519().expect("a fresh key");
        let issuer = TokenIssuer::new(
            KeySet::new(key),
            TokenSettings {
                issuer: "mart-users".into(),
                audience: "mart".into(),
                access_token_ttl: Duration::from_secs(3600),
            },
        );
        let verifier: Arc<Verifier> = Arc::new(issuer.local_verifier(Duration::from_secs(5)));
        config.verifier = Some(verifier);
        let shutdown = CancellationToken::new();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let handle = mart_notifications::start_with(
            &config,
            listener,
            shutdown.clone(),
            mart_notifications::StartOptions {
                channel_prefix: Some(format!("t:{}:notifications:", testkit::unique_suffix())),
                senders,
            },
        )
        .await
        .expect("notifications starts");
        let db = Database::open(
            &config,
            mart_notifications::SERVICE,
            &[&mart_events::MIGRATIONS, &mart_notifications::MIGRATIONS],
        )
        .await
        .expect("the service's database opens");
        Self {
            url: format!("http://{}/graphql", handle.addr),
            ws_url: format!("ws://{}/graphql", handle.addr),
            topic_prefix: config.topic_prefix.clone(),
            brokers: config.kafka_brokers.clone(),
            db,
            issuer,
            client: reqwest::Client::new(),
            shutdown,
            handle: Some(handle),
            _databases: databases,
        }
    }

    pub fn customer(&self) -> Who {
        self.who(Role::Customer)
    }

    pub fn admin(&self) -> Who {
        self.who(Role::Admin)
    }

    fn who(&self, role: Role) -> Who {
        let id = Uuid::now_v7();
        let token = self.issuer.issue(id, role).unwrap().token;
        Who { id, token }
    }

    /// Publishes `event` to the broker through the outbox.
    pub async fn emit<E: DomainEvent>(&self, event: &E) {
        let conn = self.db.conn().await.unwrap();
        mart_events::enqueue(&conn, event).await.unwrap();
    }

    /// Emits `order.placed` of a new order of `user` numbered `number`.
    pub async fn place(&self, user: Uuid, number: &str) -> Uuid {
        let order_id = Uuid::now_v7();
        self.emit(&order_placed(order_id, user, number)).await;
        order_id
    }

    pub async fn gql(&self, who: Option<&Who>, query: &str, variables: Value) -> Value {
        let mut request = self
            .client
            .post(&self.url)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(who) = who {
            request = request.bearer_auth(&who.token);
        }
        let response = request.send().await.expect("the service answers");
        assert!(response.status().is_success(), "HTTP {}", response.status());
        response.json().await.expect("a JSON body")
    }

    /// `user`'s notifications as `who` reads them: the `_entities` query the
    /// router sends for `User.notifications`.
    pub async fn history(&self, who: &Who, user: Uuid, args: &str) -> Value {
        let query = format!(
            r#"query($reps: [_Any!]!) {{ _entities(representations: $reps) {{
                ... on User {{ notifications{args} {{
                    edges {{ cursor node {{ id kind title body order {{ id }} user {{ id }} createdAt readAt }} }}
                    pageInfo {{ hasNextPage hasPreviousPage endCursor }}
                }} }}
            }} }}"#
        );
        self.gql(
            Some(who),
            &query,
            json!({ "reps": [{ "__typename": "User", "id": user }] }),
        )
        .await
    }

    /// Waits until `user` has `count` notifications; returns them newest first.
    pub async fn history_of(&self, user: &Who, count: usize) -> Vec<Value> {
        testkit::eventually(&format!("{count} notifications"), TIMEOUT, || async {
            let body = self.history(user, user.id, "(first: 100)").await;
            let edges = body["data"]["_entities"][0]["notifications"]["edges"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            (edges.len() >= count).then(|| {
                edges
                    .into_iter()
                    .map(|e| e["node"].clone())
                    .collect::<Vec<_>>()
            })
        })
        .await
    }

    pub async fn subscribe(&self, who: Option<&Who>) -> LiveClient {
        LiveClient::connect(&self.ws_url, who).await
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.shutdown.cancel();
        drop(self.handle.take());
    }
}

pub fn order_placed(order_id: Uuid, user_id: Uuid, number: &str) -> OrderPlaced {
    let eur = Currency::parse("EUR").unwrap();
    let money = |amount_minor| MoneyPayload {
        amount_minor,
        currency: eur,
    };
    OrderPlaced {
        order_id,
        user_id,
        number: number.into(),
        lines: vec![],
        subtotal: money(1000),
        shipping_cost: money(499),
        discount: None,
        tax: None,
        total: money(1499),
        total_weight_grams: 500,
        shipping_address: mart_events::catalog::AddressPayload {
            name: "Ada Lovelace".into(),
            line1: "1 Test Street".into(),
            line2: None,
            city: "Berlin".into(),
            postal_code: "10115".into(),
            country: "DE".into(),
        },
        payment_token: "tok_ok".into(),
        reservation_expires_at: chrono::Utc::now() + chrono::Duration::minutes(15),
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A graphql-transport-ws client with one `notifications` subscription.
pub struct LiveClient {
    socket: Socket,
}

pub const LIVE_QUERY: &str =
    "subscription { notifications { id kind title order { id } user { id } readAt } }";

impl LiveClient {
    async fn connect(url: &str, who: Option<&Who>) -> Self {
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (socket, response) = tokio_tungstenite::connect_async(request)
            .await
            .expect("the WebSocket opens");
        assert_eq!(
            response
                .headers()
                .get("sec-websocket-protocol")
                .and_then(|v| v.to_str().ok()),
            Some("graphql-transport-ws")
        );
        let mut client = Self { socket };
        let payload = match who {
            Some(who) => json!({ "Authorization": format!("Bearer {}", who.token) }),
            None => json!({}),
        };
        client
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        let ack = client.next_message().await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        client
            .send(json!({ "id": "1", "type": "subscribe", "payload": { "query": LIVE_QUERY } }))
            .await;
        client
    }

    /// Opens a socket whose `connection_init` carries `authorization`, and
    /// returns the reason the server gave for closing it.
    pub async fn refused(url: &str, authorization: &str) -> String {
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        let mut client = Self { socket };
        client
            .send(
                json!({ "type": "connection_init", "payload": { "Authorization": authorization } }),
            )
            .await;
        loop {
            let frame = tokio::time::timeout(TIMEOUT, client.socket.next())
                .await
                .expect("the server answers within the timeout");
            match frame {
                Some(Ok(Message::Close(Some(close)))) => return close.reason.to_string(),
                Some(Ok(Message::Close(None))) | None | Some(Err(_)) => return String::new(),
                Some(Ok(Message::Text(text))) => {
                    panic!("expected the socket to be closed, got {text}")
                }
                Some(Ok(_)) => continue,
            }
        }
    }

    async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .expect("the socket takes the message");
    }

    /// The next protocol message (pings answered on the way).
    pub async fn next_message(&mut self) -> Value {
        loop {
            let frame = tokio::time::timeout(TIMEOUT, self.socket.next())
                .await
                .expect("a message within the timeout")
                .expect("the socket stays open")
                .expect("a readable frame");
            match frame {
                Message::Text(text) => {
                    let message: Value = serde_json::from_str(&text).unwrap();
                    if message["type"] == "ping" {
                        self.send(json!({ "type": "pong" })).await;
                        continue;
                    }
                    return message;
                }
                Message::Close(close) => panic!("the server closed the socket: {close:?}"),
                _ => continue,
            }
        }
    }

    /// The next notification delivered on the subscription.
    pub async fn next_notification(&mut self) -> Value {
        let message = self.next_message().await;
        assert_eq!(message["type"], "next", "{message}");
        assert!(message["payload"]["errors"].is_null(), "{message}");
        message["payload"]["data"]["notifications"].clone()
    }
}

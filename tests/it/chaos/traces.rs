//! One order's trace (issue 18): every process exports its spans over OTLP/HTTP to a
//! receiver in this test, which decodes them as a collector would. An order placed through
//! the router yields one trace holding the router's request, the orders service's handling
//! of it, and each consumer's handling of the saga's events in inventory, payments and back
//! in orders, each span's parent among them: across the Kafka hops too.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use prost::Message;

use super::shop::Shopper;
use super::system::{Layout, System};

/// One exported span, as the test needs it.
#[derive(Debug, Clone)]
struct Exported {
    service: String,
    trace: String,
    id: String,
    parent: String,
    name: String,
    start: u64,
    attributes: BTreeMap<String, String>,
}

type Received = Arc<Mutex<Vec<Exported>>>;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn text(value: &Option<opentelemetry_proto::tonic::common::v1::AnyValue>) -> String {
    match value.as_ref().and_then(|v| v.value.as_ref()) {
        Some(AnyValue::StringValue(s)) => s.clone(),
        Some(AnyValue::IntValue(n)) => n.to_string(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

/// `POST /v1/traces`: an OTLP/HTTP protobuf export, decoded and kept.
async fn receive(State(received): State<Received>, body: Bytes) -> Vec<u8> {
    let request = ExportTraceServiceRequest::decode(body).expect("an OTLP trace export");
    let mut received = received.lock().unwrap();
    for resource_spans in request.resource_spans {
        let service = resource_spans
            .resource
            .iter()
            .flat_map(|r| &r.attributes)
            .find(|a| a.key == "service.name")
            .map(|a| text(&a.value))
            .unwrap_or_default();
        for scope in resource_spans.scope_spans {
            for span in scope.spans {
                received.push(Exported {
                    service: service.clone(),
                    trace: hex(&span.trace_id),
                    id: hex(&span.span_id),
                    parent: hex(&span.parent_span_id),
                    name: span.name,
                    start: span.start_time_unix_nano,
                    attributes: span
                        .attributes
                        .iter()
                        .map(|a| (a.key.clone(), text(&a.value)))
                        .collect(),
                });
            }
        }
    }
    Vec::new()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_placed_through_the_router_is_one_trace_across_every_service() {
    let received: Received = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .route("/v1/traces", post(receive))
        .with_state(received.clone());
    let receiver = tokio::spawn(async move { axum::serve(listener, app).await });

    let system = System::start_with_env(
        "traces",
        Layout::Separate,
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)],
    )
    .await;
    let shopper = Shopper::new(&system, "traces").await;
    let product = shopper.product("Traced mug").await;
    let customer = shopper.first_customer();
    let order = shopper
        .gql
        .place_order(&customer.token, &product, "tok_ok", "traced-order")
        .await
        .expect("placed");

    // Spans leave each process in batches (every 5 s): wait for the last hop, orders
    // handling the payment's authorization.
    let deadline = Instant::now() + Duration::from_secs(90);
    let trace: Vec<Exported> = loop {
        let spans = received.lock().unwrap().clone();
        let trace_id = spans
            .iter()
            .find(|s| s.attributes.get("mart.aggregate") == Some(&order))
            .map(|s| s.trace.clone());
        let trace: Vec<Exported> = spans
            .into_iter()
            .filter(|s| Some(&s.trace) == trace_id.as_ref())
            .collect();
        // Each process sends its own batches: wait until orders' handling of the payment has
        // come and so has every span's parent (a later span can overtake its parent's batch).
        let ids: BTreeSet<&str> = trace.iter().map(|s| s.id.as_str()).collect();
        let complete = trace
            .iter()
            .all(|s| s.parent.is_empty() || ids.contains(s.parent.as_str()));
        let done = trace
            .iter()
            .any(|s| s.service == "mart-orders" && s.name == "orders.saga payment.authorized");
        if done && complete {
            break trace;
        }
        assert!(
            Instant::now() < deadline,
            "the order's trace never reached orders' handling of payment.authorized with every \
             parent: {trace:#?}\n{}",
            system.logs()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };

    let services: BTreeSet<&str> = trace.iter().map(|s| s.service.as_str()).collect();
    for service in [
        "mart-router",
        "mart-orders",
        "mart-inventory",
        "mart-payments",
    ] {
        assert!(
            services.contains(service),
            "no span from {service}: {trace:#?}"
        );
    }
    // One root, the router's request; every other span's parent is in the trace.
    let by_id: BTreeMap<&str, &Exported> = trace.iter().map(|s| (s.id.as_str(), s)).collect();
    let roots: Vec<&Exported> = trace.iter().filter(|s| s.parent.is_empty()).collect();
    assert_eq!(roots.len(), 1, "roots: {roots:#?}");
    assert_eq!(roots[0].service, "mart-router");
    for span in &trace {
        assert!(
            span.parent.is_empty() || by_id.contains_key(span.parent.as_str()),
            "{} ({}) has a parent outside the trace: {trace:#?}",
            span.name,
            span.service
        );
    }
    // Across the Kafka hops: each service's handling of an event is a child of the span, in
    // the service that wrote the event, which handled the step before.
    let parent_of = |service: &str, name: &str| -> String {
        let span = trace
            .iter()
            .find(|s| s.service == service && s.name == name)
            .unwrap_or_else(|| panic!("no {name} in {service}: {trace:#?}"));
        by_id[span.parent.as_str()].service.clone()
    };
    assert_eq!(
        parent_of("mart-inventory", "inventory.saga order.placed"),
        "mart-orders"
    );
    assert_eq!(
        parent_of("mart-orders", "orders.saga payment.authorized"),
        "mart-payments"
    );
    // Payments' handling of the order's event: a consumer span whose parent is another
    // service's (inventory's reservation, or orders' placement).
    let consumed = |service: &str| -> Vec<&Exported> {
        trace
            .iter()
            .filter(|s| s.service == service)
            .filter(|s| {
                s.attributes
                    .get("messaging.operation.type")
                    .map(String::as_str)
                    == Some("process")
            })
            .collect()
    };
    let payments = consumed("mart-payments");
    assert!(
        !payments.is_empty(),
        "payments handled no event of the order: {trace:#?}"
    );
    for span in payments {
        assert_ne!(
            by_id[span.parent.as_str()].service,
            "mart-payments",
            "{span:#?}"
        );
    }

    // The closing note's picture of the trace: span names and services in time order.
    let mut in_time = trace.clone();
    in_time.sort_by_key(|s| s.start);
    for span in &in_time {
        println!("{:<16} {}", span.service, span.name);
    }
    receiver.abort();
    system.stop().await;
}

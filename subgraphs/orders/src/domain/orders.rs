//! The orders service's use cases: place, cancel, and expire orders.

use std::sync::Arc;

use chrono::{SubsecRound, Utc};
use diesel_async::AsyncConnection;
use mart_events::OutboxSignal;
use mart_events::catalog::AddressPayload;
use mart_service::Database;
use mart_service::identity::AccessToken;
use uuid::Uuid;

use super::admission::Admission;
use super::intake::{self, NewOrder};
use super::placement::{self, Destination, PlaceOrderRequest};
use super::status::{OrderEvent, OrderStatus, Outcome};
use super::transition;
use super::{Order, OrdersError, OrdersSettings};
use crate::storage::{self, rows::LineRow, rows::OrderRow};
use crate::upstream::{
    GraphqlClient, ProductsClient, SavedAddress, ShippingClient, UpstreamError, UsersClient,
};

#[derive(Clone)]
pub struct Orders(Arc<Inner>);

struct Inner {
    db: Database,
    outbox: OutboxSignal,
    seal: mart_service::payment_token::TokenSeal,
    products: ProductsClient,
    shipping: ShippingClient,
    users: UsersClient,
    admission: Admission,
    numbers: storage::new_order::Numbers,
    settings: OrdersSettings,
    outcomes: crate::outcomes::SagaOutcomes,
}

/// Where orders reaches the subgraphs it asks at placement.
#[derive(Debug, Clone)]
pub struct Dependencies {
    pub products_url: String,
    pub shipping_url: String,
    pub users_url: String,
    /// Signs the calls when the subgraphs require signed requests.
    pub signer: Option<mart_auth::RequestSigner>,
    /// Seals the payment token for payments' eyes only.
    pub seal: mart_service::payment_token::TokenSeal,
    /// Where cancellations and expiries are counted.
    pub outcomes: crate::outcomes::SagaOutcomes,
}

fn upstream_error(e: UpstreamError) -> OrdersError {
    match e {
        UpstreamError::Unavailable { service, .. } => {
            tracing::warn!(error = %e, "placement dependency unavailable");
            OrdersError::Unavailable(service)
        }
        UpstreamError::Refused {
            service, ref code, ..
        } if code == "SERVICE_UNAVAILABLE" => {
            tracing::warn!(error = %e, "placement dependency unavailable");
            OrdersError::Unavailable(service)
        }
        UpstreamError::Refused { .. } | UpstreamError::Invalid { .. } => OrdersError::Upstream(e),
    }
}

/// The order an idempotency key was first used for, answering a retry of the
/// same request; another request under that key is refused rather than
/// answered with an order it did not ask for. An order stored before
/// fingerprints were kept has none and answers any retry.
fn replay(first: OrderRow, fingerprint: &[u8]) -> Result<OrderRow, OrdersError> {
    match first.request_fingerprint.as_deref() {
        Some(stored) if stored != fingerprint => Err(OrdersError::KeyReused),
        _ => Ok(first),
    }
}

impl Orders {
    pub fn new(
        db: Database,
        outbox: OutboxSignal,
        dependencies: Dependencies,
        settings: OrdersSettings,
    ) -> Self {
        let products = ProductsClient(GraphqlClient::new(
            "products",
            dependencies.products_url,
            settings.products,
            dependencies.signer.clone(),
        ));
        let shipping = ShippingClient(GraphqlClient::new(
            "shipping",
            dependencies.shipping_url,
            settings.shipping,
            dependencies.signer.clone(),
        ));
        let users = UsersClient(GraphqlClient::new(
            "users",
            dependencies.users_url,
            settings.users,
            dependencies.signer.clone(),
        ));
        Self(Arc::new(Inner {
            db,
            outbox,
            seal: dependencies.seal,
            products,
            shipping,
            users,
            admission: Admission::new(settings.max_waiting_orders),
            numbers: Default::default(),
            settings,
            outcomes: dependencies.outcomes,
        }))
    }

    pub fn db(&self) -> &Database {
        &self.0.db
    }

    pub fn settings(&self) -> &OrdersSettings {
        &self.0.settings
    }

    /// Validates, prices (products and shipping are asked now, and users for a
    /// saved address, with the caller's `token`), and stores the order with its
    /// `order.placed` event. The same idempotency key from the same user
    /// returns the first order if the request is the same, and is refused
    /// with [`OrdersError::KeyReused`] if it is not.
    pub async fn place(
        &self,
        user_id: Uuid,
        token: Option<&AccessToken>,
        request: PlaceOrderRequest,
    ) -> Result<Order, OrdersError> {
        let request = placement::validate(&request)?;
        let fingerprint = placement::fingerprint(&request);
        // Most placements are new: the key is looked up only when the insert found it
        // taken (a retry, or a request that raced this one) or the placement failed, so
        // that a retry of an accepted order is answered with it whatever a new
        // placement would meet now: the shop busy, a product since withdrawn, a
        // dependency down.
        let failure = match self.place_new(user_id, token, &request, &fingerprint).await {
            Ok(Some(order)) => return Ok(order),
            Ok(None) => None,
            Err(e) => Some(e),
        };
        let first = async {
            let mut conn = self.0.db.conn().await?;
            let first =
                storage::find_by_idempotency_key(&mut conn, user_id, &request.idempotency_key)
                    .await?;
            Ok::<_, OrdersError>(first)
        }
        .await;
        match (first, failure) {
            (Ok(Some(first)), _) => replay(first, &fingerprint).map(Order::from),
            (_, Some(failure)) => Err(failure),
            (Ok(None), None) => Err(OrdersError::Internal(
                "idempotency conflict without a row".into(),
            )),
            (Err(e), None) => Err(e),
        }
    }

    /// A new order for `request`, or `None` when its user already has one under its
    /// idempotency key (and nothing was written).
    async fn place_new(
        &self,
        user_id: Uuid,
        token: Option<&AccessToken>,
        request: &PlaceOrderRequest,
        fingerprint: &[u8],
    ) -> Result<Option<Order>, OrdersError> {
        self.0.admission.check(&self.0.db).await?;

        let ids: Vec<Uuid> = request.lines.iter().map(|l| l.product_id).collect();
        // Neither answer depends on the other: ask both at once.
        let (address, quotes) = tokio::join!(
            self.shipping_address(user_id, token, &request.destination),
            self.0.products.quotes(&ids),
        );
        let address = address?;
        let quotes = quotes.map_err(upstream_error)?;
        let priced = placement::price_lines(&request.lines, &quotes)?;
        let shipping = self
            .0
            .shipping
            .quote(
                &address.country,
                priced.total_weight_grams,
                priced.currency.as_str(),
            )
            .await
            .map_err(upstream_error)?
            .ok_or_else(|| {
                let field = match request.destination {
                    Destination::Address(_) => "address.country",
                    Destination::Saved(_) => "shippingAddressId",
                };
                OrdersError::bad_input(
                    field,
                    format!(
                        "we do not ship {} g to {}",
                        priced.total_weight_grams, address.country
                    ),
                )
            })?;
        let totals = placement::totals(&priced, &shipping)?;

        // Microseconds, as PostgreSQL keeps them: the events carry what the row holds.
        let now = Utc::now().trunc_subsecs(6);
        let ttl = chrono::Duration::from_std(self.0.settings.reservation_ttl)
            .map_err(|e| OrdersError::Internal(e.to_string()))?;
        let order_id = Uuid::now_v7();
        let currency = priced.currency;
        let lines: Vec<LineRow> = priced
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| LineRow {
                order_id,
                line_no: i as i32 + 1,
                product_id: l.product_id,
                quantity: l.quantity,
                unit_price_minor: l.unit_price_minor,
                weight_grams: l.weight_grams,
                discount_minor: 0,
                tax_minor: 0,
            })
            .collect();
        let address_json =
            serde_json::to_value(&address).map_err(|e| OrdersError::Internal(e.to_string()))?;

        let mut conn = self.0.db.conn().await?;
        let number = self.0.numbers.next(&mut conn).await?;
        let row = OrderRow {
            id: order_id,
            number: storage::label(number),
            user_id,
            idempotency_key: request.idempotency_key.clone(),
            status: OrderStatus::Pending.as_str().to_string(),
            cancel_reason: None,
            currency: currency.as_str().to_string(),
            subtotal_minor: priced.subtotal_minor,
            shipping_minor: totals.shipping_minor,
            total_minor: totals.total_minor,
            total_weight_grams: priced.total_weight_grams,
            shipping_address: address_json,
            reservation_expires_at: (now + ttl).trunc_subsecs(6),
            created_at: now,
            updated_at: now,
            request_fingerprint: Some(fingerprint.to_vec()),
            discount_minor: 0,
            tax_minor: 0,
            discount_code: None,
        };
        let new = NewOrder {
            row,
            lines,
            currency,
            // Only payments can open it: the event and the outbox carry it sealed.
            sealed_payment_token: &self.0.seal.seal(&request.payment_token),
            address: &address,
        };
        // The order, its lines and its events in one statement: a span of the request's
        // trace when traces are exported.
        let span = tracing::info_span!(
            "placement statement",
            otel.name = "orders placement statement",
            db.system.name = "postgresql",
        );
        let written = tracing::Instrument::instrument(intake::write(&conn, &new), span).await?;
        let Some(order) = written else {
            self.0.numbers.unused(number);
            return Ok(None);
        };
        self.0.outbox.committed();
        Ok(Some(order.into()))
    }

    /// The address the order goes to: the typed one, or the caller's saved one
    /// as users holds it now (snapshotted like a typed one). An id that is not
    /// the caller's gets the same answer whether it exists or not.
    async fn shipping_address(
        &self,
        user_id: Uuid,
        token: Option<&AccessToken>,
        destination: &Destination,
    ) -> Result<AddressPayload, OrdersError> {
        let address_id = match destination {
            Destination::Address(address) => return Ok(address.clone()),
            Destination::Saved(id) => *id,
        };
        let token = token.ok_or(OrdersError::Unauthenticated)?;
        let saved = self
            .0
            .users
            .saved_address(token, user_id, address_id)
            .await
            .map_err(|e| match e {
                // Users did not take the token orders accepted (it expired in
                // between, say): the caller's to renew.
                UpstreamError::Refused { ref code, .. } if code == "UNAUTHENTICATED" => {
                    OrdersError::Unauthenticated
                }
                other => upstream_error(other),
            })?;
        match saved {
            SavedAddress::Found(address) => placement::validate_saved_address(&address),
            SavedAddress::NotTheirs => Err(OrdersError::bad_input(
                "shippingAddressId",
                "shippingAddressId is not one of your saved addresses",
            )),
        }
    }

    /// Cancels before shipping (voiding the payment and releasing the stock
    /// through `order.cancelled`); refused once shipped. Cancelling a cancelled
    /// order returns it unchanged.
    pub async fn cancel(
        &self,
        order_id: Uuid,
        may_access: impl Fn(Uuid) -> bool + Send + Sync,
    ) -> Result<Order, OrdersError> {
        let mut conn = self.0.db.conn().await?;
        let applied = conn
            .transaction::<_, OrdersError, _>(async |conn| {
                let order = storage::find(conn, order_id)
                    .await?
                    .filter(|o| may_access(o.user_id))
                    .ok_or(OrdersError::NoOrder(order_id))?;
                let applied =
                    transition::apply(conn, order.id, OrderEvent::CancelRequested).await?;
                if applied.outcome == Outcome::TooLateToCancel {
                    return Err(OrdersError::TooLateToCancel);
                }
                Ok(applied)
            })
            .await?;
        if applied.moved() {
            self.0.outcomes.record(&applied.outcome);
            self.0.outbox.committed();
        }
        applied
            .order
            .map(Order::from)
            .ok_or(OrdersError::NoOrder(order_id))
    }

    /// Cancels orders still waiting for stock or payment after their
    /// reservation ran out; returns how many were cancelled.
    pub async fn expire_overdue(&self) -> Result<usize, OrdersError> {
        let mut conn = self.0.db.conn().await?;
        let waiting = [
            OrderStatus::Pending.as_str(),
            OrderStatus::Reserved.as_str(),
        ];
        let due = storage::expired(&mut conn, &waiting, Utc::now(), 100).await?;
        let mut cancelled = 0;
        for order_id in due {
            let applied = conn
                .transaction::<_, OrdersError, _>(async |conn| {
                    Ok(transition::apply(conn, order_id, OrderEvent::ReservationExpired).await?)
                })
                .await?;
            if applied.moved() {
                self.0.outcomes.record(&applied.outcome);
                cancelled += 1;
            }
        }
        if cancelled > 0 {
            tracing::info!(cancelled, "cancelled orders whose reservation expired");
            self.0.outbox.committed();
        }
        Ok(cancelled)
    }

    /// The timeout task: [`Self::expire_overdue`] every `expiry_sweep` until
    /// `shutdown`.
    pub async fn run_expiry(self, shutdown: tokio_util::sync::CancellationToken) {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(self.0.settings.expiry_sweep) => {}
            }
            if let Err(e) = self.expire_overdue().await {
                tracing::warn!(error = %e, "expiring orders failed; will retry");
            }
        }
    }
}

//! What payments does for each saga event, and the admin refund. Every provider
//! call uses a key derived from the order and the operation, so a redelivered
//! event or a retried call reaches the processor with the same key and is not
//! acted on twice.

use std::sync::Arc;

use diesel_async::{AsyncConnection, AsyncPgConnection};
use mart_events::catalog::{Currency, MoneyPayload};
use mart_events::{HandlerError, OutboxSignal};
use mart_service::Database;
use uuid::Uuid;

use super::{Payment, PaymentEntry, PaymentStatus, PaymentsError};
use crate::emit;
use crate::provider::{
    Authorization, AuthorizeRequest, PaymentProvider, ProviderError, RetryPolicy, with_retries,
};
use crate::storage::{self, Facts, PaymentRow};

#[derive(Debug, Clone, Copy, Default)]
pub struct PaymentsSettings {
    /// Retries of transient processor failures.
    pub retry: RetryPolicy,
}

#[derive(Clone)]
pub struct Payments(Arc<Inner>);

struct Inner {
    db: Database,
    outbox: OutboxSignal,
    provider: Arc<dyn PaymentProvider>,
    settings: PaymentsSettings,
    /// Opens the payment token orders sealed; it stays sealed in payments' table too.
    seal: mart_service::payment_token::TokenSeal,
}

/// Whether a handler changed anything worth waking the outbox relay for.
pub type Emitted = bool;

/// What the processor said to an authorization.
#[derive(Debug)]
pub(super) enum Verdict {
    Authorized { reference: String, amount: i64 },
    Declined(String),
}

/// `amount_minor` in the payment's currency, as events carry money.
fn money(row: &PaymentRow, amount_minor: i64) -> Result<MoneyPayload, String> {
    let currency = row
        .currency
        .as_deref()
        .and_then(Currency::parse)
        .ok_or_else(|| format!("payment {} has no currency", row.id))?;
    Ok(MoneyPayload {
        amount_minor,
        currency,
    })
}

pub(super) fn event_money(
    row: &PaymentRow,
    amount_minor: i64,
) -> Result<MoneyPayload, HandlerError> {
    money(row, amount_minor).map_err(HandlerError::Permanent)
}

fn status_of(row: &PaymentRow) -> PaymentStatus {
    PaymentStatus::stored(&row.status)
}

fn transient(e: ProviderError) -> HandlerError {
    HandlerError::Transient(e.to_string())
}

impl Payments {
    pub fn new(
        db: Database,
        outbox: OutboxSignal,
        provider: Arc<dyn PaymentProvider>,
        settings: PaymentsSettings,
        seal: mart_service::payment_token::TokenSeal,
    ) -> Self {
        Self(Arc::new(Inner {
            db,
            outbox,
            provider,
            settings,
            seal,
        }))
    }

    /// The order's payment, once `order.placed` gave its amount. Who may see
    /// it is the caller's check ([`Payment::user_id`]).
    pub async fn payment_of_order(&self, order_id: Uuid) -> Result<Option<Payment>, PaymentsError> {
        let mut conn = self.0.db.conn().await?;
        let row = storage::find(&mut conn, order_id).await?;
        Ok(row.filter(|r| r.amount_minor.is_some()).map(Payment::from))
    }

    /// What happened to the order's payment, oldest first.
    pub async fn history(&self, order_id: Uuid) -> Result<Vec<PaymentEntry>, PaymentsError> {
        let mut conn = self.0.db.conn().await?;
        let rows = storage::events_of(&mut conn, order_id).await?;
        Ok(rows.into_iter().map(PaymentEntry::from).collect())
    }

    /// The processor's answer for a payment ready to authorize (amount and
    /// stock known, still pending, not cancelled); `None` if it is not ready.
    pub(super) async fn verdict(&self, row: &PaymentRow) -> Option<Verdict> {
        let (Some(amount), Some(sealed)) = (row.amount_minor, row.payment_token.as_deref()) else {
            return None;
        };
        if status_of(row) != PaymentStatus::Pending || !row.stock_reserved || row.order_cancelled {
            return None;
        }
        let token = match self.0.seal.open(sealed) {
            Ok(token) => token,
            Err(error) => {
                // Orders and payments hold different keys: a deployment error, not the
                // customer's; the order is declined rather than left waiting.
                tracing::error!(order_id = %row.order_id, %error, "cannot open the payment token");
                return Some(Verdict::Declined("payment_token_unreadable".to_string()));
            }
        };
        let request = AuthorizeRequest {
            idempotency_key: format!("authorize:{}", row.order_id),
            token,
            amount_minor: amount,
            currency: row.currency.clone().unwrap_or_default(),
        };
        let provider = &self.0.provider;
        let answer = with_retries(self.0.settings.retry, || {
            provider.authorize(request.clone())
        })
        .await;
        Some(match answer {
            Ok(Authorization::Approved { reference }) => Verdict::Authorized { reference, amount },
            Ok(Authorization::Declined { reason }) => Verdict::Declined(reason),
            Err(ProviderError::Transient(detail)) => {
                tracing::warn!(order_id = %row.order_id, detail, "processor kept failing; declining");
                Verdict::Declined("processor_unavailable".to_string())
            }
            Err(ProviderError::Refused(detail)) => Verdict::Declined(detail),
        })
    }

    /// Voids an authorization; a payment not yet authorized will never be.
    pub async fn on_order_cancelled(
        &self,
        conn: &mut AsyncPgConnection,
        order_id: Uuid,
    ) -> Result<Emitted, HandlerError> {
        let facts = Facts {
            order_cancelled: true,
            ..Facts::default()
        };
        let row =
            storage::record_facts(conn, order_id, &facts, PaymentStatus::Pending.as_str()).await?;
        match status_of(&row) {
            PaymentStatus::Pending => {
                storage::set_status(
                    conn,
                    order_id,
                    PaymentStatus::Abandoned.as_str(),
                    None,
                    ("abandoned", None, None),
                )
                .await?;
                Ok(false)
            }
            PaymentStatus::Authorized => {
                let reference = row.provider_ref.clone().unwrap_or_default();
                let key = format!("void:{order_id}");
                let provider = &self.0.provider;
                let voided = with_retries(self.0.settings.retry, || {
                    provider.void(key.clone(), reference.clone())
                })
                .await;
                match voided {
                    Ok(()) => {
                        storage::set_status(
                            conn,
                            order_id,
                            PaymentStatus::Voided.as_str(),
                            None,
                            ("voided", None, None),
                        )
                        .await?;
                        emit::voided(conn, &row).await?;
                        Ok(true)
                    }
                    Err(e @ ProviderError::Transient(_)) => Err(transient(e)),
                    Err(ProviderError::Refused(detail)) => {
                        tracing::error!(%order_id, detail, "processor refused to void");
                        storage::log_event(conn, order_id, ("void_refused", None, Some(&detail)))
                            .await?;
                        Ok(false)
                    }
                }
            }
            _ => Ok(false),
        }
    }

    /// Takes the authorized amount when the parcel leaves.
    pub async fn on_shipment_shipped(
        &self,
        conn: &mut AsyncPgConnection,
        order_id: Uuid,
    ) -> Result<Emitted, HandlerError> {
        let Some(row) = storage::lock(conn, order_id).await? else {
            tracing::warn!(%order_id, "shipment for an order without a payment");
            return Ok(false);
        };
        if status_of(&row) != PaymentStatus::Authorized {
            return Ok(false);
        }
        let amount = row.amount_minor.unwrap_or(0);
        let reference = row.provider_ref.clone().unwrap_or_default();
        let key = format!("capture:{order_id}");
        let provider = &self.0.provider;
        let captured = with_retries(self.0.settings.retry, || {
            provider.capture(key.clone(), reference.clone(), amount)
        })
        .await;
        match captured {
            Ok(()) => {
                storage::set_status(
                    conn,
                    order_id,
                    PaymentStatus::Captured.as_str(),
                    None,
                    ("captured", Some(amount), None),
                )
                .await?;
                emit::captured(conn, &row, event_money(&row, amount)?).await?;
                Ok(true)
            }
            Err(e @ ProviderError::Transient(_)) => Err(transient(e)),
            Err(ProviderError::Refused(detail)) => {
                tracing::error!(%order_id, detail, "processor refused the capture");
                storage::log_event(
                    conn,
                    order_id,
                    ("capture_refused", Some(amount), Some(&detail)),
                )
                .await?;
                Ok(false)
            }
        }
    }

    /// Refunds `amount_minor` (default: everything not yet refunded) of a
    /// captured payment.
    pub async fn refund(
        &self,
        order_id: Uuid,
        amount_minor: Option<i64>,
    ) -> Result<Payment, PaymentsError> {
        let mut conn = self.0.db.conn().await?;
        let row = conn
            .transaction::<_, PaymentsError, _>(async |conn| {
                let row = storage::lock(conn, order_id)
                    .await?
                    .filter(|r| r.amount_minor.is_some())
                    .ok_or(PaymentsError::NoPayment(order_id))?;
                let status = status_of(&row);
                if !matches!(
                    status,
                    PaymentStatus::Captured | PaymentStatus::PartiallyRefunded
                ) {
                    return Err(PaymentsError::NotRefundable(status.as_str()));
                }
                let captured = row.amount_minor.unwrap_or(0);
                let remaining = captured - row.refunded_minor;
                let amount = amount_minor.unwrap_or(remaining);
                if amount <= 0 || amount > remaining {
                    return Err(PaymentsError::BadRefundAmount { remaining });
                }
                let key = format!("refund:{order_id}:{}", row.refunded_minor);
                let reference = row.provider_ref.clone().unwrap_or_default();
                let provider = &self.0.provider;
                with_retries(self.0.settings.retry, || {
                    provider.refund(key.clone(), reference.clone(), amount)
                })
                .await
                .map_err(|e| match e {
                    ProviderError::Transient(_) => PaymentsError::ProcessorUnavailable,
                    ProviderError::Refused(detail) => PaymentsError::ProcessorRefused(detail),
                })?;
                let status = if amount == remaining {
                    PaymentStatus::Refunded
                } else {
                    PaymentStatus::PartiallyRefunded
                };
                let updated = storage::add_refund(conn, order_id, amount, status.as_str()).await?;
                let as_money = |a| money(&updated, a).map_err(PaymentsError::Corrupt);
                emit::refunded(
                    conn,
                    &updated,
                    as_money(amount)?,
                    as_money(updated.refunded_minor)?,
                )
                .await?;
                Ok(updated)
            })
            .await?;
        self.0.outbox.committed();
        Ok(row.into())
    }
}

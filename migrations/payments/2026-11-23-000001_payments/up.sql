-- One payment per order. The row is created by whichever of `order.placed` and
-- `inventory.reserved` arrives first (they travel on different topics), so the
-- amount is unknown until the order's event has been seen.
CREATE TABLE payments (
    order_id        UUID        PRIMARY KEY,
    id              UUID        NOT NULL CONSTRAINT payments_id_key UNIQUE,
    user_id         UUID,
    amount_minor    BIGINT      CHECK (amount_minor >= 0),
    currency        TEXT        CHECK (currency ~ '^[A-Z]{3}$'),
    payment_token   TEXT,
    stock_reserved  BOOLEAN     NOT NULL DEFAULT false,
    order_cancelled BOOLEAN     NOT NULL DEFAULT false,
    status          TEXT        NOT NULL CHECK (status IN (
        'PENDING', 'AUTHORIZED', 'CAPTURED', 'VOIDED', 'DECLINED', 'REFUNDED',
        'PARTIALLY_REFUNDED', 'ABANDONED')),
    -- The processor's reference for the authorization.
    provider_ref    TEXT,
    refunded_minor  BIGINT      NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT payments_refund_within_amount CHECK (refunded_minor <= COALESCE(amount_minor, 0))
);

-- What happened to a payment, in order.
CREATE TABLE payment_events (
    id           BIGSERIAL   PRIMARY KEY,
    order_id     UUID        NOT NULL REFERENCES payments (order_id),
    kind         TEXT        NOT NULL,
    amount_minor BIGINT,
    detail       TEXT,
    at           TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX payment_events_by_order ON payment_events (order_id, id);

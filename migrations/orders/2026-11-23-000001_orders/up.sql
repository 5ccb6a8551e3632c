-- Orders with their prices and shipping cost frozen at placement, so the amount
-- payments authorizes never changes afterwards.
CREATE SEQUENCE order_numbers START 1000;

CREATE TABLE orders (
    id                     UUID        PRIMARY KEY,
    number                 TEXT        NOT NULL CONSTRAINT orders_number_key UNIQUE,
    user_id                UUID        NOT NULL,
    -- Placing twice with the same key returns the first order: the constraint
    -- decides, not a check before the insert.
    idempotency_key        TEXT        NOT NULL,
    status                 TEXT        NOT NULL CHECK (status IN (
        'PENDING', 'RESERVED', 'CONFIRMED', 'AWAITING_SHIPMENT', 'SHIPPED', 'DELIVERED', 'CANCELLED')),
    cancel_reason          TEXT,
    currency               TEXT        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    subtotal_minor         BIGINT      NOT NULL CHECK (subtotal_minor >= 0),
    shipping_minor         BIGINT      NOT NULL CHECK (shipping_minor >= 0),
    total_minor            BIGINT      NOT NULL CHECK (total_minor = subtotal_minor + shipping_minor),
    total_weight_grams     BIGINT      NOT NULL CHECK (total_weight_grams >= 0),
    -- The address as given at placement ({fullName, line1, line2, city, region,
    -- postalCode, country}); later edits to the user's address book do not touch it.
    shipping_address       JSONB       NOT NULL,
    reservation_expires_at TIMESTAMPTZ NOT NULL,
    created_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT orders_user_idempotency_key UNIQUE (user_id, idempotency_key)
);
CREATE INDEX orders_by_user ON orders (user_id, created_at DESC, id DESC);
-- The timeout task looks for orders still waiting for stock or payment.
CREATE INDEX orders_waiting_by_expiry ON orders (reservation_expires_at)
    WHERE status IN ('PENDING', 'RESERVED');

CREATE TABLE order_lines (
    order_id         UUID    NOT NULL REFERENCES orders (id),
    line_no          INTEGER NOT NULL,
    product_id       UUID    NOT NULL,
    quantity         INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 100),
    unit_price_minor BIGINT  NOT NULL CHECK (unit_price_minor >= 0),
    weight_grams     INTEGER NOT NULL CHECK (weight_grams >= 0),
    PRIMARY KEY (order_id, line_no)
);

CREATE TABLE order_status_history (
    id       BIGSERIAL   PRIMARY KEY,
    order_id UUID        NOT NULL REFERENCES orders (id),
    status   TEXT        NOT NULL,
    reason   TEXT,
    at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX order_status_history_by_order ON order_status_history (order_id, id);

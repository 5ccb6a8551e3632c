-- Carts. A guest's cart is found by its id alone (random, 122 bits: the id is the
-- secret); a customer's carries their user id and only they reach it. A customer has at
-- most one active cart (the partial unique index): a second createCart returns it.
CREATE TABLE carts (
    id          UUID        PRIMARY KEY,
    user_id     UUID,
    -- ACTIVE; MERGED once adopted into a customer's cart at login.
    status      TEXT        NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'MERGED')),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Untouched carts expire (MART_CART_TTL_SECS after their last change).
    expires_at  TIMESTAMPTZ NOT NULL
);

CREATE UNIQUE INDEX carts_one_active_per_customer ON carts (user_id) WHERE status = 'ACTIVE';
-- The upkeep's sweep of expired carts.
CREATE INDEX carts_expires_at ON carts (expires_at);

CREATE TABLE cart_lines (
    cart_id     UUID        NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
    product_id  UUID        NOT NULL,
    quantity    INTEGER     NOT NULL CHECK (quantity > 0),
    added_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (cart_id, product_id)
);

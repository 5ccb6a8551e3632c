-- Discount codes staff create: a percentage or a fixed amount off the subtotal, from a
-- minimum subtotal, within a validity window, with limits on uses in total and per
-- customer. `uses` counts the uses taken (at checkout); it never passes `max_uses`.
CREATE TABLE discount_codes (
    code                  TEXT        PRIMARY KEY CHECK (code ~ '^[A-Z0-9_-]{3,32}$'),
    percent_basis_points  INTEGER     CHECK (percent_basis_points BETWEEN 1 AND 10000),
    amount_minor          BIGINT      CHECK (amount_minor > 0),
    currency              TEXT        CHECK (currency ~ '^[A-Z]{3}$'),
    min_subtotal_minor    BIGINT      NOT NULL DEFAULT 0 CHECK (min_subtotal_minor >= 0),
    starts_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    ends_at               TIMESTAMPTZ,
    max_uses              INTEGER     CHECK (max_uses > 0),
    max_uses_per_customer INTEGER     CHECK (max_uses_per_customer > 0),
    uses                  INTEGER     NOT NULL DEFAULT 0 CHECK (uses >= 0),
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Exactly one kind: a percentage, or an amount in a currency.
    CONSTRAINT discount_codes_one_kind CHECK (
        (percent_basis_points IS NOT NULL AND amount_minor IS NULL AND currency IS NULL)
        OR (percent_basis_points IS NULL AND amount_minor IS NOT NULL AND currency IS NOT NULL)
    ),
    CONSTRAINT discount_codes_window CHECK (ends_at IS NULL OR ends_at > starts_at),
    CONSTRAINT discount_codes_uses_within_limit CHECK (max_uses IS NULL OR uses <= max_uses)
);

-- The code a cart carries (checked again whenever the cart is priced).
ALTER TABLE carts ADD COLUMN discount_code TEXT REFERENCES discount_codes (code);

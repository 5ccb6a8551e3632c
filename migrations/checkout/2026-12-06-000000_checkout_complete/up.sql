-- A cart checked out becomes ORDERED: it names the order made from it and the
-- idempotency key of the checkout, so the same checkoutComplete sent again answers that
-- order instead of placing another.
ALTER TABLE carts DROP CONSTRAINT carts_status_check;
ALTER TABLE carts ADD CONSTRAINT carts_status_check
    CHECK (status IN ('ACTIVE', 'MERGED', 'ORDERED'));
ALTER TABLE carts ADD COLUMN order_id UUID UNIQUE;
ALTER TABLE carts ADD COLUMN checkout_key TEXT;

-- Each use of a discount code, taken at checkout in the transaction that writes the
-- checkout.completed event, and given back (released_at) when orders cancels the order.
-- discount_codes.uses counts the uses not given back.
CREATE TABLE discount_uses (
    order_id    UUID        PRIMARY KEY,
    code        TEXT        NOT NULL REFERENCES discount_codes (code),
    user_id     UUID        NOT NULL,
    taken_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    released_at TIMESTAMPTZ
);
-- A customer's uses of a code, for its limit per customer.
CREATE INDEX discount_uses_per_customer ON discount_uses (code, user_id) WHERE released_at IS NULL;

-- Where a cart goes (for its shipping cost and tax): the address as validated, in the
-- shape of the events' AddressPayload. NULL until the customer gives one.
ALTER TABLE carts ADD COLUMN shipping_address JSONB;

-- Tax rates staff keep, in basis points (2100 = 21 %), per destination country and,
-- optionally, per product category; a category's rate wins over its country's.
CREATE TABLE tax_rates (
    country      TEXT        NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    category_id  UUID,
    basis_points INTEGER     NOT NULL CHECK (basis_points BETWEEN 0 AND 10000),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- One rate per country and category (the country's own rate: category NULL).
CREATE UNIQUE INDEX tax_rates_scope
    ON tax_rates (country, coalesce(category_id, '00000000-0000-0000-0000-000000000000'::uuid));

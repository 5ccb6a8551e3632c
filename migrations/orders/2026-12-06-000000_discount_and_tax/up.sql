-- Orders from a checked-out cart carry the cart's discount and tax, per line and in
-- total (total = subtotal - discount + tax + shipping). Orders placed with placeOrder
-- have neither: 0.
ALTER TABLE orders
    ADD COLUMN discount_minor BIGINT NOT NULL DEFAULT 0 CHECK (discount_minor >= 0),
    ADD COLUMN tax_minor      BIGINT NOT NULL DEFAULT 0 CHECK (tax_minor >= 0),
    -- The discount code whose use the order holds (given back if it is cancelled).
    ADD COLUMN discount_code  TEXT;
-- The total was subtotal + shipping; now every part counts.
ALTER TABLE orders DROP CONSTRAINT orders_check;
ALTER TABLE orders ADD CONSTRAINT orders_total_adds_up
    CHECK (total_minor = subtotal_minor - discount_minor + tax_minor + shipping_minor);
ALTER TABLE orders ADD CONSTRAINT orders_discount_within_subtotal
    CHECK (discount_minor <= subtotal_minor);
ALTER TABLE order_lines
    ADD COLUMN discount_minor BIGINT NOT NULL DEFAULT 0 CHECK (discount_minor >= 0),
    ADD COLUMN tax_minor      BIGINT NOT NULL DEFAULT 0 CHECK (tax_minor >= 0);

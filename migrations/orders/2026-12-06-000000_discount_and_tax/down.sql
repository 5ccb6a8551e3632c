ALTER TABLE order_lines DROP COLUMN tax_minor, DROP COLUMN discount_minor;
ALTER TABLE orders DROP CONSTRAINT orders_discount_within_subtotal;
ALTER TABLE orders DROP CONSTRAINT orders_total_adds_up;
ALTER TABLE orders ADD CONSTRAINT orders_check CHECK (total_minor = subtotal_minor + shipping_minor);
ALTER TABLE orders DROP COLUMN discount_code, DROP COLUMN tax_minor, DROP COLUMN discount_minor;

DROP TABLE discount_uses;
ALTER TABLE carts DROP COLUMN checkout_key;
ALTER TABLE carts DROP COLUMN order_id;
ALTER TABLE carts DROP CONSTRAINT carts_status_check;
ALTER TABLE carts ADD CONSTRAINT carts_status_check CHECK (status IN ('ACTIVE', 'MERGED'));

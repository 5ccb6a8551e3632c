DROP TABLE tax_rates;
ALTER TABLE carts DROP COLUMN shipping_address;

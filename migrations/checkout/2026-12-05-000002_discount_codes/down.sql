ALTER TABLE carts DROP COLUMN discount_code;
DROP TABLE discount_codes;

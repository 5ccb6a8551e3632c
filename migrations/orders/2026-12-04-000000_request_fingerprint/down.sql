ALTER TABLE orders DROP COLUMN request_fingerprint;

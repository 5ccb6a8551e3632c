-- What the placement an idempotency key was first used for asked (SHA-256 of
-- its lines, address and payment token; `placement::fingerprint`): the same key
-- with another request is refused with CONFLICT instead of answering with the
-- first order. Orders placed before this column have none, and a retry of one
-- still returns it.
ALTER TABLE orders ADD COLUMN request_fingerprint BYTEA
    CHECK (octet_length(request_fingerprint) = 32);

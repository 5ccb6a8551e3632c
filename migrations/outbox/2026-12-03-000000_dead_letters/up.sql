-- Messages the pipeline gave up on, kept so that staff can see and replay them
-- (`mart dead-letters`), instead of a relay retrying one row forever or a
-- consumer dropping a message with only a log line.
--   stage 'publish': the relay's broker refused the outbox row for good (too
--                    large, invalid); the row is marked published and skipped.
--   stage 'consume': a consumer could not decode the message, or its handler
--                    rejected it as permanent; its offset moved on.
CREATE TABLE dead_letters (
    id           BIGSERIAL   PRIMARY KEY,
    stage        TEXT        NOT NULL CHECK (stage IN ('publish', 'consume')),
    -- The consumer's name for stage 'consume' (e.g. 'orders.saga').
    consumer     TEXT,
    -- The full topic name (with the deployment's prefix).
    topic        TEXT        NOT NULL,
    kafka_partition INTEGER,
    kafka_offset BIGINT,
    message_key  TEXT,
    -- The envelope's id when the message could be read as one.
    event_id     UUID,
    event_type   TEXT,
    -- The message exactly as it was (stage 'consume') or would have been sent.
    payload      BYTEA       NOT NULL,
    error        TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    replayed_at  TIMESTAMPTZ
);
CREATE INDEX dead_letters_waiting ON dead_letters (id) WHERE replayed_at IS NULL;

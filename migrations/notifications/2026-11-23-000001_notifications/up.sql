-- Who owns each order: payment and shipment events name only the order, so
-- their notifications are addressed through this table.
CREATE TABLE order_owners (
    order_id UUID PRIMARY KEY,
    user_id UUID NOT NULL,
    -- The human-facing order number (from order.placed), when known.
    number TEXT
);

CREATE TABLE notifications (
    id UUID PRIMARY KEY,
    -- Delivery order: the publisher and live backfill walk notifications by seq.
    seq BIGSERIAL NOT NULL UNIQUE,
    -- One notification per event, whatever the number of deliveries.
    event_id UUID NOT NULL UNIQUE,
    -- NULL while the order's owner is not known yet (an event about an order
    -- arrived before order.placed); filled in when it becomes known.
    user_id UUID,
    order_id UUID,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    read_at TIMESTAMPTZ,
    -- Set once the notification went out on Redis; NULL rows are the
    -- publisher's backlog (an outbox).
    published_at TIMESTAMPTZ
);

CREATE INDEX notifications_by_user ON notifications (user_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread ON notifications (user_id, created_at DESC, id DESC) WHERE read_at IS NULL;
CREATE INDEX notifications_unpublished ON notifications (seq) WHERE published_at IS NULL;
CREATE INDEX notifications_waiting_for_owner ON notifications (order_id) WHERE user_id IS NULL;

-- Stock per product and warehouse, the append-only ledger that explains every
-- change to it, and reservations held for orders.
CREATE TABLE warehouses (
    id         UUID        PRIMARY KEY,
    code       TEXT        NOT NULL CONSTRAINT warehouses_code_key UNIQUE,
    name       TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Products live in another service's database, so product_id has no foreign key.
CREATE TABLE stock_levels (
    product_id   UUID        NOT NULL,
    warehouse_id UUID        NOT NULL REFERENCES warehouses (id),
    on_hand      INTEGER     NOT NULL DEFAULT 0,
    reserved     INTEGER     NOT NULL DEFAULT 0,
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (product_id, warehouse_id),
    -- The last line of defence: available (on_hand - reserved) can never be negative.
    CONSTRAINT stock_levels_reserved_within_on_hand CHECK (reserved >= 0 AND reserved <= on_hand)
);

-- One reservation per order: the primary key is what makes reserving idempotent.
CREATE TABLE reservations (
    order_id   UUID        PRIMARY KEY,
    status     TEXT        NOT NULL CHECK (status IN ('ACTIVE', 'RELEASED', 'COMMITTED', 'EXPIRED')),
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    closed_at  TIMESTAMPTZ
);
CREATE INDEX reservations_active_by_expiry ON reservations (expires_at) WHERE status = 'ACTIVE';

CREATE TABLE reservation_lines (
    order_id     UUID    NOT NULL REFERENCES reservations (order_id),
    product_id   UUID    NOT NULL,
    warehouse_id UUID    NOT NULL,
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, product_id, warehouse_id),
    FOREIGN KEY (product_id, warehouse_id) REFERENCES stock_levels (product_id, warehouse_id)
);

CREATE TABLE stock_ledger (
    id             BIGSERIAL   PRIMARY KEY,
    product_id     UUID        NOT NULL,
    warehouse_id   UUID        NOT NULL,
    kind           TEXT        NOT NULL CHECK (kind IN ('adjustment', 'reservation', 'release', 'sale')),
    on_hand_delta  INTEGER     NOT NULL,
    reserved_delta INTEGER     NOT NULL,
    order_id       UUID,
    reason         TEXT,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (product_id, warehouse_id) REFERENCES stock_levels (product_id, warehouse_id)
);
CREATE INDEX stock_ledger_by_stock ON stock_ledger (product_id, warehouse_id, id);

-- Append-only: history is corrected by a new entry, never by rewriting an old one.
CREATE FUNCTION stock_ledger_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'stock_ledger is append-only';
END
$$;
CREATE TRIGGER stock_ledger_append_only
    BEFORE UPDATE OR DELETE ON stock_ledger
    FOR EACH ROW EXECUTE FUNCTION stock_ledger_reject_change();
CREATE TRIGGER stock_ledger_no_truncate
    BEFORE TRUNCATE ON stock_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION stock_ledger_reject_change();

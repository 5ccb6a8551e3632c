-- Rates by destination and weight band: the cheapest band whose max_weight_grams
-- covers the parcel wins. Country '*' is the fallback for every other country.
CREATE TABLE shipping_rates (
    country          TEXT    NOT NULL CHECK (country = '*' OR country ~ '^[A-Z]{2}$'),
    currency         TEXT    NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    max_weight_grams INTEGER NOT NULL CHECK (max_weight_grams > 0),
    amount_minor     BIGINT  NOT NULL CHECK (amount_minor >= 0),
    carrier          TEXT    NOT NULL,
    PRIMARY KEY (country, currency, max_weight_grams)
);

INSERT INTO shipping_rates (country, currency, max_weight_grams, amount_minor, carrier) VALUES
    ('DE', 'EUR',   2000,  490, 'DHL'),
    ('DE', 'EUR',  10000,  790, 'DHL'),
    ('DE', 'EUR',  31500, 1490, 'DHL'),
    ('FR', 'EUR',   2000,  890, 'Colissimo'),
    ('FR', 'EUR',  10000, 1390, 'Colissimo'),
    ('FR', 'EUR',  31500, 2490, 'Colissimo'),
    ('*',  'EUR',   2000, 1490, 'DHL Express'),
    ('*',  'EUR',  10000, 2990, 'DHL Express'),
    ('*',  'EUR',  31500, 5990, 'DHL Express'),
    ('US', 'USD',   2000,  690, 'UPS'),
    ('US', 'USD',  10000, 1290, 'UPS'),
    ('US', 'USD',  31500, 2490, 'UPS'),
    ('*',  'USD',   2000, 1990, 'UPS'),
    ('*',  'USD',  10000, 3990, 'UPS'),
    ('*',  'USD',  31500, 7990, 'UPS');

-- One shipment per order: the constraint makes creating it idempotent.
CREATE TABLE shipments (
    id                 UUID        PRIMARY KEY,
    order_id           UUID        NOT NULL CONSTRAINT shipments_order_id_key UNIQUE,
    user_id            UUID        NOT NULL,
    carrier            TEXT        NOT NULL,
    tracking_number    TEXT        NOT NULL CONSTRAINT shipments_tracking_number_key UNIQUE,
    status             TEXT        NOT NULL CHECK (status IN (
        'LABEL_CREATED', 'IN_TRANSIT', 'DELIVERED', 'RETURNED', 'CANCELLED')),
    weight_grams       BIGINT      NOT NULL,
    shipping_address   JSONB       NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE shipment_events (
    id          BIGSERIAL   PRIMARY KEY,
    shipment_id UUID        NOT NULL REFERENCES shipments (id),
    status      TEXT        NOT NULL,
    at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX shipment_events_by_shipment ON shipment_events (shipment_id, id);


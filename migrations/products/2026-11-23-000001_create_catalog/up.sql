-- The product catalogue. Uniqueness of sku and slug is enforced here (named
-- constraints), and the service maps a violation to a CONFLICT error rather than
-- checking first: two concurrent creates cannot both win.
CREATE TABLE categories (
    id          UUID        PRIMARY KEY,
    name        TEXT        NOT NULL,
    slug        TEXT        NOT NULL CONSTRAINT categories_slug_key UNIQUE,
    description TEXT        NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE products (
    id                 UUID        PRIMARY KEY,
    sku                TEXT        NOT NULL CONSTRAINT products_sku_key UNIQUE,
    slug               TEXT        NOT NULL CONSTRAINT products_slug_key UNIQUE,
    name               TEXT        NOT NULL,
    description        TEXT        NOT NULL DEFAULT '',
    -- Money: integer minor units (cents) and an ISO 4217 code, never floats.
    price_amount_minor BIGINT      NOT NULL CHECK (price_amount_minor >= 0),
    price_currency     TEXT        NOT NULL CHECK (price_currency ~ '^[A-Z]{3}$'),
    weight_grams       INTEGER     NOT NULL CHECK (weight_grams >= 0),
    length_mm          INTEGER,
    width_mm           INTEGER,
    height_mm          INTEGER,
    category_id        UUID        CONSTRAINT products_category_id_fkey REFERENCES categories (id),
    status             TEXT        NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'ARCHIVED')),
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Dimensions are all known or all unknown.
    CONSTRAINT products_dimensions_complete CHECK (
        (length_mm IS NULL AND width_mm IS NULL AND height_mm IS NULL)
        OR (length_mm > 0 AND width_mm > 0 AND height_mm > 0)
    )
);

-- Keyset pagination walks (created_at, id); the category filter walks the same order.
CREATE INDEX products_created_at_id ON products (created_at, id);
CREATE INDEX products_category_created_at_id ON products (category_id, created_at, id);

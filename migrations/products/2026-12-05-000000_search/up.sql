-- Catalogue search: a weighted full-text document per product (name and sku weigh
-- most, then the category's name, then the description), kept by triggers so that
-- every write path keeps it right, and a dictionary of the catalogue's words with a
-- trigram index for typo tolerance: a search whose words match nothing is retried with
-- each word replaced by the closest word of the catalogue (PostgreSQL's manual, F.35.5).
--
-- pg_trgm ships with PostgreSQL (contrib) and is trusted: a database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE FUNCTION products_search_document(name TEXT, sku TEXT, category TEXT, description TEXT)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('english'::regconfig, name), 'A')
        || setweight(to_tsvector('simple'::regconfig, sku), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(category, '')), 'B')
        || setweight(to_tsvector('english'::regconfig, description), 'C')
$$;

ALTER TABLE products ADD COLUMN search_document tsvector NOT NULL DEFAULT ''::tsvector;

-- Every word of three to forty letters or digits that a name or description ever held;
-- words are never removed (a stale one only suggests a search that finds nothing).
CREATE TABLE search_words (word TEXT PRIMARY KEY);

CREATE FUNCTION search_words_of(text TEXT) RETURNS SETOF TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT DISTINCT w FROM regexp_split_to_table(lower(text), '[^[:alnum:]]+') AS w
    WHERE length(w) BETWEEN 3 AND 40
$$;

CREATE FUNCTION products_search_document_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_document := products_search_document(
        NEW.name, NEW.sku,
        (SELECT c.name FROM categories c WHERE c.id = NEW.category_id),
        NEW.description);
    INSERT INTO search_words (word)
        SELECT search_words_of(NEW.name || ' ' || NEW.description)
        ON CONFLICT DO NOTHING;
    RETURN NEW;
END
$$;

CREATE TRIGGER products_search_document
    BEFORE INSERT OR UPDATE OF name, sku, description, category_id ON products
    FOR EACH ROW EXECUTE FUNCTION products_search_document_refresh();

-- A renamed category changes the documents of its products.
CREATE FUNCTION categories_rename_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE products
       SET search_document = products_search_document(name, sku, NEW.name, description)
     WHERE category_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER categories_rename_refresh
    AFTER UPDATE OF name ON categories
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION categories_rename_refresh();

UPDATE products p
   SET search_document = products_search_document(p.name, p.sku, c.name, p.description)
  FROM (SELECT id, name FROM categories) c
 WHERE c.id = p.category_id;
UPDATE products
   SET search_document = products_search_document(name, sku, NULL, description)
 WHERE category_id IS NULL;

INSERT INTO search_words (word)
    SELECT DISTINCT search_words_of(name || ' ' || description) FROM products
    ON CONFLICT DO NOTHING;

CREATE INDEX products_search_document ON products USING gin (search_document);
-- `word % 'skilet'` (trigram similarity) finds "skillet".
CREATE INDEX search_words_trgm ON search_words USING gin (word gin_trgm_ops);
-- Sorting by price pages through (price, id).
CREATE INDEX products_price_id ON products (price_amount_minor, id);

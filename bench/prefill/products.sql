-- A generated catalogue for bench/search.sh: :rows products in 24 categories, names of
-- two to four words drawn from fixed vocabularies (so searches have realistic hit
-- counts: a noun matches ~1/40 of the catalogue, an adjective ~1/30), descriptions of
-- two sentences, prices from 1.00 to 600.00. Deterministic: the same rows every run.
-- Runs after the products migrations; the search document is filled by their trigger.
CREATE TEMP TABLE vocab (kind TEXT, n INT, word TEXT);
INSERT INTO vocab
SELECT 'adj', n - 1, w FROM unnest(string_to_array(
  'classic compact deluxe ergonomic everyday foldable heavy insulated large lightweight '
  'minimal modern portable premium rugged sleek slim small smart sturdy vintage wireless '
  'handmade organic recycled stainless bamboo ceramic walnut copper', ' ')) WITH ORDINALITY AS t(w, n)
UNION ALL
SELECT 'material', n - 1, w FROM unnest(string_to_array(
  'oak steel glass leather cotton linen wool aluminium cork marble stoneware enamel', ' '))
  WITH ORDINALITY AS t(w, n)
UNION ALL
SELECT 'noun', n - 1, w FROM unnest(string_to_array(
  'kettle mug skillet knife notebook lamp desk chair backpack tent lantern speaker '
  'headphones cable planner pen grinder teapot jar bowl plate tray shelf organizer '
  'blanket pillow towel apron bottle thermos cooler hammock stool clock mirror vase '
  'planter basket rack stand', ' ')) WITH ORDINALITY AS t(w, n);

CREATE TEMP TABLE bench_categories AS
SELECT n, (md5('category' || n))::uuid AS id, name
FROM unnest(string_to_array(
  'Kitchen,Coffee & Tea,Home Office,Outdoor,Audio,Stationery,Bedroom,Bathroom,Garden,'
  'Travel,Lighting,Storage,Dining,Living Room,Kids,Pets,Fitness,Crafts,Gifts,Cleaning,'
  'Laundry,Bar,Picnic,Workshop', ',')) WITH ORDINALITY AS t(name, n);

INSERT INTO categories (id, name, slug, description)
SELECT id, name, 'bench-' || n, name || ' for every home.' FROM bench_categories;

INSERT INTO products (id, sku, slug, name, description, price_amount_minor, price_currency,
                      weight_grams, category_id, status, created_at, updated_at)
SELECT md5('product' || g)::uuid,
       'GEN-' || lpad(g::text, 7, '0'),
       'gen-' || g,
       initcap(concat_ws(' ',
         CASE WHEN g % 3 = 0 THEN a2.word END, a.word, m.word, noun.word)),
       'A ' || a.word || ' ' || noun.word || ' made of ' || m.word
         || '. Designed for ' || lower(c.name) || ', built to last, easy to clean.',
       100 + (hashint4(g) & 2147483647) % 59900,
       'EUR',
       50 + g % 4000,
       c.id,
       CASE WHEN g % 50 = 0 THEN 'ARCHIVED' ELSE 'ACTIVE' END,
       now() - interval '400 days' + interval '400 days' * g / :rows,
       now()
FROM generate_series(1, :rows) g
JOIN vocab a ON a.kind = 'adj' AND a.n = g % 30
JOIN vocab a2 ON a2.kind = 'adj' AND a2.n = (g / 7) % 30
JOIN vocab m ON m.kind = 'material' AND m.n = (g / 3) % 12
JOIN vocab noun ON noun.kind = 'noun' AND noun.n = (g / 11) % 40
JOIN bench_categories c ON c.n = 1 + (g / 13) % 24;

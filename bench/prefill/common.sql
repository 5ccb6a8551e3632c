-- Shared by the prefill scripts (bench/orders.sh with MART_BENCH_PREFILL=N): helpers
-- that make old rows look like the ones the services write. Run first in each database.
--
-- A UUIDv7 for time `at` and seed `n`: time-ordered like the services' own ids
-- (Uuid::now_v7), so the old rows sit where the real ones would in each index.
CREATE OR REPLACE FUNCTION pg_temp.v7(at timestamptz, n bigint) RETURNS uuid
LANGUAGE sql IMMUTABLE AS $$
  SELECT (lpad(to_hex((extract(epoch FROM at) * 1000)::bigint), 12, '0')
          || '7' || substr(md5(n::text), 1, 3) || '8' || substr(md5(n::text), 4, 15))::uuid
$$;
-- Row n of N, spread evenly over the 30 days before the run. `now()` is the
-- transaction's start: the scripts run as one transaction (psql -1), so every
-- statement computes the same ids.
CREATE OR REPLACE FUNCTION pg_temp.aged(n bigint, total bigint) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
  SELECT now() - interval '30 days' + (interval '30 days' - interval '1 hour') * n / total
$$;
-- One of 20,000 customers: each has a history of ~N/20,000 orders.
CREATE OR REPLACE FUNCTION pg_temp.customer(n bigint) RETURNS uuid
LANGUAGE sql IMMUTABLE AS $$ SELECT md5('customer' || (n % 20000))::uuid $$;
-- The order of row n, the same in every database.
CREATE OR REPLACE FUNCTION pg_temp.order_id(n bigint, total bigint) RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT pg_temp.v7(pg_temp.aged(n, total), n) $$;
-- Applied events: one consumer's ids over the last eight days (the retention keeps
-- them that long), `total` of them.
CREATE OR REPLACE FUNCTION pg_temp.remember_events(consumer text, total bigint) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO processed_events (consumer, event_id, processed_at)
  SELECT consumer, pg_temp.v7(t, n + 7000000000), t
  FROM generate_series(1, total) n,
       LATERAL (SELECT now() - interval '8 days' + interval '8 days' * n / total - interval '1 hour' AS t) x
$$;

-- The payments database after :rows orders, each authorized and captured.
INSERT INTO payments (order_id, id, user_id, amount_minor, currency, payment_token, stock_reserved,
                      status, provider_ref, created_at, updated_at)
SELECT pg_temp.order_id(n, :rows), pg_temp.v7(pg_temp.aged(n, :rows), n + 1000000000),
       pg_temp.customer(n), 4488, 'EUR', NULL, true, 'CAPTURED', 'prefill_' || n,
       pg_temp.aged(n, :rows), pg_temp.aged(n, :rows)
FROM generate_series(1, :rows) n;
INSERT INTO payment_events (order_id, kind, amount_minor, detail, at)
SELECT pg_temp.order_id(n, :rows), k, 4488, NULL, pg_temp.aged(n, :rows)
FROM generate_series(1, :rows) n, unnest(ARRAY['AUTHORIZED', 'CAPTURED']) k
ORDER BY 5;
SELECT pg_temp.remember_events('payments.saga', :rows);

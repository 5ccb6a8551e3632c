-- The orders database after :rows orders, in the states finished orders end in.
INSERT INTO orders (id, number, user_id, idempotency_key, status, cancel_reason, currency,
                    subtotal_minor, shipping_minor, total_minor, total_weight_grams,
                    shipping_address, reservation_expires_at, created_at, updated_at)
SELECT pg_temp.order_id(n, :rows), 'P-' || n, pg_temp.customer(n), md5('key' || n),
       CASE WHEN n % 10 = 0 THEN 'CANCELLED' ELSE 'DELIVERED' END,
       CASE WHEN n % 10 = 0 THEN 'payment_declined' END,
       'EUR', 3998, 490, 4488, 900,
       '{"fullName":"Prefilled Customer","line1":"Hauptstr. 1","city":"Berlin","postalCode":"10115","country":"DE"}',
       pg_temp.aged(n, :rows) + interval '15 minutes', pg_temp.aged(n, :rows), pg_temp.aged(n, :rows)
FROM generate_series(1, :rows) n;
INSERT INTO order_lines (order_id, line_no, product_id, quantity, unit_price_minor, weight_grams)
SELECT pg_temp.order_id(n, :rows), l, md5('product' || ((n + l) % 200))::uuid, 1, 1999, 450
FROM generate_series(1, :rows) n, generate_series(1, 2) l;
INSERT INTO order_status_history (order_id, status, reason, at)
SELECT pg_temp.order_id(n, :rows), s.status, NULL, pg_temp.aged(n, :rows) + s.after
FROM generate_series(1, :rows) n,
     (VALUES ('PENDING', interval '0'), ('RESERVED', interval '1 second'),
             ('CONFIRMED', interval '2 seconds'), ('AWAITING_SHIPMENT', interval '3 seconds'),
             ('DELIVERED', interval '2 days')) s(status, after)
ORDER BY 1, 4;
SELECT pg_temp.remember_events('orders.saga', :rows);

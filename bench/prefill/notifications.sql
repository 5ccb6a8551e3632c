-- The notifications database after :rows orders: each order's owner, and two
-- notifications an order, published and mostly read.
INSERT INTO order_owners (order_id, user_id, number)
SELECT pg_temp.order_id(n, :rows), pg_temp.customer(n), 'P-' || n
FROM generate_series(1, :rows) n;
INSERT INTO notifications (id, event_id, user_id, order_id, kind, title, body, created_at, read_at, published_at)
SELECT pg_temp.v7(pg_temp.aged(n, :rows), n * 2 + k + 3000000000),
       pg_temp.v7(pg_temp.aged(n, :rows), n * 2 + k + 4000000000),
       pg_temp.customer(n), pg_temp.order_id(n, :rows), 'ORDER_STATUS', 'Order P-' || n,
       'Your order has shipped.', pg_temp.aged(n, :rows),
       CASE WHEN n % 5 <> 0 THEN pg_temp.aged(n, :rows) + interval '1 day' END,
       pg_temp.aged(n, :rows)
FROM generate_series(1, :rows) n, generate_series(0, 1) k
ORDER BY pg_temp.aged(n, :rows), k;
SELECT pg_temp.remember_events('notifications.notify', :rows);

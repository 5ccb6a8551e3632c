-- The inventory database after :rows orders: each reserved two lines and sold them.
INSERT INTO reservations (order_id, status, expires_at, created_at, closed_at)
SELECT pg_temp.order_id(n, :rows), 'COMMITTED', pg_temp.aged(n, :rows) + interval '15 minutes',
       pg_temp.aged(n, :rows), pg_temp.aged(n, :rows) + interval '2 seconds'
FROM generate_series(1, :rows) n;
-- Lines on the stock the run's own seeding created.
CREATE TEMP TABLE stock AS
  SELECT row_number() OVER (ORDER BY product_id, warehouse_id) - 1 AS i, product_id, warehouse_id
  FROM stock_levels;
INSERT INTO reservation_lines (order_id, product_id, warehouse_id, quantity)
SELECT pg_temp.order_id(n, :rows), s.product_id, s.warehouse_id, 1
FROM generate_series(1, :rows) n, generate_series(0, 1) l, stock s
WHERE s.i = (n * 2 + l) % (SELECT count(*) FROM stock);
INSERT INTO stock_ledger (product_id, warehouse_id, kind, on_hand_delta, reserved_delta, order_id, created_at)
SELECT s.product_id, s.warehouse_id, k.kind, k.on_hand, k.reserved, pg_temp.order_id(n, :rows),
       pg_temp.aged(n, :rows)
FROM generate_series(1, :rows) n, generate_series(0, 1) l, stock s,
     (VALUES ('reservation', 0, 1), ('sale', -1, -1)) k(kind, on_hand, reserved)
WHERE s.i = (n * 2 + l) % (SELECT count(*) FROM stock)
ORDER BY pg_temp.aged(n, :rows);
SELECT pg_temp.remember_events('inventory.saga', :rows);

-- The shipping database after :rows orders, each shipped and delivered.
INSERT INTO shipments (id, order_id, user_id, carrier, tracking_number, status, weight_grams,
                       shipping_address, created_at, updated_at)
SELECT pg_temp.v7(pg_temp.aged(n, :rows), n + 2000000000), pg_temp.order_id(n, :rows),
       pg_temp.customer(n), 'DHL', 'PREFILL' || n, 'DELIVERED', 900,
       '{"fullName":"Prefilled Customer","line1":"Hauptstr. 1","city":"Berlin","postalCode":"10115","country":"DE"}',
       pg_temp.aged(n, :rows), pg_temp.aged(n, :rows) + interval '2 days'
FROM generate_series(1, :rows) n;
INSERT INTO shipment_events (shipment_id, status, at)
SELECT pg_temp.v7(pg_temp.aged(n, :rows), n + 2000000000), s, pg_temp.aged(n, :rows)
FROM generate_series(1, :rows) n, unnest(ARRAY['LABEL_CREATED', 'IN_TRANSIT', 'DELIVERED']) s
ORDER BY 3;
SELECT pg_temp.remember_events('shipping.saga', :rows);

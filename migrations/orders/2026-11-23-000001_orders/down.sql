DROP TABLE order_status_history;
DROP TABLE order_lines;
DROP TABLE orders;
DROP SEQUENCE order_numbers;

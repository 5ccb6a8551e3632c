DROP TABLE stock_ledger;
DROP FUNCTION stock_ledger_reject_change();
DROP TABLE reservation_lines;
DROP TABLE reservations;
DROP TABLE stock_levels;
DROP TABLE warehouses;

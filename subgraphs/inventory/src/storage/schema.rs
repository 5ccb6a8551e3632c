// Mirrors migrations/inventory.

diesel::table! {
    warehouses (id) {
        id -> Uuid,
        code -> Text,
        name -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    stock_levels (product_id, warehouse_id) {
        product_id -> Uuid,
        warehouse_id -> Uuid,
        on_hand -> Int4,
        reserved -> Int4,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    reservations (order_id) {
        order_id -> Uuid,
        status -> Text,
        expires_at -> Timestamptz,
        created_at -> Timestamptz,
        closed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    reservation_lines (order_id, product_id, warehouse_id) {
        order_id -> Uuid,
        product_id -> Uuid,
        warehouse_id -> Uuid,
        quantity -> Int4,
    }
}

diesel::table! {
    stock_ledger (id) {
        id -> Int8,
        product_id -> Uuid,
        warehouse_id -> Uuid,
        kind -> Text,
        on_hand_delta -> Int4,
        reserved_delta -> Int4,
        order_id -> Nullable<Uuid>,
        reason -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(stock_levels -> warehouses (warehouse_id));
diesel::joinable!(reservation_lines -> reservations (order_id));
diesel::allow_tables_to_appear_in_same_query!(
    warehouses,
    stock_levels,
    reservations,
    reservation_lines,
    stock_ledger,
);

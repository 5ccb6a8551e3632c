diesel::table! {
    orders (id) {
        id -> Uuid,
        number -> Text,
        user_id -> Uuid,
        idempotency_key -> Text,
        status -> Text,
        cancel_reason -> Nullable<Text>,
        currency -> Text,
        subtotal_minor -> Int8,
        shipping_minor -> Int8,
        total_minor -> Int8,
        total_weight_grams -> Int8,
        shipping_address -> Jsonb,
        reservation_expires_at -> Timestamptz,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        request_fingerprint -> Nullable<Bytea>,
        discount_minor -> Int8,
        tax_minor -> Int8,
        discount_code -> Nullable<Text>,
    }
}

diesel::table! {
    order_lines (order_id, line_no) {
        order_id -> Uuid,
        line_no -> Int4,
        product_id -> Uuid,
        quantity -> Int4,
        unit_price_minor -> Int8,
        weight_grams -> Int4,
        discount_minor -> Int8,
        tax_minor -> Int8,
    }
}

diesel::table! {
    order_status_history (id) {
        id -> Int8,
        order_id -> Uuid,
        status -> Text,
        reason -> Nullable<Text>,
        at -> Timestamptz,
    }
}

diesel::joinable!(order_lines -> orders (order_id));
diesel::joinable!(order_status_history -> orders (order_id));
diesel::allow_tables_to_appear_in_same_query!(orders, order_lines, order_status_history);

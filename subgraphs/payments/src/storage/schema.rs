diesel::table! {
    payments (order_id) {
        order_id -> Uuid,
        id -> Uuid,
        user_id -> Nullable<Uuid>,
        amount_minor -> Nullable<Int8>,
        currency -> Nullable<Text>,
        payment_token -> Nullable<Text>,
        stock_reserved -> Bool,
        order_cancelled -> Bool,
        status -> Text,
        provider_ref -> Nullable<Text>,
        refunded_minor -> Int8,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    payment_events (id) {
        id -> Int8,
        order_id -> Uuid,
        kind -> Text,
        amount_minor -> Nullable<Int8>,
        detail -> Nullable<Text>,
        at -> Timestamptz,
    }
}

diesel::joinable!(payment_events -> payments (order_id));
diesel::allow_tables_to_appear_in_same_query!(payments, payment_events);

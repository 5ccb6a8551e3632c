//! The tables, as `migrations/shipping` creates them.

diesel::table! {
    shipping_rates (country, currency, max_weight_grams) {
        country -> Text,
        currency -> Text,
        max_weight_grams -> Int4,
        amount_minor -> Int8,
        carrier -> Text,
    }
}

diesel::table! {
    shipments (id) {
        id -> Uuid,
        order_id -> Uuid,
        user_id -> Uuid,
        carrier -> Text,
        tracking_number -> Text,
        status -> Text,
        weight_grams -> Int8,
        shipping_address -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    shipment_events (id) {
        id -> Int8,
        shipment_id -> Uuid,
        status -> Text,
        at -> Timestamptz,
    }
}

diesel::joinable!(shipment_events -> shipments (shipment_id));
diesel::allow_tables_to_appear_in_same_query!(shipments, shipment_events);

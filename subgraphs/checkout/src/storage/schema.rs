// Mirrors migrations/checkout.

diesel::table! {
    carts (id) {
        id -> Uuid,
        user_id -> Nullable<Uuid>,
        status -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        expires_at -> Timestamptz,
        shipping_address -> Nullable<Jsonb>,
    }
}

diesel::table! {
    tax_rates (country, category_id) {
        country -> Text,
        category_id -> Nullable<Uuid>,
        basis_points -> Int4,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    cart_lines (cart_id, product_id) {
        cart_id -> Uuid,
        product_id -> Uuid,
        quantity -> Int4,
        added_at -> Timestamptz,
    }
}

diesel::joinable!(cart_lines -> carts (cart_id));
diesel::allow_tables_to_appear_in_same_query!(carts, cart_lines);

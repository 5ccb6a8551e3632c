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
        discount_code -> Nullable<Text>,
        order_id -> Nullable<Uuid>,
        checkout_key -> Nullable<Text>,
    }
}

diesel::table! {
    discount_uses (order_id) {
        order_id -> Uuid,
        code -> Text,
        user_id -> Uuid,
        taken_at -> Timestamptz,
        released_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    discount_codes (code) {
        code -> Text,
        percent_basis_points -> Nullable<Int4>,
        amount_minor -> Nullable<Int8>,
        currency -> Nullable<Text>,
        min_subtotal_minor -> Int8,
        starts_at -> Timestamptz,
        ends_at -> Nullable<Timestamptz>,
        max_uses -> Nullable<Int4>,
        max_uses_per_customer -> Nullable<Int4>,
        uses -> Int4,
        created_at -> Timestamptz,
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
diesel::allow_tables_to_appear_in_same_query!(carts, cart_lines, discount_codes, discount_uses);

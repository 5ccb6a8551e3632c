// Mirrors migrations/products.

diesel::table! {
    categories (id) {
        id -> Uuid,
        name -> Text,
        slug -> Text,
        description -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    products (id) {
        id -> Uuid,
        sku -> Text,
        slug -> Text,
        name -> Text,
        description -> Text,
        price_amount_minor -> Int8,
        price_currency -> Text,
        weight_grams -> Int4,
        length_mm -> Nullable<Int4>,
        width_mm -> Nullable<Int4>,
        height_mm -> Nullable<Int4>,
        category_id -> Nullable<Uuid>,
        status -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(products -> categories (category_id));
diesel::allow_tables_to_appear_in_same_query!(categories, products);

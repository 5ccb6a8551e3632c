// Mirrors migrations/notifications.

diesel::table! {
    order_owners (order_id) {
        order_id -> Uuid,
        user_id -> Uuid,
        number -> Nullable<Text>,
    }
}

diesel::table! {
    notifications (id) {
        id -> Uuid,
        seq -> Int8,
        event_id -> Uuid,
        user_id -> Nullable<Uuid>,
        order_id -> Nullable<Uuid>,
        kind -> Text,
        title -> Text,
        body -> Text,
        created_at -> Timestamptz,
        read_at -> Nullable<Timestamptz>,
        published_at -> Nullable<Timestamptz>,
    }
}

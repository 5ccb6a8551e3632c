diesel::table! {
    outbox_events (seq) {
        seq -> Int8,
        event_id -> Uuid,
        topic -> Text,
        message_key -> Text,
        envelope -> Jsonb,
        created_at -> Timestamptz,
        published_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    processed_events (consumer, event_id) {
        consumer -> Text,
        event_id -> Uuid,
        processed_at -> Timestamptz,
    }
}

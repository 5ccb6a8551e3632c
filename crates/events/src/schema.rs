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

diesel::table! {
    dead_letters (id) {
        id -> Int8,
        stage -> Text,
        consumer -> Nullable<Text>,
        topic -> Text,
        kafka_partition -> Nullable<Int4>,
        kafka_offset -> Nullable<Int8>,
        message_key -> Nullable<Text>,
        event_id -> Nullable<Uuid>,
        event_type -> Nullable<Text>,
        payload -> Bytea,
        error -> Text,
        created_at -> Timestamptz,
        replayed_at -> Nullable<Timestamptz>,
    }
}

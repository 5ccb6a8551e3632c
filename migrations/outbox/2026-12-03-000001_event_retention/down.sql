DROP INDEX processed_events_age; DROP INDEX outbox_events_published_age;

-- Pruning (crates/events/src/retention.rs) deletes by age. Rows arrive in time
-- order, so a BRIN index finds the old ones for a few pages of index, and costs
-- next to nothing on each insert of the saga's hot path.
CREATE INDEX outbox_events_published_age ON outbox_events USING brin (published_at);
CREATE INDEX processed_events_age ON processed_events USING brin (processed_at);

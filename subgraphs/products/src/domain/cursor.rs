//! Opaque page cursors: the (created_at, id) of the last product seen.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::storage::products::Position;

const VERSION: &str = "p1";
/// The cursors [`encode`] makes are about 70 characters; a longer `after` is
/// refused before it is decoded.
pub const MAX_LEN: usize = 128;

pub fn encode((created_at, id): Position) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "{VERSION}:{}:{}",
        created_at.timestamp_micros(),
        id.simple()
    ))
}

/// `None` for anything [`encode`] did not produce.
pub fn decode(cursor: &str) -> Option<Position> {
    if cursor.len() > MAX_LEN {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let mut parts = text.split(':');
    let (version, micros, id) = (parts.next()?, parts.next()?, parts.next()?);
    if version != VERSION || parts.next().is_some() {
        return None;
    }
    let created_at: DateTime<Utc> = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
    Some((created_at, Uuid::try_parse(id).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_at_microsecond_precision() {
        let at = DateTime::from_timestamp_micros(1_790_000_000_123_456).unwrap();
        let id = Uuid::now_v7();
        assert_eq!(decode(&encode((at, id))), Some((at, id)));
    }

    #[test]
    fn foreign_strings_are_not_cursors() {
        for bad in [
            "",
            "abc",
            "cDE6MTox",
            &URL_SAFE_NO_PAD.encode("p1:12:not-a-uuid"),
        ] {
            assert_eq!(decode(bad), None, "{bad:?}");
        }
    }
}

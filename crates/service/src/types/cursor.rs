//! Opaque page cursors: the `(created_at, id)` of the last item seen, which is
//! the order every connection in Mart pages by (newest or oldest first).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::ApiError;

/// Where a page starts: the last item of the previous page.
pub type Position = (DateTime<Utc>, Uuid);

/// Lets the format change later without old cursors being misread.
const VERSION: &str = "c1";
/// The cursors [`encode`] makes are about 70 characters; a longer `after` is
/// refused before it is decoded.
pub const MAX_LEN: usize = 128;

pub fn encode((at, id): Position) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "{VERSION}:{}:{}",
        at.timestamp_micros(),
        id.simple()
    ))
}

/// `None` for anything [`encode`] did not produce.
pub fn decode(cursor: &str) -> Option<Position> {
    if cursor.len() > MAX_LEN {
        return None;
    }
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    let mut parts = text.split(':');
    let (version, micros, id) = (parts.next()?, parts.next()?, parts.next()?);
    if version != VERSION || parts.next().is_some() {
        return None;
    }
    let at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
    Some((at, Uuid::try_parse(id).ok()?))
}

/// Decodes the argument `field` (usually `after`), or `BAD_USER_INPUT`.
pub fn decode_arg(field: &str, cursor: &str) -> Result<Position, ApiError> {
    if cursor.len() > MAX_LEN {
        return Err(ApiError::bad_input(
            field,
            format!("{field} must be at most {MAX_LEN} characters"),
        ));
    }
    decode(cursor).ok_or_else(|| {
        ApiError::bad_input(
            field,
            format!("{field} is not a cursor from this connection"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_at_microsecond_precision() {
        let at = DateTime::from_timestamp_micros(1_790_000_000_123_456).unwrap();
        let id = Uuid::now_v7();
        let cursor = encode((at, id));
        assert!(cursor.len() <= MAX_LEN);
        assert_eq!(decode(&cursor), Some((at, id)));
        assert_eq!(decode_arg("after", &cursor).unwrap(), (at, id));
    }

    #[test]
    fn foreign_strings_are_not_cursors() {
        for bad in [
            "",
            "abc",
            &URL_SAFE_NO_PAD.encode("c1:12:not-a-uuid"),
            &URL_SAFE_NO_PAD.encode("p1:12:0190a1b2c3d4e5f60718293a4b5c6d7e"),
            &"A".repeat(MAX_LEN + 1),
        ] {
            assert_eq!(decode(bad), None, "{bad:?}");
            assert!(decode_arg("after", bad).is_err());
        }
    }
}

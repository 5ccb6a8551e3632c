//! Apollo's multipart HTTP protocol for subscriptions (`Accept:
//! multipart/mixed;subscriptionSpec=1.0`), built on incremental delivery: every part is
//! `content-type: application/json` holding `{"payload": <result>}`, or `{}` as a heartbeat,
//! and each part is followed at once by the next boundary so a client can parse it without
//! waiting for more. The stream ends with the closing boundary `--graphql--`.
use bytes::Bytes;

pub const CONTENT_TYPE: &str = "multipart/mixed;boundary=\"graphql\";subscriptionSpec=\"1.0\"";

const BOUNDARY: &[u8] = b"\r\n--graphql";
const PART_HEADERS: &[u8] = b"\r\ncontent-type: application/json\r\n\r\n";

/// Writes the parts of one response; remembers whether the first boundary is out.
#[derive(Default)]
pub struct Framer {
    opened: bool,
}

impl Framer {
    /// One result, wrapped as `{"payload": …}`.
    pub fn event(&mut self, body: &[u8]) -> Bytes {
        let mut json = Vec::with_capacity(body.len() + 12);
        json.extend_from_slice(b"{\"payload\":");
        json.extend_from_slice(body);
        json.push(b'}');
        self.part(&json)
    }

    pub fn heartbeat(&mut self) -> Bytes {
        self.part(b"{}")
    }

    /// Turns the last boundary into the closing one.
    pub fn end(&mut self) -> Bytes {
        let mut out = Vec::with_capacity(16);
        if !self.opened {
            self.opened = true;
            out.extend_from_slice(BOUNDARY);
        }
        out.extend_from_slice(b"--\r\n");
        out.into()
    }

    fn part(&mut self, json: &[u8]) -> Bytes {
        let mut out = Vec::with_capacity(json.len() + 64);
        if !self.opened {
            self.opened = true;
            out.extend_from_slice(BOUNDARY);
        }
        out.extend_from_slice(PART_HEADERS);
        out.extend_from_slice(json);
        out.extend_from_slice(BOUNDARY);
        out.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_closed_by_the_next_boundary_and_the_stream_by_the_final_one() {
        let mut framer = Framer::default();
        let mut all = framer.heartbeat().to_vec();
        all.extend_from_slice(&framer.event(br#"{"data":{"n":1}}"#));
        all.extend_from_slice(&framer.end());
        assert_eq!(
            String::from_utf8(all).unwrap(),
            "\r\n--graphql\r\ncontent-type: application/json\r\n\r\n{}\r\n--graphql\
             \r\ncontent-type: application/json\r\n\r\n{\"payload\":{\"data\":{\"n\":1}}}\r\n--graphql--\r\n"
        );
        assert_eq!(&Framer::default().end()[..], b"\r\n--graphql--\r\n");
    }
}

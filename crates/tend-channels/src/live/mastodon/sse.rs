//! Server-sent events (the WHATWG `text/event-stream` format), as Mastodon's
//! streaming API sends them: `event:` and `data:` lines, an empty line ends
//! an event, lines starting with `:` are comments (heartbeats). Fed chunk by
//! chunk as they arrive; bounded so a hostile stream cannot grow it forever.

/// The longest event (or line) accepted.
const MAX_EVENT: usize = 1 << 20;

/// One event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SseEvent {
    /// Its type (`message` when the stream names none).
    pub event: String,
    /// Its data lines, joined by `\n`.
    pub data: String,
}

/// Splits a byte stream into events.
#[derive(Debug, Default)]
pub(super) struct SseParser {
    pending: Vec<u8>,
    event: String,
    data: String,
    has_data: bool,
}

impl SseParser {
    /// Takes the next chunk; answers the events it completed.
    pub(super) fn feed(&mut self, chunk: &[u8]) -> Result<Vec<SseEvent>, String> {
        self.pending.extend_from_slice(chunk);
        let mut done = Vec::new();
        let mut start = 0;
        while let Some(nl) = self.pending[start..].iter().position(|b| *b == b'\n') {
            let end = start + nl;
            let line = &self.pending[start..end];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let line = std::str::from_utf8(line)
                .map_err(|e| format!("Mastodon stream: a line is not UTF-8: {e}"))?
                .to_string();
            start = end + 1;
            if let Some(event) = self.line(&line)? {
                done.push(event);
            }
        }
        self.pending.drain(..start);
        if self.pending.len() > MAX_EVENT {
            return Err(format!(
                "Mastodon stream: a line longer than {MAX_EVENT} bytes"
            ));
        }
        Ok(done)
    }

    fn line(&mut self, line: &str) -> Result<Option<SseEvent>, String> {
        if line.is_empty() {
            if !self.has_data {
                self.event.clear();
                return Ok(None);
            }
            let event = SseEvent {
                event: if self.event.is_empty() {
                    "message".into()
                } else {
                    std::mem::take(&mut self.event)
                },
                data: std::mem::take(&mut self.data),
            };
            self.has_data = false;
            return Ok(Some(event));
        }
        if line.starts_with(':') {
            return Ok(None);
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "event" => self.event = value.to_string(),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
                if self.data.len() > MAX_EVENT {
                    return Err(format!(
                        "Mastodon stream: an event longer than {MAX_EVENT} bytes"
                    ));
                }
            }
            _ => {}
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_across_chunks_are_put_together() {
        let mut p = SseParser::default();
        assert!(p.feed(b":)\nevent: delete\nda").unwrap().is_empty());
        let got = p
            .feed(b"ta: 117\n\n:thump\r\nevent: notification\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\n")
            .unwrap();
        assert_eq!(
            got,
            vec![
                SseEvent {
                    event: "delete".into(),
                    data: "117".into()
                },
                SseEvent {
                    event: "notification".into(),
                    data: "{\"a\":\n1}".into()
                }
            ]
        );
    }

    #[test]
    fn endless_lines_are_refused() {
        let mut p = SseParser::default();
        let err = p.feed(&vec![b'x'; MAX_EVENT + 1]).unwrap_err();
        assert!(err.contains("Mastodon stream"), "{err}");
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_in_any_chunks_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400), cut in 0usize..400) {
            let mut p = SseParser::default();
            let cut = cut.min(bytes.len());
            let _ = p.feed(&bytes[..cut]);
            let _ = p.feed(&bytes[cut..]);
        }
    }
}

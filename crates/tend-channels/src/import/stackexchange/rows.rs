//! Streaming reader for the Stack Exchange dump layout: an XML file whose root
//! element (`<posts>`, `<comments>`, `<users>`) holds one `<row .../>` per
//! record with everything in attributes. Rows are handed out one at a time with
//! their attributes decoded; memory is bounded by the longest row, and a row
//! longer than [`MAX_ROW_BYTES`] stops the read (an XML parser cannot resync
//! inside an element). The 1-based line of each row is tracked for errors.

use crate::import::{ImportError, Location, Rejected};
use quick_xml::XmlVersion;
use quick_xml::events::Event;
use std::io::{self, BufRead, Read};
use std::path::Path;

/// Longest single `<row …/>` accepted (bytes). Stack Exchange caps a post body
/// at 30,000 characters; escaped as HTML inside an XML attribute that stays far
/// below this.
pub const MAX_ROW_BYTES: u64 = 8 * 1024 * 1024;

/// One `<row>`: its attributes (XML-unescaped) and where it is.
pub struct Row {
    /// `(name, value)` pairs in document order.
    pub attrs: Vec<(String, String)>,
    /// File, line and 1-based record number.
    pub at: Location,
}

impl Row {
    /// The value of an attribute, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A [`Rejected`] for this row naming `field`.
    pub fn reject(&self, field: &str, reason: impl Into<String>) -> Rejected {
        Rejected {
            at: Location {
                field: Some(field.to_string()),
                ..self.at.clone()
            },
            reason: reason.into(),
        }
    }

    /// A required attribute, or a rejection naming it.
    pub fn required(&self, field: &str) -> Result<&str, Rejected> {
        self.get(field)
            .ok_or_else(|| self.reject(field, "missing required attribute"))
    }

    /// An optional integer attribute; present but not an integer is a rejection.
    pub fn int(&self, field: &str) -> Result<Option<i64>, Rejected> {
        match self.get(field) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| self.reject(field, format!("not an integer: {:?}", clip(v)))),
        }
    }

    /// A required integer attribute.
    pub fn required_int(&self, field: &str) -> Result<i64, Rejected> {
        self.int(field)?
            .ok_or_else(|| self.reject(field, "missing required attribute"))
    }
}

/// At most 40 characters of `s`, for error messages.
pub fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Reads every `<row>` under the root element `root` (e.g. `posts`) and calls
/// `on_row` with each; rows whose attributes cannot be decoded go to `rejected`.
/// A file that is not well-formed up to its end, has another root, or is cut
/// off before `</root>` is an [`ImportError`].
pub fn each_row<R: BufRead>(
    reader: R,
    file: &Path,
    root: &str,
    rejected: &mut Vec<Rejected>,
    mut on_row: impl FnMut(Row),
) -> Result<(), ImportError> {
    let mut xml = quick_xml::Reader::from_reader(Counting::new(reader));
    let mut buf = Vec::new();
    let mut depth = 0usize;
    let mut seen_root = false;
    let mut record = 0u64;
    let error = |line: u64, record: Option<u64>, message: String| ImportError {
        at: Location {
            file: file.to_path_buf(),
            line: Some(line),
            record,
            field: None,
        },
        message,
    };
    loop {
        buf.clear();
        xml.get_mut().mark_row();
        let line = xml.get_ref().newlines + 1;
        let event = match xml.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(err) => {
                let next = if depth >= 1 { Some(record + 1) } else { None };
                return Err(error(line, next, format!("not well-formed XML: {err}")));
            }
        };
        let (element, is_empty) = match event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Ok(());
                }
                continue;
            }
            Event::Eof => {
                let message = if seen_root {
                    format!("file ends before </{root}> (truncated?)")
                } else {
                    format!("no <{root}> element: not a Stack Exchange {root} file")
                };
                return Err(error(line, None, message));
            }
            _ => continue,
        };
        if depth == 0 {
            if seen_root {
                return Err(error(line, None, "content after the root element".into()));
            }
            let name = element.name().as_ref().to_string();
            if name != root {
                return Err(error(
                    line,
                    None,
                    format!("root element is <{}>, expected <{root}>", clip(&name)),
                ));
            }
            seen_root = true;
            if is_empty {
                return Ok(());
            }
            depth = 1;
            continue;
        }
        if depth == 1 && element.name().as_ref() == "row" {
            record += 1;
            let at = Location {
                file: file.to_path_buf(),
                line: Some(line),
                record: Some(record),
                field: None,
            };
            let mut attrs = Vec::new();
            let mut bad = None;
            for attr in element.attributes() {
                match attr {
                    Ok(attr) => {
                        let key = attr.key.as_ref().to_string();
                        match attr.normalized_value(XmlVersion::Implicit1_0) {
                            Ok(value) => attrs.push((key, value.into_owned())),
                            Err(err) => {
                                bad = Some((key, err.to_string()));
                                break;
                            }
                        }
                    }
                    Err(err) => {
                        bad = Some(("(attributes)".to_string(), err.to_string()));
                        break;
                    }
                }
            }
            match bad {
                Some((field, reason)) => rejected.push(Rejected {
                    at: Location {
                        field: Some(field),
                        ..at
                    },
                    reason: format!("attribute cannot be decoded: {reason}"),
                }),
                None => on_row(Row { attrs, at }),
            }
        }
        if !is_empty {
            depth += 1;
        }
    }
}

/// A `BufRead` that counts newlines consumed and refuses to hand out more than
/// [`MAX_ROW_BYTES`] since the last [`mark_row`](Counting::mark_row).
struct Counting<R> {
    inner: R,
    newlines: u64,
    since_mark: u64,
}

impl<R: BufRead> Counting<R> {
    fn new(inner: R) -> Self {
        Counting {
            inner,
            newlines: 0,
            since_mark: 0,
        }
    }

    fn mark_row(&mut self) {
        self.since_mark = 0;
    }
}

impl<R: BufRead> Read for Counting<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(out.len());
            if let (Some(dst), Some(src)) = (out.get_mut(..n), available.get(..n)) {
                dst.copy_from_slice(src);
            }
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counting<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.since_mark > MAX_ROW_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("an element is longer than {MAX_ROW_BYTES} bytes"),
            ));
        }
        // Hand out no more than the allowance, so a reader that holds the whole
        // input (a byte slice) is stopped too.
        let allowance = usize::try_from(MAX_ROW_BYTES + 1 - self.since_mark).unwrap_or(usize::MAX);
        let buffered = self.inner.fill_buf()?;
        Ok(buffered.get(..allowance).unwrap_or(buffered))
    }

    fn consume(&mut self, amt: usize) {
        // `amt` never exceeds what the last `fill_buf` returned, which
        // `BufRead` implementations hand back again without reading.
        if let Ok(buffered) = self.inner.fill_buf() {
            let consumed = buffered.get(..amt).unwrap_or(buffered);
            self.newlines += consumed.iter().filter(|&&b| b == b'\n').count() as u64;
        }
        self.since_mark = self.since_mark.saturating_add(amt as u64);
        self.inner.consume(amt);
    }
}

//! Opening a generic export: the size limit, a leading UTF-8 byte order mark, and
//! UTF-8 validation as the bytes stream past, so invalid input is reported with
//! its line and byte offset without reading the whole file into memory.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use crate::import::{ImportError, Location, MAX_FILE_BYTES};

const BOM: &[u8] = b"\xEF\xBB\xBF";
const CHUNK_BYTES: usize = 64 * 1024;

/// Where the first byte that is not UTF-8 is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid UTF-8 at byte offset {offset} (0-based, from the start of the file)")]
pub(crate) struct BadUtf8 {
    /// 1-based line holding the byte.
    pub line: u64,
    /// 0-based byte offset in the file, a byte order mark included.
    pub offset: u64,
}

/// Opens `path` for reading as UTF-8 text, refusing files over [`MAX_FILE_BYTES`].
pub(crate) fn open(path: &Path) -> Result<BufReader<Utf8Guard<File>>, ImportError> {
    let file = File::open(path).map_err(|e| error(path, None, format!("cannot open: {e}")))?;
    let meta = file
        .metadata()
        .map_err(|e| error(path, None, format!("cannot read its size: {e}")))?;
    if meta.is_dir() {
        return Err(error(path, None, "is a directory, not a file".to_owned()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(error(
            path,
            None,
            format!("is {} bytes; at most {MAX_FILE_BYTES} are read", meta.len()),
        ));
    }
    Ok(BufReader::new(Utf8Guard::new(file)))
}

/// The whole-file error for a read that failed at `line`: invalid UTF-8 is named
/// with its line and byte offset, other I/O errors as they are.
pub(crate) fn read_error(path: &Path, line: Option<u64>, err: &io::Error) -> ImportError {
    match err.get_ref().and_then(|e| e.downcast_ref::<BadUtf8>()) {
        Some(bad) => error(
            path,
            Some(bad.line),
            format!("{bad}; the file must be UTF-8 (re-save it as UTF-8)"),
        ),
        None => error(path, line, format!("cannot read: {err}")),
    }
}

/// A whole-file error at `line`.
pub(crate) fn error(path: &Path, line: Option<u64>, message: String) -> ImportError {
    ImportError {
        at: Location {
            file: path.to_owned(),
            line,
            record: None,
            field: None,
        },
        message,
    }
}

/// How a line was read by [`read_line_capped`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LineRead {
    /// Bytes on the line, the newline excluded (more than were kept if over the cap).
    pub len: u64,
    /// Whether a `\n` ended it (false only for the last line of a file).
    pub ended_by_newline: bool,
}

/// Reads one line into `buf` (cleared first, `\n` not included), keeping at most
/// `cap` bytes but always consuming the whole line. `None` at the end of input.
pub(crate) fn read_line_capped(
    reader: &mut impl BufRead,
    buf: &mut Vec<u8>,
    cap: usize,
) -> io::Result<Option<LineRead>> {
    buf.clear();
    let mut len: u64 = 0;
    let mut any = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(any.then_some(LineRead {
                len,
                ended_by_newline: false,
            }));
        }
        any = true;
        let newline = available.iter().position(|&b| b == b'\n');
        let part = match newline {
            Some(at) => available.get(..at).unwrap_or(available),
            None => available,
        };
        let room = cap.saturating_sub(buf.len());
        buf.extend_from_slice(part.get(..room.min(part.len())).unwrap_or(part));
        len += part.len() as u64;
        let used = part.len() + usize::from(newline.is_some());
        reader.consume(used);
        if newline.is_some() {
            return Ok(Some(LineRead {
                len,
                ended_by_newline: true,
            }));
        }
    }
}

/// Passes bytes through, dropping a leading byte order mark, and fails with
/// [`BadUtf8`] (inside an `io::Error`) at the first byte that is not UTF-8.
#[derive(Debug)]
pub(crate) struct Utf8Guard<R> {
    inner: R,
    /// Bytes checked and ready to hand out.
    ready: Vec<u8>,
    ready_pos: usize,
    /// The start of a character split across reads (at most 3 bytes).
    pending: Vec<u8>,
    /// File offset of the first byte of `pending` (or of the next read).
    offset: u64,
    /// 1-based line of `offset`.
    line: u64,
    at_start: bool,
    failure: Option<BadUtf8>,
    chunk: Vec<u8>,
}

impl<R: Read> Utf8Guard<R> {
    pub(crate) fn new(inner: R) -> Utf8Guard<R> {
        Utf8Guard {
            inner,
            ready: Vec::new(),
            ready_pos: 0,
            pending: Vec::new(),
            offset: 0,
            line: 1,
            at_start: true,
            failure: None,
            chunk: vec![0; CHUNK_BYTES],
        }
    }

    /// Reads and checks the next chunk. Returns false at the end of input.
    fn refill(&mut self) -> io::Result<bool> {
        let n = loop {
            match self.inner.read(&mut self.chunk) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        let eof = n == 0;
        let mut bytes = std::mem::take(&mut self.pending);
        bytes.extend_from_slice(self.chunk.get(..n).unwrap_or(&[]));
        if bytes.is_empty() {
            return Ok(false);
        }
        if self.at_start {
            if !eof && bytes.len() < BOM.len() && BOM.starts_with(&bytes) {
                self.pending = bytes;
                return Ok(true);
            }
            self.at_start = false;
            if bytes.starts_with(BOM) {
                bytes.drain(..BOM.len());
                self.offset += BOM.len() as u64;
            }
        }
        let valid = match std::str::from_utf8(&bytes) {
            Ok(_) => bytes.len(),
            Err(e) => {
                let valid = e.valid_up_to();
                let lines = count_newlines(bytes.get(..valid).unwrap_or(&[]));
                if e.error_len().is_none() && !eof {
                    // A character split across reads: finish it next time.
                    self.pending = bytes.get(valid..).unwrap_or(&[]).to_vec();
                } else {
                    self.failure = Some(BadUtf8 {
                        line: self.line + lines,
                        offset: self.offset + valid as u64,
                    });
                }
                valid
            }
        };
        bytes.truncate(valid);
        self.line += count_newlines(&bytes);
        self.offset += valid as u64;
        self.ready = bytes;
        self.ready_pos = 0;
        Ok(true)
    }
}

impl<R: Read> Read for Utf8Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let ready = self.ready.get(self.ready_pos..).unwrap_or(&[]);
            if !ready.is_empty() {
                let n = ready.len().min(buf.len());
                if let (Some(to), Some(from)) = (buf.get_mut(..n), ready.get(..n)) {
                    to.copy_from_slice(from);
                }
                self.ready_pos += n;
                return Ok(n);
            }
            if let Some(bad) = self.failure {
                return Err(io::Error::new(io::ErrorKind::InvalidData, bad));
            }
            if !self.refill()? {
                return Ok(0);
            }
        }
    }
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out one byte per read, to split characters and the BOM across reads.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((first, rest)), Some(slot)) => {
                    *slot = *first;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    fn pass(input: &[u8], trickle: bool) -> Result<Vec<u8>, BadUtf8> {
        let mut out = Vec::new();
        let res = if trickle {
            Utf8Guard::new(Trickle(input)).read_to_end(&mut out)
        } else {
            Utf8Guard::new(input).read_to_end(&mut out)
        };
        match res {
            Ok(_) => Ok(out),
            Err(e) => Err(*e.get_ref().unwrap().downcast_ref::<BadUtf8>().unwrap()),
        }
    }

    #[test]
    fn valid_text_passes_and_the_bom_is_dropped() {
        for trickle in [false, true] {
            assert_eq!(
                pass("\u{feff}é\n€𝄞".as_bytes(), trickle).unwrap(),
                "é\n€𝄞".as_bytes()
            );
            assert_eq!(pass(b"\xEF\xBB", trickle).unwrap_err().offset, 0);
            assert_eq!(pass(b"", trickle).unwrap(), b"");
        }
    }

    #[test]
    fn invalid_bytes_are_located_by_line_and_offset() {
        for trickle in [false, true] {
            let err = pass(b"\xEF\xBB\xBFab\ncd\xFFef", trickle).unwrap_err();
            assert_eq!(err, BadUtf8 { line: 2, offset: 8 });
            // A character cut off by the end of the file.
            let err = pass("x\n\ny€".as_bytes().split_last().unwrap().1, trickle).unwrap_err();
            assert_eq!(err, BadUtf8 { line: 3, offset: 4 });
        }
    }

    #[test]
    fn long_lines_are_consumed_but_capped() {
        let mut reader = BufReader::with_capacity(4, &b"abcdefgh\nij"[..]);
        let mut buf = Vec::new();
        let first = read_line_capped(&mut reader, &mut buf, 3).unwrap().unwrap();
        assert_eq!(
            (first.len, first.ended_by_newline, buf.as_slice()),
            (8, true, &b"abc"[..])
        );
        let second = read_line_capped(&mut reader, &mut buf, 3).unwrap().unwrap();
        assert_eq!(
            (second.len, second.ended_by_newline, buf.as_slice()),
            (2, false, &b"ij"[..])
        );
        assert_eq!(read_line_capped(&mut reader, &mut buf, 3).unwrap(), None);
    }
}

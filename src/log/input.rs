//! What a reader reads: a file (or a folder of pages) by path, or bytes in memory.

use std::borrow::Cow;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use csv::ByteRecord;

use super::budget::Bounded;
use super::settings::Settings;
use crate::error::{Error, Result};

/// The input of a reader.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Input<'a> {
    /// A file, or a folder (the pages of a Jira search), by path.
    Path(&'a Path),
    /// Bytes in memory (read from a caller's reader).
    Bytes(&'a [u8]),
}

impl<'a> Input<'a> {
    /// The name of the input in errors and in the ledger: the name given, else the path
    /// (bytes have none unless given one).
    pub(crate) fn name(self, settings: &Settings) -> Option<String> {
        match self {
            Input::Path(path) => Some(settings.name_of(path)),
            Input::Bytes(_) => settings.name.clone(),
        }
    }

    /// Up to the first `max` bytes; `name` names the input in an error.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the file cannot be read.
    pub(crate) fn head(self, max: usize, name: Option<&str>) -> Result<Cow<'a, [u8]>> {
        match self {
            Input::Path(path) => {
                let mut head = vec![0u8; max];
                let n = File::open(path)
                    .and_then(|mut f| read_up_to(&mut f, &mut head))
                    .map_err(|source| Error::Io {
                        file: name.map(str::to_owned),
                        source,
                    })?;
                head.truncate(n);
                Ok(Cow::Owned(head))
            }
            Input::Bytes(bytes) => Ok(Cow::Borrowed(&bytes[..max.min(bytes.len())])),
        }
    }

    /// A CSV reader over the whole input, configured by `builder`, its records at most
    /// [`MAX_RECORD_BYTES`](super::budget::MAX_RECORD_BYTES) long (read them with
    /// [`next_record`](super::budget::next_record)).
    ///
    /// # Errors
    ///
    /// The CSV error of a file that cannot be opened.
    pub(crate) fn csv(
        self,
        builder: &csv::ReaderBuilder,
    ) -> std::result::Result<csv::Reader<Bounded<Box<dyn Read + 'a>>>, csv::Error> {
        let rdr: Box<dyn Read + 'a> = match self {
            Input::Path(path) => {
                Box::new(LineEnds::new(std::io::BufReader::new(File::open(path)?))?)
            }
            Input::Bytes(bytes) => Box::new(LineEnds::new(bytes)?),
        };
        Ok(builder.from_reader(Bounded::new(rdr, "record")))
    }

    /// The names of the first CSV record (comma-separated) in the first 64 KiB, trimmed, a
    /// byte-order mark removed.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the file cannot be read.
    pub(crate) fn csv_header(self, name: Option<&str>) -> Result<Vec<String>> {
        let head = self.head(64 * 1024, name)?;
        let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&head);
        Ok(csv_header(text, b','))
    }
}

/// Reads into `buf` until it is full or the file ends; the number of bytes read.
pub(crate) fn read_up_to(f: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// The names of the first CSV record of `text`, trimmed (none if it has no readable record).
pub(crate) fn csv_header(text: &[u8], delimiter: u8) -> Vec<String> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text);
    let mut rec = ByteRecord::new();
    match rdr.read_byte_record(&mut rec) {
        Ok(true) => rec
            .iter()
            .map(|f| String::from_utf8_lossy(f).trim().to_owned())
            .collect(),
        _ => Vec::new(),
    }
}

/// How many bytes of a stream are read ahead for detection: enough for any export's header.
pub(crate) const PEEK: usize = 64 * 1024;

/// The most bytes of a stream (a pipe, a FIFO, standard input) held in memory for a preset
/// that reads its input more than once (every preset but `xes`; the plain layouts and `xes`
/// read a stream as it comes, whatever its size).
pub(crate) const STREAM_IN_MEMORY: u64 = 1 << 30;

/// A stream whose first bytes are read ahead: detection looks at them, and the reader
/// continues from them, so that the stream is read once (a pipe or a FIFO cannot be read
/// again).
pub(crate) struct Peeked<R> {
    head: Vec<u8>,
    rest: R,
}

impl<R: Read> Peeked<R> {
    /// Reads up to [`PEEK`] bytes of `rest` (fewer if it ends first).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming `name` if the stream cannot be read.
    pub(crate) fn new(mut rest: R, name: Option<&str>) -> Result<Peeked<R>> {
        let mut head = vec![0u8; PEEK];
        let n = read_up_to(&mut rest, &mut head).map_err(|source| Error::Io {
            file: name.map(str::to_owned),
            source,
        })?;
        head.truncate(n);
        Ok(Peeked { head, rest })
    }

    /// The bytes read ahead.
    pub(crate) fn head(&self) -> &[u8] {
        &self.head
    }

    /// The whole stream, from its first byte.
    pub(crate) fn into_reader(self) -> std::io::Chain<std::io::Cursor<Vec<u8>>, R> {
        std::io::Cursor::new(self.head).chain(self.rest)
    }

    /// The whole stream in memory, at most [`STREAM_IN_MEMORY`] bytes; `what` says what
    /// reads it, for the message about a larger one.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the stream cannot be read; [`Error::Value`] if it is larger than the
    /// budget.
    pub(crate) fn into_bytes(self, name: Option<&str>, what: &str) -> Result<Vec<u8>> {
        let mut bytes = self.head;
        self.rest
            .take(STREAM_IN_MEMORY + 1 - bytes.len() as u64)
            .read_to_end(&mut bytes)
            .map_err(|source| Error::Io {
                file: name.map(str::to_owned),
                source,
            })?;
        if bytes.len() as u64 > STREAM_IN_MEMORY {
            return Err(Error::Value {
                pos: Box::new(crate::error::Position::file(name)),
                message: format!(
                    "the {what} format reads a pipe or standard input into memory, at most {} GiB, and this one is larger: save it to a file and read the file",
                    STREAM_IN_MEMORY >> 30
                ),
            });
        }
        Ok(bytes)
    }
}

/// Whether the first line end in `head` is a carriage return alone (the line ends of old
/// Mac files), as opposed to a line feed or `\r\n`.
pub(crate) fn cr_only(head: &[u8]) -> bool {
    head.iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .is_some_and(|i| head[i] == b'\r' && head.get(i + 1).is_some_and(|&b| b != b'\n'))
}

/// A CSV input whose line ends are counted as an editor counts them: as it is, or, when its
/// first line end is a carriage return alone, with every carriage return that no line feed
/// follows read as a line feed (the CSV reader ends a record at either, but counts lines
/// by line feeds only). Byte offsets are unchanged.
pub(crate) enum LineEnds<R> {
    /// Line feeds (or `\r\n`) end the lines: read as it is.
    Lf(R),
    /// Carriage returns alone end the lines, read as line feeds; `cr`: one was read and
    /// not yet given out (what follows it decides).
    Cr { inner: R, cr: bool },
}

impl<R: std::io::BufRead> LineEnds<R> {
    /// `inner`, its line ends told from its first buffered bytes.
    pub(crate) fn new(mut inner: R) -> std::io::Result<LineEnds<R>> {
        Ok(if cr_only(inner.fill_buf()?) {
            LineEnds::Cr { inner, cr: false }
        } else {
            LineEnds::Lf(inner)
        })
    }
}

impl<R: std::io::BufRead> Read for LineEnds<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let (inner, cr) = match self {
            LineEnds::Lf(inner) => return inner.read(out),
            LineEnds::Cr { inner, cr } => (inner, cr),
        };
        loop {
            if out.is_empty() {
                return Ok(0);
            }
            let buf = inner.fill_buf()?;
            if buf.is_empty() {
                if std::mem::take(cr) {
                    out[0] = b'\n';
                    return Ok(1);
                }
                return Ok(0);
            }
            let (mut n, mut used) = (0, 0);
            for &b in buf {
                if *cr {
                    if n == out.len() {
                        break;
                    }
                    out[n] = if b == b'\n' { b'\r' } else { b'\n' };
                    n += 1;
                    *cr = false;
                }
                if n == out.len() {
                    break;
                }
                if b == b'\r' {
                    *cr = true;
                } else {
                    out[n] = b;
                    n += 1;
                }
                used += 1;
            }
            inner.consume(used);
            if n > 0 {
                return Ok(n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufReader, Read};

    use super::{LineEnds, cr_only};

    /// Every carriage return that no line feed follows, replaced by a line feed: the
    /// translation written the plain way, byte by byte over the whole text.
    fn oracle(text: &[u8]) -> Vec<u8> {
        (0..text.len())
            .map(|i| match (text[i], text.get(i + 1)) {
                (b'\r', Some(b'\n')) => b'\r',
                (b'\r', _) => b'\n',
                (b, _) => b,
            })
            .collect()
    }

    #[test]
    fn cr_line_ends_read_as_line_feeds_across_every_buffer_boundary() {
        let texts: [&[u8]; 5] = [
            b"a,b\rc,d\r",
            b"a,b\rc\r\nd\r\r\re",
            b"a\r\"x\ry\",z\r\r",
            b"a\r\r\n\r\n\r",
            b"a\rb",
        ];
        for text in texts {
            assert!(cr_only(text), "{text:?}");
            for cap in 1..6 {
                for chunk in 1..6 {
                    // Told from a first buffer that holds the first line end, read through
                    // buffers of `cap` bytes.
                    let mut r = match LineEnds::new(text).unwrap() {
                        LineEnds::Cr { .. } => LineEnds::Cr {
                            inner: BufReader::with_capacity(cap, text),
                            cr: false,
                        },
                        LineEnds::Lf(_) => panic!("{text:?} is not read as CR-only"),
                    };
                    let mut out = Vec::new();
                    let mut buf = vec![0u8; chunk];
                    loop {
                        let n = r.read(&mut buf).unwrap();
                        if n == 0 {
                            break;
                        }
                        out.extend_from_slice(&buf[..n]);
                    }
                    assert_eq!(out, oracle(text), "{text:?} cap {cap} chunk {chunk}");
                }
            }
        }
    }

    #[test]
    fn only_a_first_line_end_of_a_lone_carriage_return_is_cr_only() {
        assert!(!cr_only(b"a,b\nc\rd"));
        assert!(!cr_only(b"a,b\r\nc\rd"));
        assert!(!cr_only(b"a,b"));
        // The byte after the carriage return is not known yet.
        assert!(!cr_only(b"a,b\r"));
        let mut lf = LineEnds::new(&b"a\nb\rc"[..]).unwrap();
        let mut out = Vec::new();
        lf.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"a\nb\rc");
    }
}

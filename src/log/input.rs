//! What a reader reads: a file (or a folder of pages) by path, or bytes in memory.

use std::borrow::Cow;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use csv::ByteRecord;

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

    /// A CSV reader over the whole input, configured by `builder`.
    ///
    /// # Errors
    ///
    /// The CSV error of a file that cannot be opened.
    pub(crate) fn csv(
        self,
        builder: &csv::ReaderBuilder,
    ) -> std::result::Result<csv::Reader<Box<dyn Read + 'a>>, csv::Error> {
        let rdr: Box<dyn Read + 'a> = match self {
            Input::Path(path) => Box::new(File::open(path)?),
            Input::Bytes(bytes) => Box::new(bytes),
        };
        Ok(builder.from_reader(rdr))
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

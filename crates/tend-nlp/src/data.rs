//! Reading the public labelled data under the repository's `testdata/` folder, for
//! training the learned models (`tend train`) and for the accuracy evaluations of
//! `tend eval` (crate `tend-bench`): the one error type, naming file and line.

use std::path::PathBuf;

/// Why labelled data could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A data file is missing or unreadable.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file that failed.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A data file has a line that cannot be parsed.
    #[error("{path}:{line}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// Reads a whole data file, naming it in the error.
pub fn read(path: &std::path::Path) -> Result<String, DataError> {
    std::fs::read_to_string(path).map_err(|source| DataError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Reads a whole data file as bytes, naming it in the error.
pub fn read_bytes(path: &std::path::Path) -> Result<Vec<u8>, DataError> {
    std::fs::read(path).map_err(|source| DataError::Io {
        path: path.to_owned(),
        source,
    })
}

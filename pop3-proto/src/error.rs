//! Error types.

/// What went wrong in a line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum ParseErrorKind {
    /// Something else was required here.
    #[error("expected {0}")]
    Expected(&'static str),
    /// A number is larger than its type allows (the type is named).
    #[error("number does not fit in {0}")]
    NumberOverflow(&'static str),
    /// Well-formed but not allowed, e.g. message number 0.
    #[error("invalid: {0}")]
    Invalid(&'static str),
}

/// A line did not match the grammar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[error("{kind} at byte {offset}")]
pub struct ParseError {
    /// Where in the line.
    pub offset: usize,
    /// What.
    pub kind: ParseErrorKind,
}

impl ParseError {
    pub(crate) fn expected(offset: usize, what: &'static str) -> ParseError {
        ParseError { offset, kind: ParseErrorKind::Expected(what) }
    }
}

/// A value was refused by a validating constructor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// A byte the type does not allow.
    #[error("byte {byte:#04x} at offset {offset} is not allowed here")]
    InvalidByte {
        /// The byte.
        byte: u8,
        /// Its position.
        offset: usize,
    },
    /// The value must not be empty.
    #[error("value must not be empty")]
    Empty,
    /// The value does not have the required form.
    #[error("malformed value: {0}")]
    Malformed(&'static str),
}

//! Error types, one per layer.

/// A value was refused by a validating constructor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// The value must not be empty.
    #[error("value must not be empty")]
    Empty,
    /// The value holds a byte its type does not allow.
    #[error("byte {byte:#04x} at offset {offset} is not allowed here")]
    InvalidByte {
        /// The byte.
        byte: u8,
        /// Its position in the value.
        offset: usize,
    },
    /// A number or date is out of range.
    #[error("{0} out of range")]
    OutOfRange(&'static str),
}

/// What went wrong in the grammar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseErrorKind {
    /// Something else was required here.
    #[error("expected {0}")]
    Expected(&'static str),
    /// A number is larger than its type allows (u32 for `number`).
    #[error("number does not fit in {0}")]
    NumberOverflow(&'static str),
    /// A value is syntactically fine but out of range (a date, zero where
    /// `nz-number` is due).
    #[error("invalid {0}")]
    Invalid(&'static str),
    /// Parentheses or search keys nest deeper than the configured limit.
    #[error("nesting deeper than the limit of {limit}")]
    TooDeep {
        /// The configured limit.
        limit: usize,
    },
}

/// A message did not match the grammar.
///
/// `offset` counts from the first byte of the message that was parsed.
/// Inside a [`DecodeError::Parse`] the message's stream offset is beside
/// it, and [`DecodeError::offset`] (also what its message prints) is the
/// stream offset of the error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at byte {offset}")]
pub struct ParseError {
    /// Where the problem is, from the start of the message.
    pub offset: usize,
    /// What the problem is.
    pub kind: ParseErrorKind,
}

impl ParseError {
    pub(crate) fn expected(offset: usize, what: &'static str) -> ParseError {
        ParseError { offset, kind: ParseErrorKind::Expected(what) }
    }
}

/// A framing limit was exceeded. The framer has already arranged to skip
/// the offending message, so decoding can continue with the next one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// A line is longer than [`Limits::max_line_length`](crate::Limits).
    #[error("line starting at byte {offset} exceeds the limit of {limit} bytes")]
    LineTooLong {
        /// Stream offset where the line starts.
        offset: u64,
        /// The limit.
        limit: usize,
    },
    /// A literal announces more than [`Limits::max_literal_size`](crate::Limits).
    #[error("literal of {size} bytes at byte {offset} exceeds the limit of {limit} bytes")]
    LiteralTooLarge {
        /// Stream offset of the announcement.
        offset: u64,
        /// Announced size.
        size: u64,
        /// The limit.
        limit: u64,
        /// `{N}` (the client waits for `+` and will not send the data).
        synchronizing: bool,
    },
    /// A literal size does not fit in 64 bits.
    #[error("literal size at byte {offset} does not fit in 64 bits")]
    LiteralSizeOverflow {
        /// Stream offset of the announcement.
        offset: u64,
    },
    /// The message (lines plus literals) is larger than
    /// [`Limits::max_message_size`](crate::Limits).
    #[error("message starting at byte {offset} exceeds the limit of {limit} bytes")]
    MessageTooLarge {
        /// Stream offset where the message starts.
        offset: u64,
        /// The limit.
        limit: u64,
    },
}

impl FrameError {
    /// Stream offset the error refers to.
    pub fn offset(&self) -> u64 {
        match self {
            FrameError::LineTooLong { offset, .. }
            | FrameError::LiteralTooLarge { offset, .. }
            | FrameError::LiteralSizeOverflow { offset }
            | FrameError::MessageTooLarge { offset, .. } => *offset,
        }
    }
}

/// An error from a decoder: a framing limit, a grammar violation, or the
/// end of input inside a message, with stream offsets and, when the
/// message started with a readable tag, that tag (a server answers
/// `tag BAD` or `tag NO`; a client fails the command waiting for it).
/// Decoding can always continue with the next message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A limit was exceeded; the message is being skipped.
    #[error("{error}")]
    Frame {
        /// Which limit, with stream offsets.
        error: FrameError,
        /// The tag of the refused message, when it had a readable one.
        tag: Option<crate::Tag>,
    },
    /// A complete message did not parse.
    #[error("{} at byte {} (in the message at byte {message_offset})", error.kind, message_offset + error.offset as u64)]
    Parse {
        /// Stream offset of the message.
        message_offset: u64,
        /// The grammar error; its offset counts from the message's start.
        error: ParseError,
        /// The tag of the message, when it had a readable one.
        tag: Option<crate::Tag>,
    },
    /// The input ended inside a message (reported by `decode_eof`).
    #[error("the input ends inside the message at byte {offset}")]
    Truncated {
        /// Stream offset of the unfinished message.
        offset: u64,
        /// Its tag, when it had a readable one.
        tag: Option<crate::Tag>,
    },
}

impl DecodeError {
    /// Stream offset of the error: the grammar error's position, the
    /// violation of a limit, or the start of an unfinished message.
    pub fn offset(&self) -> u64 {
        match self {
            DecodeError::Frame { error, .. } => error.offset(),
            DecodeError::Parse { message_offset, error, .. } => message_offset + error.offset as u64,
            DecodeError::Truncated { offset, .. } => *offset,
        }
    }

    /// The tag of the message the error concerns, when it had one.
    pub fn tag(&self) -> Option<&crate::Tag> {
        match self {
            DecodeError::Frame { tag, .. } | DecodeError::Parse { tag, .. } | DecodeError::Truncated { tag, .. } => {
                tag.as_ref()
            }
        }
    }
}

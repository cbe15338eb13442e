//! Memory-protecting limits, enforced before memory is committed.

/// Limits for framing and parsing. Every limit is enforced in exactly one
/// place: line length, literal size and message size in the framer,
/// nesting depth in the grammar.
///
/// The defaults suit a client reading a server (a 100,000-message `SEARCH`
/// line fits); servers reading untrusted clients should prefer
/// [`Limits::server`].
///
/// ```
/// use imap_wire::Limits;
/// let limits = Limits { max_literal_size: 1 << 20, ..Limits::default() };
/// assert_eq!(limits.max_depth, 64);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest line (without literal data), CRLF included. Default 4 MiB.
    pub max_line_length: usize,
    /// Largest literal accepted; larger announcements are refused before a
    /// byte of data is buffered. Default 64 MiB.
    pub max_literal_size: u64,
    /// Largest message, all lines and literals together. Default 128 MiB.
    pub max_message_size: u64,
    /// Deepest nesting of parentheses and search keys. Default 64.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_line_length: 4 << 20, max_literal_size: 64 << 20, max_message_size: 128 << 20, max_depth: 64 }
    }
}

impl Limits {
    /// Limits for a server reading client commands: 64 KiB lines (as
    /// Dovecot), 64 MiB literals (APPEND), depth 32.
    pub fn server() -> Limits {
        Limits { max_line_length: 64 << 10, max_literal_size: 64 << 20, max_message_size: 65 << 20, max_depth: 32 }
    }
}

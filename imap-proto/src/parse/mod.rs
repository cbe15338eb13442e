//! The grammar: a recursive-descent parser over one complete message.
//!
//! The framer finds a complete message (lines and literal data); the
//! parser walks it once with a byte cursor, either as a shared [`Bytes`]
//! (messages with literal data, and long ones) or in place in the receive
//! buffer (short ones). Short strings are copied inline; long strings are
//! slices of the shared buffer, or copies for a message read in place;
//! literal data is always shared. Escaped quoted strings are unescaped into
//! a new buffer. Self-contained tokens (sequence sets, dates) are parsed with
//! nom combinators in [`tokens`].
//!
//! One module per area of the formal syntax:
//! [`core`] (strings, numbers, flags), [`tokens`] (sequence sets, dates),
//! [`response`] (responses and codes), [`fetch`] (message attributes,
//! envelope, body structure, sections), [`command`] (commands and search
//! keys).

use bytes::Bytes;

use crate::error::{ParseError, ParseErrorKind};
use crate::types::small_bytes::SmallBytes;

mod body;
mod command;
mod core;
pub(crate) mod datetime;
mod fetch;
mod flag;
mod mailbox;
mod metadata;
mod quota;
mod response;
mod search;
pub(crate) mod sequence;
mod status;
pub(crate) mod tokens;

pub(crate) type PResult<T> = Result<T, ParseError>;

/// Cursor over one complete message.
pub(crate) struct Parser<'a> {
    /// The message as a shared buffer: long strings and literal data are
    /// slices of it. `None` for a short message read in place from the
    /// receive buffer, whose (rare) long strings are copied.
    src: Option<&'a Bytes>,
    buf: &'a [u8],
    pos: usize,
    depth: usize,
    max_depth: usize,
    /// A message attribute was read past as a quirk (`INTERNALDATE NIL`)
    /// and is to be left out.
    dropped_attribute: bool,
}

impl<'a> Parser<'a> {
    /// A parser over a shared message.
    pub(crate) fn new(src: &'a Bytes, max_depth: usize) -> Parser<'a> {
        Parser { src: Some(src), buf: &src[..], pos: 0, depth: 0, max_depth, dropped_attribute: false }
    }

    /// A parser over a message read in place: it must hold no literal
    /// data (literal data is always shared, never copied).
    pub(crate) fn in_place(buf: &'a [u8], max_depth: usize) -> Parser<'a> {
        Parser { src: None, buf, pos: 0, depth: 0, max_depth, dropped_attribute: false }
    }

    #[inline]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    #[inline]
    pub(crate) fn peek_at(&self, n: usize) -> Option<u8> {
        self.buf.get(self.pos + n).copied()
    }

    #[inline]
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or(&[])
    }

    pub(crate) fn err<T>(&self, expected: &'static str) -> PResult<T> {
        Err(ParseError::expected(self.pos, expected))
    }

    pub(crate) fn err_kind<T>(&self, kind: ParseErrorKind) -> PResult<T> {
        Err(ParseError { offset: self.pos, kind })
    }

    #[inline]
    pub(crate) fn byte(&mut self, b: u8, what: &'static str) -> PResult<()> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            self.err(what)
        }
    }

    #[inline]
    pub(crate) fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Exactly one space.
    #[inline]
    pub(crate) fn sp(&mut self) -> PResult<()> {
        self.byte(b' ', "SP")
    }

    /// One or more spaces (lenient separator inside lists).
    pub(crate) fn sp1(&mut self) -> PResult<()> {
        self.sp()?;
        self.skip_spaces();
        Ok(())
    }

    #[inline]
    pub(crate) fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
    }

    /// At the end of the line (CRLF, or a bare LF from a sloppy peer)?
    #[inline]
    pub(crate) fn at_eol(&self) -> bool {
        matches!(self.peek(), Some(b'\r') | Some(b'\n') | None)
    }

    /// The final line ending; nothing may follow it.
    pub(crate) fn crlf_end(&mut self) -> PResult<()> {
        self.eat(b'\r');
        self.byte(b'\n', "CRLF")?;
        if self.pos != self.buf.len() {
            return self.err("end of message after CRLF");
        }
        Ok(())
    }

    /// Whether the remaining input starts with `kw`, case-insensitively,
    /// followed by a byte that cannot continue an atom.
    pub(crate) fn at_keyword(&self, kw: &[u8]) -> bool {
        let rest = self.rest();
        rest.len() >= kw.len()
            && rest[..kw.len()].eq_ignore_ascii_case(kw)
            && rest.get(kw.len()).is_none_or(|&b| !crate::types::core::is_atom_char(b))
    }

    /// Consumes `kw` if [`Parser::at_keyword`].
    pub(crate) fn eat_keyword(&mut self, kw: &[u8]) -> bool {
        if self.at_keyword(kw) {
            self.pos += kw.len();
            true
        } else {
            false
        }
    }

    pub(crate) fn keyword(&mut self, kw: &[u8], what: &'static str) -> PResult<()> {
        if self.eat_keyword(kw) {
            Ok(())
        } else {
            self.err(what)
        }
    }

    /// `start..end` of the message as a `Bytes`: shared without copying,
    /// or copied for a message read in place.
    #[inline]
    pub(crate) fn slice(&self, start: usize, end: usize) -> Bytes {
        match self.src {
            Some(src) => src.slice(start..end),
            None => Bytes::copy_from_slice(&self.buf[start..end]),
        }
    }

    /// `start..end` of the message: copied inline when short, shared when
    /// long.
    #[inline]
    pub(crate) fn small(&self, start: usize, end: usize) -> SmallBytes {
        SmallBytes::slice_of(self.buf, start, end, || self.slice(start, end))
    }

    /// Enters one level of nesting.
    pub(crate) fn descend(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > self.max_depth {
            return self.err_kind(ParseErrorKind::TooDeep { limit: self.max_depth });
        }
        Ok(())
    }

    pub(crate) fn ascend(&mut self) {
        self.depth -= 1;
    }

    /// Runs `f`; on failure, rewinds to where it started.
    pub(crate) fn attempt<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        let (pos, depth) = (self.pos, self.depth);
        let r = f(self);
        if r.is_err() {
            self.pos = pos;
            self.depth = depth;
        }
        r
    }
}

/// Length of the final line ending of a message (2 for CRLF, 1 for LF).
pub(crate) fn line_ending_len(buf: &[u8]) -> usize {
    if buf.ends_with(b"\r\n") {
        2
    } else if buf.ends_with(b"\n") {
        1
    } else {
        0
    }
}

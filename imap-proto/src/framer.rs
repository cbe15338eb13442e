//! The framer: finds complete messages (lines plus their literals) in a
//! byte stream, incrementally and in linear time.
//!
//! It keeps its scan position between calls, so no byte is examined twice
//! however the input is chunked; literal data is skipped by count, never
//! scanned. Limits are checked before memory is committed: a line longer
//! than the limit is dropped as it arrives, and a literal over the limit is
//! refused at its announcement (its data, if the peer sends it anyway, is
//! dropped as it arrives).
//!
//! Where a literal can be announced is grammar knowledge: in a response
//! stream, a status response (`* OK`, `A1 NO`, `* BYE`, ...) or a
//! continuation request ends at its CRLF even if its text ends in `{5}`.

use bytes::{Buf, Bytes, BytesMut};

use crate::error::FrameError;
use crate::types::Tag;
use crate::Limits;

/// Which direction of a connection the framer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamKind {
    /// Server-to-client: greeting, responses, continuation requests.
    Responses,
    /// Client-to-server: commands (with literal data inline).
    Commands,
}

/// A complete message and where it started in the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Stream offset of the first byte.
    pub offset: u64,
    /// The message, final CRLF included.
    pub bytes: Bytes,
}

/// A literal announced by the message being read, whose data has not
/// started to arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingLiteral {
    /// Announced size.
    pub size: u64,
    /// `{N}`: a server must send a continuation request before the client
    /// sends the data.
    pub synchronizing: bool,
}

/// Bytes of a line's end kept while discarding, enough to recognise a
/// literal announcement (`~{18446744073709551615+}` is 25 bytes).
const TAIL: usize = 32;

/// Incremental message framer. Feed it the same growing [`BytesMut`] on
/// each call; it removes complete messages from the front.
///
/// ```
/// use bytes::BytesMut;
/// use imap_wire::framer::{Framer, StreamKind};
/// use imap_wire::Limits;
///
/// let mut framer = Framer::new(StreamKind::Responses, Limits::default());
/// let mut buf = BytesMut::from(&b"* 1 FETCH (BODY[] {5}\r\nhel"[..]);
/// assert!(framer.next_frame(&mut buf).unwrap().is_none());
/// buf.extend_from_slice(b"lo)\r\n* OK [ALERT] quota at {5}\r\n");
/// let first = framer.next_frame(&mut buf).unwrap().unwrap();
/// assert_eq!(&first.bytes[..], b"* 1 FETCH (BODY[] {5}\r\nhello)\r\n");
/// let second = framer.next_frame(&mut buf).unwrap().unwrap();
/// assert_eq!(second.offset, 31);
/// assert_eq!(&second.bytes[..], b"* OK [ALERT] quota at {5}\r\n");
/// ```
#[derive(Debug, Clone)]
pub struct Framer {
    kind: StreamKind,
    limits: Limits,
    /// Stream offset of `buf[0]`.
    consumed: u64,
    /// Next byte to scan (relative to `buf[0]`).
    pos: usize,
    /// Start of the current line.
    line_start: usize,
    /// Literal bytes still to skip.
    literal_remaining: u64,
    /// Whether the current message's lines can end in a literal; decided
    /// from its first line.
    literal_capable: Option<bool>,
    /// Dropping the rest of a message that broke a limit.
    discarding: bool,
    /// While discarding: the last bytes of the current line.
    tail: Vec<u8>,
    pending: Option<PendingLiteral>,
    /// The current message announced a literal whose data it carries.
    has_literal: bool,
    /// The tag of the message the last error refused, read before its
    /// bytes were dropped.
    error_tag: Option<Tag>,
    /// Where the current literal's data starts in the buffer, and its
    /// announced size (while it is being skipped).
    literal: Option<(usize, u64)>,
    /// The current literal's data is handed out raw
    /// ([`Framer::literal_chunk`]) instead of being kept in the message.
    streaming: bool,
    /// Literals larger than this stop the framer at their first data byte
    /// once, so that the caller may stream them.
    pause_above: Option<u64>,
    /// The last call stopped at such a literal.
    paused: bool,
}

/// Where a complete message ends; the caller removes `len` bytes from the
/// front of the buffer before the next call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FrameEnd {
    /// Stream offset of the first byte.
    pub(crate) offset: u64,
    /// Length of the message, final CRLF included.
    pub(crate) len: usize,
    /// Whether the message carries literal data.
    pub(crate) has_literal: bool,
}

impl Framer {
    /// A framer for one direction of a connection.
    pub fn new(kind: StreamKind, limits: Limits) -> Framer {
        Framer {
            kind,
            limits,
            consumed: 0,
            pos: 0,
            line_start: 0,
            literal_remaining: 0,
            literal_capable: None,
            discarding: false,
            tail: Vec::with_capacity(2 * TAIL),
            pending: None,
            has_literal: false,
            error_tag: None,
            literal: None,
            streaming: false,
            pause_above: None,
            paused: false,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Replaces the limits (checked from the next byte on).
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// Stream offset of the first byte still in the caller's buffer.
    pub fn stream_offset(&self) -> u64 {
        self.consumed
    }

    /// The literal the current message waits for, before any of its data
    /// arrived. A server answers a synchronizing one with `+`.
    pub fn pending_literal(&self) -> Option<PendingLiteral> {
        self.pending
    }

    /// Whether the framer is inside a message (bytes of it buffered, or
    /// the rest of a refused message being dropped).
    pub fn is_mid_message(&self) -> bool {
        self.pos > 0 || self.discarding || self.literal_remaining > 0
    }

    /// The tag of the message refused by the last error (taken once).
    pub fn take_error_tag(&mut self) -> Option<Tag> {
        self.error_tag.take()
    }

    /// Remembers the tag of the message at the front of `buf`, which an
    /// error is about to refuse (only when its start is still there).
    #[cold]
    fn note_error_tag(&mut self, buf: &[u8]) {
        self.error_tag = if self.discarding { None } else { leading_tag(buf) };
    }

    /// The input ended. Returns the stream offset of the unfinished
    /// message, if one was buffered (a message already refused by a limit
    /// is not reported again), and its tag; the buffer is emptied and the
    /// framer starts afresh.
    pub fn finish_input(&mut self, buf: &mut BytesMut) -> Option<(u64, Option<Tag>)> {
        let unfinished = (!self.discarding && (!buf.is_empty() || self.literal_remaining > 0))
            .then(|| (self.consumed, leading_tag(buf)));
        self.consumed += buf.len() as u64;
        buf.clear();
        self.reset();
        unfinished
    }

    fn reset(&mut self) {
        self.pos = 0;
        self.line_start = 0;
        self.literal_remaining = 0;
        self.literal_capable = None;
        self.discarding = false;
        self.tail.clear();
        self.pending = None;
        self.has_literal = false;
        self.literal = None;
        self.streaming = false;
    }

    /// The message so far and the size of the literal it is reading, when
    /// the framer is inside a literal's data (none of it handed out yet):
    /// what a server needs to decide to stream the literal instead.
    pub(crate) fn literal_prefix<'b>(&self, buf: &'b [u8]) -> Option<(&'b [u8], u64)> {
        match self.literal {
            Some((start, size)) if !self.discarding && !self.streaming && self.literal_remaining > 0 => {
                Some((buf.get(..start)?, size))
            }
            _ => None,
        }
    }

    /// Switches the literal being read to streaming: the message so far
    /// (up to the announcement's CRLF) and the literal data already
    /// buffered leave `buf` and are returned; the rest of the data comes
    /// out through [`Framer::literal_chunk`], and once it is all out the
    /// framer reads the rest of the message (usually just CRLF) as a
    /// message of its own.
    pub(crate) fn begin_literal_stream(&mut self, buf: &mut BytesMut) -> Option<(Bytes, Bytes)> {
        let (start, _) = self.literal.filter(|_| !self.discarding && !self.streaming && self.literal_remaining > 0)?;
        let prefix = buf.split_to(start).freeze();
        let data = buf.split_to(self.pos - start).freeze();
        self.consumed += self.pos as u64;
        self.pos = 0;
        self.line_start = 0;
        self.pending = None;
        self.streaming = true;
        Some((prefix, data))
    }

    /// The next piece of a streamed literal's data from the front of
    /// `buf`; `None` when none has arrived or all of it is out.
    pub(crate) fn literal_chunk(&mut self, buf: &mut BytesMut) -> Option<Bytes> {
        if !self.streaming || self.literal_remaining == 0 || buf.is_empty() {
            return None;
        }
        let take = (buf.len() as u64).min(self.literal_remaining) as usize;
        self.consumed += take as u64;
        self.literal_remaining -= take as u64;
        Some(buf.split_to(take).freeze())
    }

    /// Makes the framer stop once at the start of every literal larger
    /// than `size` (see [`Framer::paused_at_literal`]).
    pub(crate) fn pause_at_literals_above(&mut self, size: Option<u64>) {
        self.pause_above = size;
    }

    /// The last call returned at the start of a large literal's data
    /// (which may be in the buffer already): stream it, or call again to
    /// go on buffering.
    pub(crate) fn paused_at_literal(&self) -> bool {
        self.paused
    }

    /// Bytes of the streamed literal still to come.
    pub(crate) fn literal_stream_remaining(&self) -> Option<u64> {
        self.streaming.then_some(self.literal_remaining)
    }

    /// Ends streaming once all the data is out: the rest of the message is
    /// framed from here.
    pub(crate) fn end_literal_stream(&mut self) {
        if self.streaming && self.literal_remaining == 0 {
            self.streaming = false;
            self.literal = None;
        }
    }

    /// Drops `buf[..pos]` while discarding, remembering the end of an
    /// unfinished line.
    fn drop_scanned(&mut self, buf: &mut BytesMut) {
        if self.line_start < self.pos {
            self.tail.extend_from_slice(&buf[self.line_start..self.pos]);
            if self.tail.len() > TAIL {
                let cut = self.tail.len() - TAIL;
                self.tail.drain(..cut);
            }
        }
        buf.advance(self.pos);
        self.consumed += self.pos as u64;
        self.pos = 0;
        self.line_start = 0;
    }

    fn start_discarding(&mut self, buf: &mut BytesMut) {
        if self.literal_capable.is_none() {
            let first = &buf[self.line_start..];
            self.literal_capable = Some(self.first_line_takes_literals(first));
        }
        self.discarding = true;
        self.pending = None;
        self.tail.clear();
        // Completed lines of the message go at once.
        buf.advance(self.line_start);
        self.consumed += self.line_start as u64;
        self.pos -= self.line_start;
        self.line_start = 0;
    }

    fn first_line_takes_literals(&self, line: &[u8]) -> bool {
        match self.kind {
            StreamKind::Commands => true,
            StreamKind::Responses => !response_line_is_text(line),
        }
    }

    /// Looks for the next complete message.
    ///
    /// Returns `Ok(None)` when more input is needed. After an error the
    /// framer skips the rest of the offending message by itself (dropping
    /// its bytes as they arrive); call again to continue with the next
    /// message.
    #[inline]
    pub fn next_frame(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        Ok(self.next_frame_end(buf)?.map(|end| Frame { offset: end.offset, bytes: buf.split_to(end.len).freeze() }))
    }

    /// [`Framer::next_frame`] without taking the message out of the buffer:
    /// the caller removes `len` bytes before calling again.
    #[inline]
    pub(crate) fn next_frame_end(&mut self, buf: &mut BytesMut) -> Result<Option<FrameEnd>, FrameError> {
        // A pause is reported by the call that found the literal, once:
        // the next call goes on (the fast path below included).
        self.paused = false;
        // Fast path for short reads that cannot complete anything: a few
        // nanoseconds, inlined into the caller's read loop.
        if !self.discarding {
            if let Some(new) = buf.len().checked_sub(self.pos) {
                if self.literal_remaining > 0 && new as u64 <= self.literal_remaining {
                    // All of it is literal data (the same as the general
                    // path, which finds nothing after the data).
                    if new > 0 {
                        self.pending = None;
                    }
                    self.pos += new;
                    self.literal_remaining -= new as u64;
                    self.line_start = self.pos;
                    return Ok(None);
                }
                if self.literal_remaining == 0
                    && new < 16
                    && !buf[self.pos..].contains(&b'\n')
                    && buf.len() - self.line_start <= self.limits.max_line_length
                {
                    self.pos = buf.len();
                    return Ok(None);
                }
            }
        }
        self.next_frame_general(buf)
    }

    fn next_frame_general(&mut self, buf: &mut BytesMut) -> Result<Option<FrameEnd>, FrameError> {
        self.paused = false;
        if self.streaming {
            // The data goes out through literal_chunk first.
            return Ok(None);
        }
        loop {
            if self.literal_remaining > 0 {
                let take = ((buf.len() - self.pos) as u64).min(self.literal_remaining);
                if take > 0 {
                    self.pending = None;
                }
                self.pos += take as usize;
                self.literal_remaining -= take;
                self.line_start = self.pos;
                if self.discarding {
                    self.drop_scanned(buf);
                }
                if self.literal_remaining > 0 {
                    return Ok(None);
                }
                continue;
            }

            let hay = &buf[self.pos..];
            // Short reads (a byte or a few at a time) skip memchr's setup.
            let found = if hay.len() < 16 { hay.iter().position(|&b| b == b'\n') } else { memchr::memchr(b'\n', hay) };
            let Some(i) = found else {
                self.pos = buf.len();
                if self.discarding {
                    self.drop_scanned(buf);
                } else if self.pos - self.line_start > self.limits.max_line_length {
                    self.note_error_tag(buf);
                    let err = FrameError::LineTooLong {
                        offset: self.consumed + self.line_start as u64,
                        limit: self.limits.max_line_length,
                    };
                    self.start_discarding(buf);
                    self.drop_scanned(buf);
                    return Err(err);
                }
                return Ok(None);
            };
            let lf = self.pos + i;
            self.pos = lf + 1;

            let mut error = None;
            if !self.discarding {
                if self.pos - self.line_start > self.limits.max_line_length {
                    error = Some(FrameError::LineTooLong {
                        offset: self.consumed + self.line_start as u64,
                        limit: self.limits.max_line_length,
                    });
                } else if self.pos as u64 > self.limits.max_message_size {
                    error = Some(FrameError::MessageTooLarge {
                        offset: self.consumed,
                        limit: self.limits.max_message_size,
                    });
                }
                if error.is_some() {
                    self.note_error_tag(buf);
                    self.start_discarding(buf);
                }
            }
            let lf = self.pos - 1;
            if self.literal_capable.is_none() {
                self.literal_capable = Some(self.first_line_takes_literals(&buf[self.line_start..lf]));
            }
            let announcement = if self.literal_capable == Some(true) {
                if self.discarding {
                    // The same window of the line's end, however the line
                    // arrived: the last TAIL bytes.
                    let line = &buf[self.line_start..lf];
                    self.tail.extend_from_slice(&line[line.len().saturating_sub(TAIL)..]);
                    if self.tail.len() > TAIL {
                        let cut = self.tail.len() - TAIL;
                        self.tail.drain(..cut);
                    }
                    literal_at_end(strip_cr(&self.tail))
                } else {
                    literal_at_end(strip_cr(&buf[self.line_start..lf]))
                }
            } else {
                None
            };
            self.tail.clear();
            let line_offset = self.consumed + self.line_start as u64;
            let line_start = self.line_start;
            self.line_start = self.pos;

            match announcement {
                None => {
                    if self.blank_line_after_literal(buf, line_start, lf) {
                        match self.spurious_blank_line(buf, line_start) {
                            // The message goes on after it.
                            Some(true) => continue,
                            Some(false) => {}
                            // Decided by the next byte: wait for it.
                            None => {
                                self.pos = line_start;
                                self.line_start = line_start;
                                return Ok(None);
                            }
                        }
                    }
                    if let Some(frame) = self.finish(buf) {
                        return Ok(Some(frame));
                    }
                }
                Some(Err(())) => {
                    // The size cannot be skipped by count: end the message
                    // here. A message already being dropped was reported.
                    let reported = self.discarding && error.is_none();
                    if !reported && error.is_none() {
                        self.note_error_tag(buf);
                    }
                    self.discarding = true;
                    self.finish(buf);
                    if reported {
                        continue;
                    }
                    return Err(error.unwrap_or(FrameError::LiteralSizeOverflow { offset: line_offset }));
                }
                Some(Ok((size, synchronizing))) => {
                    // A synchronizing literal in a command is only sent
                    // after the server's "+", so a refused one ends the
                    // message.
                    let data_follows = !(self.kind == StreamKind::Commands && synchronizing);
                    if !self.discarding {
                        if size > self.limits.max_literal_size {
                            error = Some(FrameError::LiteralTooLarge {
                                offset: line_offset,
                                size,
                                limit: self.limits.max_literal_size,
                                synchronizing,
                            });
                        } else if self.pos as u64 + size > self.limits.max_message_size {
                            error = Some(FrameError::MessageTooLarge {
                                offset: self.consumed,
                                limit: self.limits.max_message_size,
                            });
                        }
                        if error.is_some() {
                            self.note_error_tag(buf);
                            self.start_discarding(buf);
                        }
                    }
                    if self.discarding && !data_follows {
                        self.finish(buf);
                    } else {
                        self.literal_remaining = size;
                        self.literal = Some((self.pos, size));
                        self.has_literal = true;
                        if self.discarding {
                            // Drop what already arrived of the refused data.
                            let take = ((buf.len() - self.pos) as u64).min(size);
                            self.pos += take as usize;
                            self.literal_remaining -= take;
                            self.line_start = self.pos;
                            self.drop_scanned(buf);
                        } else {
                            self.pending = Some(PendingLiteral { size, synchronizing });
                            if self.pause_above.is_some_and(|limit| size > limit) {
                                self.paused = true;
                                return Ok(None);
                            }
                        }
                    }
                    if let Some(e) = error {
                        return Err(e);
                    }
                }
            }
            if let Some(e) = error {
                return Err(e);
            }
        }
    }

    /// Whether the line `buf[start..lf]` is empty and directly follows the
    /// data of a literal in a response being kept.
    #[inline]
    fn blank_line_after_literal(&self, buf: &[u8], start: usize, lf: usize) -> bool {
        self.kind == StreamKind::Responses
            && !self.discarding
            && strip_cr(&buf[start..lf]).is_empty()
            && self.literal.is_some_and(|(data, size)| data as u64 + size == start as u64)
    }

    /// Quirk: some servers send a CRLF after a literal's data in the middle
    /// of a response (`BODY[] {5}\r\nhello\r\n)\r\n`). The empty line at
    /// `line_start` is such a CRLF when a parenthesis is still open and the
    /// next line goes on with `)` or a space; a response that really ends
    /// with a literal (a LIST mailbox name) has no open parenthesis, and a
    /// next line starting anything else is a new response. `None`: the
    /// next byte has not arrived.
    #[cold]
    fn spurious_blank_line(&self, buf: &[u8], line_start: usize) -> Option<bool> {
        if open_parentheses(&buf[..line_start]) == 0 {
            return Some(false);
        }
        buf.get(self.pos).map(|&next| matches!(next, b')' | b' '))
    }

    /// The message ends at `pos`: hand out where, or drop it when
    /// discarding.
    fn finish(&mut self, buf: &mut BytesMut) -> Option<FrameEnd> {
        let end = self.pos;
        let offset = self.consumed;
        let has_literal = self.has_literal;
        self.consumed += end as u64;
        let discarding = self.discarding;
        self.reset();
        if discarding {
            buf.advance(end);
            None
        } else {
            Some(FrameEnd { offset, len: end, has_literal })
        }
    }
}

/// The tag at the start of a message: the bytes before the first space
/// or line end, when they make a valid tag (never `*` or `+`). Tags are
/// short: only the first 256 bytes are looked at.
pub(crate) fn leading_tag(message: &[u8]) -> Option<Tag> {
    let head = &message[..message.len().min(256)];
    let end = memchr::memchr3(b' ', b'\r', b'\n', head)?;
    std::str::from_utf8(&head[..end]).ok().and_then(|t| Tag::try_from(t).ok())
}

/// How many parentheses are open at the end of `message` (a framed
/// message so far): quoted strings and literal data are skipped.
fn open_parentheses(message: &[u8]) -> usize {
    let mut depth = 0usize;
    let mut line_start = 0;
    let mut i = 0;
    while i < message.len() {
        match message[i] {
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            b'"' => {
                i += 1;
                while i < message.len() && !matches!(message[i], b'"' | b'\n') {
                    let escape = message[i] == b'\\' && message.get(i + 1) != Some(&b'\n');
                    i += if escape { 2 } else { 1 };
                }
                if message.get(i) == Some(&b'\n') {
                    // An unterminated quoted string: the line end counts.
                    continue;
                }
            }
            b'\n' => {
                if let Some(Ok((size, _))) = literal_at_end(strip_cr(&message[line_start..i])) {
                    i = i.saturating_add(usize::try_from(size).unwrap_or(usize::MAX));
                }
                line_start = i.saturating_add(1);
            }
            _ => {}
        }
        i = i.saturating_add(1);
    }
    depth
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Whether a response's first line is a status response or continuation
/// request, whose text never announces a literal.
pub(crate) fn response_line_is_text(line: &[u8]) -> bool {
    match line.first() {
        Some(b'+') => true,
        Some(b'*') => {
            let rest = line.get(2..).unwrap_or(&[]);
            let n = rest.iter().position(|&b| matches!(b, b' ' | b'\r' | b'\n' | b'[')).unwrap_or(rest.len());
            let word = &rest[..n];
            crate::StatusKind::from_keyword(word).is_some()
        }
        // Only status responses carry a tag.
        _ => true,
    }
}

/// A literal announcement at the end of a line (CR stripped): `{N}`,
/// `{N+}`, `{N-}` or `~{N}`. `Some(Err(()))` when N does not fit in u64.
pub(crate) fn literal_at_end(line: &[u8]) -> Option<Result<(u64, bool), ()>> {
    let inner = line.strip_suffix(b"}")?;
    let (digits_end, synchronizing) = match inner.last() {
        Some(b'+') | Some(b'-') => (inner.len() - 1, false),
        _ => (inner.len(), true),
    };
    let digits_start = inner[..digits_end].iter().rposition(|b| !b.is_ascii_digit()).map_or(0, |p| p + 1);
    if digits_start == digits_end || digits_start == 0 || inner[digits_start - 1] != b'{' {
        return None;
    }
    let mut n: u64 = 0;
    for &d in &inner[digits_start..digits_end] {
        match n.checked_mul(10).and_then(|n| n.checked_add((d - b'0') as u64)) {
            Some(v) => n = v,
            None => return Some(Err(())),
        }
    }
    Some(Ok((n, synchronizing)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(kind: StreamKind, limits: Limits, input: &[u8], chunk: usize) -> Vec<Result<(u64, Vec<u8>), FrameError>> {
        let mut f = Framer::new(kind, limits);
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for piece in input.chunks(chunk.max(1)) {
            buf.extend_from_slice(piece);
            loop {
                match f.next_frame(&mut buf) {
                    Ok(Some(fr)) => out.push(Ok((fr.offset, fr.bytes.to_vec()))),
                    Ok(None) => break,
                    Err(e) => out.push(Err(e)),
                }
            }
        }
        out
    }

    #[test]
    fn literal_announcements() {
        assert_eq!(literal_at_end(b"A1 LOGIN {5}"), Some(Ok((5, true))));
        assert_eq!(literal_at_end(b"A1 LOGIN {5+}"), Some(Ok((5, false))));
        assert_eq!(literal_at_end(b"BINARY[1] ~{12}"), Some(Ok((12, true))));
        assert_eq!(literal_at_end(b"{}"), None);
        assert_eq!(literal_at_end(b"x}"), None);
        assert_eq!(literal_at_end(b"{99999999999999999999999}"), Some(Err(())));
        assert_eq!(literal_at_end(b"{18446744073709551615}"), Some(Ok((u64::MAX, true))));
    }

    #[test]
    fn status_text_ending_in_braces_is_not_a_literal() {
        let input = b"* OK [ALERT] quota at {5}\r\nA1 NO over {3}\r\n+ go {2}\r\n* 2 EXISTS\r\n";
        let got = frames(StreamKind::Responses, Limits::default(), input, 1000);
        assert_eq!(got.len(), 4);
        assert_eq!(got[3].as_ref().unwrap().1, b"* 2 EXISTS\r\n");
    }

    #[test]
    fn literals_are_skipped_whatever_they_hold() {
        let input = b"* 1 FETCH (BODY[] {7}\r\n\r\n{3}\r\n UID 5)\r\n* 3 EXISTS\r\n";
        for chunk in 1..input.len() {
            let got = frames(StreamKind::Responses, Limits::default(), input, chunk);
            assert_eq!(got.len(), 2, "chunk {chunk}");
            let first_len = input.len() - b"* 3 EXISTS\r\n".len();
            assert_eq!(got[0].as_ref().unwrap().1.len(), first_len);
            assert_eq!(got[1].as_ref().unwrap().0, first_len as u64);
        }
    }

    #[test]
    fn long_line_is_refused_and_skipped() {
        let limits = Limits { max_line_length: 16, ..Limits::default() };
        let mut input = b"A1 NOOP\r\nA2 ".to_vec();
        input.extend_from_slice(&[b'x'; 100]);
        input.extend_from_slice(b"\r\nA3 NOOP\r\n");
        for chunk in [1, 3, 7, 200] {
            let got = frames(StreamKind::Commands, limits, &input, chunk);
            assert_eq!(got.len(), 3, "chunk {chunk}: {got:?}");
            assert!(matches!(got[1], Err(FrameError::LineTooLong { offset: 9, limit: 16 })));
            assert_eq!(got[2].as_ref().unwrap().1, b"A3 NOOP\r\n");
            assert_eq!(got[2].as_ref().unwrap().0, input.len() as u64 - 9);
        }
    }

    #[test]
    fn oversized_literal_is_refused_before_buffering() {
        let limits = Limits { max_literal_size: 10, ..Limits::default() };
        // Non-synchronizing: the data follows and is skipped.
        let mut input = b"A1 APPEND INBOX {20+}\r\n".to_vec();
        input.extend_from_slice(&[b'z'; 20]);
        input.extend_from_slice(b" more\r\nA2 NOOP\r\n");
        let got = frames(StreamKind::Commands, limits, &input, 4);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(matches!(got[0], Err(FrameError::LiteralTooLarge { size: 20, synchronizing: false, .. })));
        assert_eq!(got[1].as_ref().unwrap().1, b"A2 NOOP\r\n");
        // Synchronizing: the client waits for "+", so the next line is a new command.
        let got = frames(StreamKind::Commands, limits, b"A1 APPEND INBOX {20}\r\nA2 NOOP\r\n", 5);
        assert!(matches!(got[0], Err(FrameError::LiteralTooLarge { synchronizing: true, .. })));
        assert_eq!(got[1].as_ref().unwrap().1, b"A2 NOOP\r\n");
    }

    #[test]
    fn pending_literal_is_reported_until_data_arrives() {
        let mut f = Framer::new(StreamKind::Commands, Limits::default());
        let mut buf = BytesMut::from(&b"A1 LOGIN {4}\r\n"[..]);
        assert!(f.next_frame(&mut buf).unwrap().is_none());
        assert_eq!(f.pending_literal(), Some(PendingLiteral { size: 4, synchronizing: true }));
        buf.extend_from_slice(b"us");
        assert!(f.next_frame(&mut buf).unwrap().is_none());
        assert_eq!(f.pending_literal(), None);
        buf.extend_from_slice(b"er pass\r\n");
        assert_eq!(&f.next_frame(&mut buf).unwrap().unwrap().bytes[..], b"A1 LOGIN {4}\r\nuser pass\r\n");
    }
}

//! Multi-line reply bodies: dot-unstuffing on receive (streaming, zero
//! copy) and dot-stuffing on send.
//!
//! A body ends at a line that is exactly `.`; a line that starts with a dot
//! has one more dot put in front of it on the wire. The decoder finds the
//! terminator across any chunk boundary and hands the content out as
//! [`Bytes`] slices of the receive buffer.
//!
//! # The content model
//! - What a client hands its user is the content as the server sent it,
//!   minus the stuffing: line endings are kept as received (a sloppy
//!   server's bare LFs stay bare LFs), so the bytes are never copied or
//!   rewritten.
//! - What a server writes is always CRLF: the encoder turns a bare LF into
//!   CRLF and ends unterminated content with CRLF, as RFC 1939 requires.
//!
//! So stuffing then unstuffing gives the content back with CRLF line
//! endings; a round trip compares the content in that form.

use bytes::{Buf, Bytes, BytesMut};
use memchr::memmem;

/// A piece of a multi-line body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyPiece {
    /// Content, already unstuffed (line endings as received).
    Data(Bytes),
    /// The terminating `.` line was consumed.
    End,
}

/// Streaming dot-unstuffer for one multi-line body.
///
/// ```
/// use bytes::BytesMut;
/// use pop3_wire::dot::{BodyPiece, DotDecoder};
///
/// let mut d = DotDecoder::new();
/// let mut buf = BytesMut::from(&b"line 1\r\n..dot\r\n.\r\n+OK next"[..]);
/// let mut body = Vec::new();
/// while let Some(piece) = d.next_piece(&mut buf) {
///     match piece {
///         BodyPiece::Data(b) => body.extend_from_slice(&b),
///         BodyPiece::End => break,
///     }
/// }
/// assert_eq!(body, b"line 1\r\n.dot\r\n");
/// assert_eq!(&buf[..], b"+OK next");
/// ```
#[derive(Debug, Clone)]
pub struct DotDecoder {
    at_line_start: bool,
    finder: memmem::Finder<'static>,
}

impl Default for DotDecoder {
    fn default() -> Self {
        DotDecoder::new()
    }
}

impl DotDecoder {
    /// A decoder at the start of a body (just after the status line).
    pub fn new() -> DotDecoder {
        DotDecoder { at_line_start: true, finder: memmem::Finder::new(b"\n.") }
    }

    /// Takes the next piece from the front of `buf`; `None` when more input
    /// is needed. After [`BodyPiece::End`], `buf` starts with whatever
    /// followed the body.
    pub fn next_piece(&mut self, buf: &mut BytesMut) -> Option<BodyPiece> {
        loop {
            if buf.is_empty() {
                return None;
            }
            if self.at_line_start && buf[0] == b'.' {
                match buf.get(1) {
                    None => return None,
                    Some(b'\n') => {
                        buf.advance(2);
                        return Some(BodyPiece::End);
                    }
                    Some(b'\r') => match buf.get(2) {
                        None => return None,
                        Some(b'\n') => {
                            buf.advance(3);
                            return Some(BodyPiece::End);
                        }
                        Some(_) => {}
                    },
                    Some(_) => {}
                }
                // A stuffed dot: drop it, the rest of the line is content.
                buf.advance(1);
                self.at_line_start = false;
                continue;
            }
            let take = match self.finder.find(buf) {
                // Up to and including the LF; the next line starts with a dot.
                Some(i) => {
                    self.at_line_start = true;
                    i + 1
                }
                None => {
                    self.at_line_start = buf[buf.len() - 1] == b'\n';
                    buf.len()
                }
            };
            return Some(BodyPiece::Data(buf.split_to(take).freeze()));
        }
    }
}

/// Streaming dot-stuffer: writes content as a multi-line body, normalising
/// line endings to CRLF, then the terminator.
///
/// ```
/// use bytes::BytesMut;
/// use pop3_wire::dot::DotEncoder;
///
/// let mut out = BytesMut::new();
/// let mut e = DotEncoder::new();
/// e.push(b".hidden\nlast line", &mut out);
/// e.finish(&mut out);
/// assert_eq!(&out[..], b"..hidden\r\nlast line\r\n.\r\n");
/// ```
#[derive(Debug, Clone)]
pub struct DotEncoder {
    at_line_start: bool,
    pending_cr: bool,
    empty: bool,
}

impl Default for DotEncoder {
    fn default() -> Self {
        DotEncoder::new()
    }
}

impl DotEncoder {
    /// An encoder at the start of a body.
    pub fn new() -> DotEncoder {
        DotEncoder { at_line_start: true, pending_cr: false, empty: true }
    }

    /// Appends the stuffed form of `data` to `out`. Line endings CRLF, LF
    /// and a CR at the very end of the body all become CRLF.
    pub fn push(&mut self, data: &[u8], out: &mut BytesMut) {
        if data.is_empty() {
            return;
        }
        self.empty = false;
        let mut rest = data;
        if self.pending_cr {
            // The CR that ended the last chunk: a line ending if LF
            // follows, content otherwise.
            self.pending_cr = false;
            if rest[0] == b'\n' {
                out.extend_from_slice(b"\r\n");
                self.at_line_start = true;
                rest = &rest[1..];
            } else {
                out.extend_from_slice(b"\r");
            }
        }
        while !rest.is_empty() {
            if self.at_line_start && rest[0] == b'.' {
                out.extend_from_slice(b".");
            }
            match memchr::memchr2(b'\n', b'\r', rest) {
                None => {
                    out.extend_from_slice(rest);
                    self.at_line_start = false;
                    return;
                }
                Some(i) if rest[i] == b'\n' => {
                    out.extend_from_slice(&rest[..i]);
                    out.extend_from_slice(b"\r\n");
                    self.at_line_start = true;
                    rest = &rest[i + 1..];
                }
                Some(i) => match rest.get(i + 1) {
                    // CR at the end of this chunk: wait to see if LF follows.
                    None => {
                        out.extend_from_slice(&rest[..i]);
                        self.pending_cr = true;
                        self.at_line_start = false;
                        return;
                    }
                    Some(b'\n') => {
                        out.extend_from_slice(&rest[..i]);
                        out.extend_from_slice(b"\r\n");
                        self.at_line_start = true;
                        rest = &rest[i + 2..];
                    }
                    // A lone CR inside a line is content.
                    Some(_) => {
                        out.extend_from_slice(&rest[..=i]);
                        self.at_line_start = false;
                        rest = &rest[i + 1..];
                    }
                },
            }
        }
    }

    /// Ends the body: a final line ending if the content lacked one, then
    /// `.` CRLF.
    pub fn finish(&mut self, out: &mut BytesMut) {
        if self.pending_cr || (!self.empty && !self.at_line_start) {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b".\r\n");
        *self = DotEncoder::new();
    }
}

/// Stuffs a whole body at once (content, then the terminator).
pub fn stuff(data: &[u8], out: &mut BytesMut) {
    let mut e = DotEncoder::new();
    e.push(data, out);
    e.finish(out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unstuff_all(wire: &[u8], chunk: usize) -> (Vec<u8>, Vec<u8>) {
        let mut d = DotDecoder::new();
        let mut buf = BytesMut::new();
        let mut body = Vec::new();
        let mut ended = false;
        for piece in wire.chunks(chunk.max(1)) {
            buf.extend_from_slice(piece);
            while !ended {
                match d.next_piece(&mut buf) {
                    Some(BodyPiece::Data(b)) => body.extend_from_slice(&b),
                    Some(BodyPiece::End) => ended = true,
                    None => break,
                }
            }
        }
        assert!(ended, "terminator not found in {wire:?}");
        (body, buf.to_vec())
    }

    #[test]
    fn terminator_is_found_across_every_chunk_boundary() {
        let wire = b"a\r\n..b\r\n..\r\n\r\n..\r\n.\r\nNEXT";
        for chunk in 1..wire.len() {
            assert_eq!(unstuff_all(wire, chunk), (b"a\r\n.b\r\n.\r\n\r\n.\r\n".to_vec(), b"NEXT".to_vec()), "{chunk}");
        }
    }

    #[test]
    fn empty_body_and_bare_lf() {
        assert_eq!(unstuff_all(b".\r\nX", 1), (vec![], b"X".to_vec()));
        assert_eq!(unstuff_all(b"a\n..b\n.\nX", 1), (b"a\n.b\n".to_vec(), b"X".to_vec()));
        // ".\r" followed by something else is a stuffed line, not the end.
        assert_eq!(unstuff_all(b".\rx\r\n.\r\n", 2), (b"\rx\r\n".to_vec(), vec![]));
    }

    #[test]
    fn stuffing_normalises_and_terminates() {
        let mut out = BytesMut::new();
        stuff(b"", &mut out);
        assert_eq!(&out[..], b".\r\n");
        let mut out = BytesMut::new();
        stuff(b".\r\n..\n.x\rX\r", &mut out);
        assert_eq!(&out[..], b"..\r\n...\r\n..x\rX\r\n.\r\n");
        // Split CRLF across pushes.
        let mut out = BytesMut::new();
        let mut e = DotEncoder::new();
        e.push(b"a\r", &mut out);
        e.push(b"\n.b", &mut out);
        e.finish(&mut out);
        assert_eq!(&out[..], b"a\r\n..b\r\n.\r\n");
    }
}

//! Binary parts made base64 as a message arrives (RFC 3516 4.4: the
//! server may change the CTE of appended data, losing nothing).
//!
//! The store keeps messages in their CRLF form, and IMAP literals cannot
//! carry NUL: a part with `Content-Transfer-Encoding: binary` would lose
//! its bare CR and LF bytes and could not be sent by `BODY[]`. Such a
//! part's body is encoded as base64 (lines of 76) and its field says so;
//! `BINARY[]` gives back its bytes exactly. Everything else passes
//! through byte for byte: a message without binary parts comes out as it
//! went in.
//!
//! The input is fed in pieces of any size; memory is bounded by
//! [`ScanLimits`] (a header block longer than `max_header_bytes`, or
//! nesting deeper than `max_depth`, and the rest of the message passes
//! through unchanged).

use base64::Engine;

use super::{Fields, ScanLimits};

/// The longest line start looked at for a boundary (RFC 2046: a
/// boundary has at most 70 characters; transport padding may follow).
const BOUNDARY_LINE: usize = 2 + 70 + 2 + 64;

/// Input bytes per base64 line of 76 characters.
const LINE_INPUT: usize = 57;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading a header block (a part's or a message's).
    Header,
    /// A body passed through as it is (text, a multipart's preamble or
    /// epilogue), watching for boundaries.
    Plain,
    /// A binary body, encoded.
    Binary,
    /// Past the limits: everything else as it is.
    Verbatim,
}

/// Converts binary parts to base64 in a message fed in pieces.
#[derive(Debug)]
pub struct BinaryConverter {
    limits: ScanLimits,
    state: State,
    /// The current line (Header: the whole header block so far; Plain and
    /// Binary: the start of the line, up to [`BOUNDARY_LINE`]).
    held: Vec<u8>,
    /// The current line is longer than what `held` keeps: it is not a
    /// boundary, its start went out already.
    long_line: bool,
    /// `--boundary` of each enclosing multipart, outermost first, and
    /// whether it is a digest (its parts are messages by default).
    boundaries: Vec<(Vec<u8>, bool)>,
    /// The header being read is a digest's part.
    next_in_digest: bool,
    /// Messages nested (message/rfc822 bodies), counted toward the depth
    /// limit with the multiparts.
    messages: usize,
    /// Binary, in a long line: its last byte so far was CR, not encoded
    /// yet (it may start the line end).
    cr_held: bool,
    /// Binary: the previous line's end, sent as data unless a boundary
    /// follows (then it belongs to the boundary).
    line_end: Vec<u8>,
    /// Binary: input not yet a whole base64 line.
    pending: Vec<u8>,
    out: Vec<u8>,
}

impl BinaryConverter {
    /// A converter for one message.
    pub fn new(limits: ScanLimits) -> BinaryConverter {
        BinaryConverter {
            limits,
            state: State::Header,
            held: Vec::new(),
            long_line: false,
            boundaries: Vec::new(),
            next_in_digest: false,
            messages: 0,
            cr_held: false,
            line_end: Vec::new(),
            pending: Vec::new(),
            out: Vec::new(),
        }
    }

    /// Feeds the next bytes; returns what is ready to store.
    pub fn feed(&mut self, mut data: &[u8]) -> Vec<u8> {
        while !data.is_empty() {
            if self.state == State::Verbatim {
                self.out.extend_from_slice(data);
                break;
            }
            let (line, complete) = match memchr::memchr(b'\n', data) {
                Some(i) => (&data[..=i], true),
                None => (data, false),
            };
            data = &data[line.len()..];
            self.line_piece(line, complete);
        }
        std::mem::take(&mut self.out)
    }

    /// The input ended; returns the rest to store.
    pub fn finish(mut self) -> Vec<u8> {
        match self.state {
            State::Header | State::Plain => {
                let held = std::mem::take(&mut self.held);
                self.out.extend_from_slice(&held);
            }
            State::Binary => {
                let held = std::mem::take(&mut self.held);
                let end = std::mem::take(&mut self.line_end);
                self.encode(&end);
                if self.cr_held {
                    self.encode(b"\r");
                }
                self.encode(&held);
                self.flush_base64(true);
            }
            State::Verbatim => {}
        }
        self.out
    }

    /// A piece of a line: all of it up to its LF (`complete`) or its
    /// start (more follows).
    fn line_piece(&mut self, piece: &[u8], complete: bool) {
        match self.state {
            State::Header => {
                self.held.extend_from_slice(piece);
                if self.held.len() > self.limits.max_header_bytes {
                    self.give_up();
                } else if complete && matches!(line_of(&self.held), b"\r\n" | b"\n") {
                    self.end_of_header();
                }
            }
            State::Plain | State::Binary => {
                if self.long_line {
                    self.long_piece(piece, complete);
                } else {
                    self.held.extend_from_slice(piece);
                    if !complete && self.held.len() > BOUNDARY_LINE {
                        // Too long to be a boundary: its start goes on.
                        self.long_line = true;
                        let held = std::mem::take(&mut self.held);
                        self.line_start_settled();
                        self.long_piece(&held, false);
                    } else if complete {
                        let line = std::mem::take(&mut self.held);
                        self.body_line(line);
                    }
                }
            }
            State::Verbatim => self.out.extend_from_slice(piece),
        }
    }

    /// A whole line of a body (with its end), short enough to be a
    /// boundary.
    fn body_line(&mut self, line: Vec<u8>) {
        if let Some((index, close)) = self.boundary(&line) {
            if self.state == State::Binary {
                // The line end before a boundary is the boundary's.
                self.flush_base64(true);
                self.out.extend_from_slice(b"\r\n");
                self.line_end.clear();
            }
            self.out.extend_from_slice(&line);
            self.boundaries.truncate(index + 1);
            if close {
                self.boundaries.pop();
                self.state = State::Plain;
            } else {
                self.next_in_digest = self.boundaries[index].1;
                self.state = State::Header;
            }
            return;
        }
        self.line_start_settled();
        let content_end = line.len() - line_end_len(&line);
        self.body_bytes(&line[..content_end]);
        if self.state == State::Binary {
            self.line_end = line[content_end..].to_vec();
        } else {
            self.out.extend_from_slice(&line[content_end..]);
        }
    }

    /// The line being read is not a boundary: in a binary body the
    /// previous line's end is data.
    fn line_start_settled(&mut self) {
        if self.state == State::Binary {
            let end = std::mem::take(&mut self.line_end);
            self.encode(&end);
        }
    }

    /// A piece of a line too long to be a boundary. In a binary body its
    /// end is held like a short line's, a CR at a piece's end included.
    fn long_piece(&mut self, piece: &[u8], complete: bool) {
        if complete {
            self.long_line = false;
        }
        if self.state != State::Binary {
            self.out.extend_from_slice(piece);
            return;
        }
        if std::mem::take(&mut self.cr_held) {
            if piece == b"\n" {
                self.line_end = b"\r\n".to_vec();
                return;
            }
            self.encode(b"\r");
        }
        if complete {
            let content_end = piece.len() - line_end_len(piece);
            self.encode(&piece[..content_end]);
            self.line_end = piece[content_end..].to_vec();
        } else if let Some(content) = piece.strip_suffix(b"\r") {
            self.encode(content);
            self.cr_held = true;
        } else {
            self.encode(piece);
        }
    }

    fn body_bytes(&mut self, bytes: &[u8]) {
        match self.state {
            State::Binary => self.encode(bytes),
            _ => self.out.extend_from_slice(bytes),
        }
    }

    /// Whether a line is a delimiter of an enclosing multipart: the index
    /// of its boundary, and whether it closes that multipart.
    fn boundary(&self, line: &[u8]) -> Option<(usize, bool)> {
        if !line.starts_with(b"--") {
            return None;
        }
        // Innermost first: an inner boundary may have an outer one as its
        // prefix.
        for (index, (boundary, _)) in self.boundaries.iter().enumerate().rev() {
            let Some(rest) = line.strip_prefix(boundary.as_slice()) else { continue };
            let (close, rest) = match rest.strip_prefix(b"--") {
                Some(after) => (true, after),
                None => (false, rest),
            };
            if rest.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')) {
                return Some((index, close));
            }
        }
        None
    }

    /// A header block is complete: what its part is decides the body.
    fn end_of_header(&mut self) {
        let header = std::mem::take(&mut self.held);
        let fields = Fields::parse(&header, std::mem::take(&mut self.next_in_digest), false);
        let depth = self.boundaries.len() + self.messages;
        let media = fields.media_type.to_ascii_lowercase();
        let binary = fields.encoding.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(b"binary"));
        if media == b"multipart" {
            match fields.param(b"boundary").filter(|b| !b.is_empty() && b.len() <= 200) {
                Some(boundary) if depth < self.limits.max_depth => {
                    let mut delimiter = b"--".to_vec();
                    delimiter.extend_from_slice(boundary);
                    self.boundaries.push((delimiter, fields.subtype.eq_ignore_ascii_case(b"digest")));
                    self.out.extend_from_slice(&header);
                    self.state = State::Plain;
                }
                Some(_) => {
                    self.out.extend_from_slice(&header);
                    self.give_up();
                }
                None => {
                    self.out.extend_from_slice(&header);
                    self.state = State::Plain;
                }
            }
        } else if media == b"message" && !binary {
            // The body is a message: its header next.
            self.out.extend_from_slice(&header);
            if depth >= self.limits.max_depth {
                self.give_up();
            } else {
                self.messages += 1;
                self.state = State::Header;
            }
        } else if binary {
            self.out.extend_from_slice(&rewrite_encoding(&header));
            self.state = State::Binary;
        } else {
            self.out.extend_from_slice(&header);
            self.state = State::Plain;
        }
    }

    /// Past a limit: the rest goes as it is.
    fn give_up(&mut self) {
        if self.state == State::Binary {
            self.flush_base64(true);
        }
        let held = std::mem::take(&mut self.held);
        self.out.extend_from_slice(&held);
        self.state = State::Verbatim;
    }

    fn encode(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let take = (LINE_INPUT - self.pending.len()).min(bytes.len());
            self.pending.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.pending.len() == LINE_INPUT {
                self.flush_base64(false);
            }
        }
    }

    /// Writes the pending input as a base64 line (`last`: even a short
    /// one).
    fn flush_base64(&mut self, last: bool) {
        if self.pending.is_empty() || (!last && self.pending.len() < LINE_INPUT) {
            return;
        }
        let encoded = base64::engine::general_purpose::STANDARD.encode(&self.pending);
        self.out.extend_from_slice(encoded.as_bytes());
        self.out.extend_from_slice(b"\r\n");
        self.pending.clear();
    }
}

/// The last line of a header block.
fn line_of(header: &[u8]) -> &[u8] {
    let without_lf = &header[..header.len().saturating_sub(1)];
    match memchr::memrchr(b'\n', without_lf) {
        Some(i) => &header[i + 1..],
        None => header,
    }
}

fn line_end_len(line: &[u8]) -> usize {
    if line.ends_with(b"\r\n") {
        2
    } else if line.ends_with(b"\n") {
        1
    } else {
        0
    }
}

/// The header with its Content-Transfer-Encoding field (folded lines
/// included) made `base64`.
fn rewrite_encoding(header: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(header.len() + 8);
    let mut skipping = false;
    for line in header.split_inclusive(|&b| b == b'\n') {
        let continuation = matches!(line.first(), Some(b' ' | b'\t'));
        if skipping && continuation {
            continue;
        }
        skipping = false;
        let name_end = line.iter().position(|&b| b == b':');
        let is_cte = !continuation
            && name_end.is_some_and(|i| line[..i].trim_ascii_end().eq_ignore_ascii_case(b"content-transfer-encoding"));
        if is_cte {
            out.extend_from_slice(b"Content-Transfer-Encoding: base64\r\n");
            skipping = true;
        } else {
            out.extend_from_slice(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use proptest::prelude::*;

    fn convert(message: &[u8], piece: usize) -> Vec<u8> {
        let mut converter = BinaryConverter::new(ScanLimits::default());
        let mut out = Vec::new();
        for chunk in message.chunks(piece.max(1)) {
            out.extend(converter.feed(chunk));
        }
        out.extend(converter.finish());
        out
    }

    fn decode(lines: &[u8]) -> Vec<u8> {
        let text: Vec<u8> = lines.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
        base64::engine::general_purpose::STANDARD.decode(text).unwrap()
    }

    #[test]
    fn a_binary_body_becomes_base64_and_decodes_to_its_bytes() {
        let content: &[u8] = b"\0-\xe4\n\r\n\n";
        let mut message =
            b"From: a@b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding:\r\n binary\r\n\r\n"
                .to_vec();
        message.extend_from_slice(content);
        let expected_header =
            b"From: a@b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n";
        for piece in 1..message.len() + 1 {
            let out = convert(&message, piece);
            assert!(out.starts_with(expected_header), "{piece}: {:?}", String::from_utf8_lossy(&out));
            assert_eq!(decode(&out[expected_header.len()..]), content, "fed {piece} at a time");
        }
    }

    #[test]
    fn binary_parts_of_a_multipart_end_at_their_boundary() {
        let big: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
        let mut message = b"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\npreamble\r\n--b1\r\nContent-Type: text/plain\r\n\r\nhello\n--b1\r\nContent-Type: multipart/alternative; boundary=b1x\r\n\r\n--b1x\r\nContent-Transfer-Encoding: BINARY\r\n\r\n".to_vec();
        message.extend_from_slice(&big);
        message.extend_from_slice(
            b"\r\n--b1x--\r\n--b1\r\nContent-Transfer-Encoding: binary\r\n\r\n\n--b1-not\n\r\n--b1--\r\nepilogue",
        );
        for piece in [1, 2, 3, 7, 64, 100, 4096, message.len()] {
            let out = convert(&message, piece);
            let text = String::from_utf8(out.clone()).unwrap();
            assert!(text.contains("\r\n\r\nhello\n--b1\r\n"), "{piece}: the text part as it was");
            assert_eq!(text.matches("Content-Transfer-Encoding: base64\r\n").count(), 2, "{piece}");
            let opening = "--b1x\r\nContent-Transfer-Encoding: base64\r\n\r\n";
            let first = text.find(opening).unwrap() + opening.len();
            let end = first + text[first..].find("\r\n--b1x--").unwrap();
            assert_eq!(decode(&out[first..end]), big, "{piece}");
            let second = text.rfind("base64\r\n\r\n").unwrap() + 10;
            let end = second + text[second..].find("\r\n--b1--\r\nepilogue").unwrap();
            assert_eq!(decode(&out[second..end]), b"\n--b1-not\n", "{piece}");
            assert!(text.ends_with("--b1--\r\nepilogue"));
        }
    }

    #[test]
    fn limits_pass_the_rest_through() {
        let limits = ScanLimits { max_header_bytes: 64, ..ScanLimits::default() };
        let mut message = b"X-Long: ".to_vec();
        message.extend(std::iter::repeat_n(b'a', 100));
        message.extend_from_slice(b"\r\nContent-Transfer-Encoding: binary\r\n\r\n\0\n");
        let mut converter = BinaryConverter::new(limits);
        let mut out = converter.feed(&message);
        out.extend(converter.finish());
        assert_eq!(out, message);
    }

    proptest! {
        /// Without a binary part, the output is the input, byte for byte,
        /// however it is cut.
        #[test]
        fn messages_without_binary_parts_pass_unchanged(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just(&b"Content-Type: multipart/mixed; boundary=x\r\n\r\n"[..]),
                    Just(&b"--x\r\n"[..]), Just(&b"--x--\r\n"[..]), Just(&b"\r\n"[..]),
                    Just(&b"Content-Type: message/rfc822\r\n\r\n"[..]),
                    Just(&b"Subject: hi\r\n"[..]), Just(&b"text\n"[..]), Just(&b"\0\xff"[..]),
                ],
                0..30,
            ),
            piece in 1usize..40,
        ) {
            let message = parts.concat();
            prop_assert_eq!(convert(&message, piece), message);
        }

        /// A binary body of any bytes decodes to itself.
        #[test]
        fn any_binary_body_round_trips(body in proptest::collection::vec(any::<u8>(), 0..600), piece in 1usize..300) {
            let header = b"Content-Transfer-Encoding: binary\r\n\r\n";
            let message = [&header[..], &body].concat();
            let out = convert(&message, piece);
            let expected = b"Content-Transfer-Encoding: base64\r\n\r\n";
            prop_assert!(out.starts_with(expected));
            prop_assert_eq!(decode(&out[expected.len()..]), body);
        }
    }
}

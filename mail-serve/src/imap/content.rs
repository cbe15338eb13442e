//! Reading a message's bytes in pieces: its CRLF form from whatever line
//! ends the store keeps ([`WireReader`]), and the outputs FETCH streams
//! from it ([`Producer`]): a byte range, the header fields a
//! `HEADER.FIELDS` names, a part's body decoded for BINARY. Memory stays
//! at one piece whatever the message's size.

use std::ops::Range;

use crate::store::{Content, StoreError};

/// Bytes read from the store at a time.
pub(crate) const CHUNK: usize = 64 * 1024;

/// A message's CRLF form, read in pieces from its stored bytes.
pub(crate) struct WireReader<C: Content> {
    content: C,
    /// The stored bytes are the CRLF form (no bare LF).
    raw_is_wire: bool,
    /// Where the next normalized read continues: raw and wire offsets and
    /// the last raw byte.
    raw_pos: u64,
    wire_pos: u64,
    last: u8,
}

impl<C: Content> WireReader<C> {
    /// A reader; `wire_size` is the size the store reports (CRLF form):
    /// when the stored size is the same, there is no bare LF to convert.
    pub fn new(content: C, wire_size: u64) -> WireReader<C> {
        let raw_is_wire = content.len() == wire_size;
        WireReader { content, raw_is_wire, raw_pos: 0, wire_pos: 0, last: 0 }
    }

    /// Up to [`CHUNK`] bytes of the CRLF form from `at` (empty at the end).
    pub async fn read(&mut self, at: u64) -> Result<Vec<u8>, StoreError> {
        if self.raw_is_wire {
            return Ok(self.content.read(at, CHUNK).await?.to_vec());
        }
        if at < self.wire_pos {
            // Back to the start: bare LFs make offsets differ.
            self.raw_pos = 0;
            self.wire_pos = 0;
            self.last = 0;
        }
        loop {
            let raw = self.content.read(self.raw_pos, CHUNK).await?;
            if raw.is_empty() {
                return Ok(Vec::new());
            }
            let mut out = Vec::with_capacity(raw.len() + raw.len() / 16);
            let mut from = 0;
            for lf in memchr::memchr_iter(b'\n', &raw) {
                let before = if lf > 0 { raw[lf - 1] } else { self.last };
                out.extend_from_slice(&raw[from..lf]);
                if before != b'\r' {
                    out.push(b'\r');
                }
                from = lf;
            }
            out.extend_from_slice(&raw[from..]);
            self.last = raw[raw.len() - 1];
            self.raw_pos += raw.len() as u64;
            let start = self.wire_pos;
            self.wire_pos += out.len() as u64;
            if self.wire_pos > at {
                let skip = (at - start) as usize;
                out.drain(..skip);
                return Ok(out);
            }
        }
    }
}

/// How a part's body is encoded (Content-Transfer-Encoding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Identity,
    Base64,
    QuotedPrintable,
}

impl Encoding {
    /// The encoding a Content-Transfer-Encoding value names; `None` for one
    /// this server cannot decode (BINARY answers `NO [UNKNOWN-CTE]`).
    pub fn of(name: Option<&[u8]>) -> Option<Encoding> {
        match name.map(|n| n.to_ascii_lowercase()) {
            None => Some(Encoding::Identity),
            Some(n) => match &n[..] {
                b"7bit" | b"8bit" | b"binary" | b"" => Some(Encoding::Identity),
                b"base64" => Some(Encoding::Base64),
                b"quoted-printable" => Some(Encoding::QuotedPrintable),
                _ => None,
            },
        }
    }
}

/// What a FETCH literal holds, produced in pieces.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// A range of the message.
    Range(Range<u64>),
    /// The fields of the header in the range that are (`not`: are not)
    /// named, and the blank line.
    Fields { header: Range<u64>, names: Vec<Vec<u8>>, not: bool },
    /// A body decoded.
    Decoded { body: Range<u64>, encoding: Encoding },
    /// Nothing.
    Empty,
}

/// A pass over a [`Source`]'s output.
pub(crate) struct Producer {
    source: Source,
    pos: u64,
    done: bool,
    fields: FieldFilter,
    decoder: Decoder,
}

impl Producer {
    pub fn new(source: Source) -> Producer {
        let pos = match &source {
            Source::Range(r) => r.start,
            Source::Fields { header, .. } => header.start,
            Source::Decoded { body, .. } => body.start,
            Source::Empty => 0,
        };
        let encoding = match &source {
            Source::Decoded { encoding, .. } => *encoding,
            _ => Encoding::Identity,
        };
        Producer { source, pos, done: false, fields: FieldFilter::default(), decoder: Decoder::new(encoding) }
    }

    /// The output's size when it is known without a pass.
    pub fn known_size(&self) -> Option<u64> {
        match &self.source {
            Source::Range(r) => Some(r.end - r.start),
            Source::Empty => Some(0),
            _ => None,
        }
    }

    /// A range source started `skip` bytes in (a partial fetch).
    pub fn skip_range(&mut self, skip: u64) -> bool {
        if let Source::Range(r) = &self.source {
            self.pos = (r.start + skip).min(r.end);
            return true;
        }
        false
    }

    /// The next piece of output; `None` at the end.
    pub async fn next<C: Content>(&mut self, reader: &mut WireReader<C>) -> Result<Option<Vec<u8>>, StoreError> {
        loop {
            if self.done {
                return Ok(None);
            }
            let end = match &self.source {
                Source::Range(r) => r.end,
                Source::Fields { header, .. } => header.end,
                Source::Decoded { body, .. } => body.end,
                Source::Empty => {
                    self.done = true;
                    return Ok(None);
                }
            };
            let mut input = if self.pos < end { reader.read(self.pos).await? } else { Vec::new() };
            let room = (end - self.pos) as usize;
            input.truncate(room);
            let last = input.is_empty();
            self.pos += input.len() as u64;
            let out = match &self.source {
                Source::Range(_) => input,
                Source::Fields { names, not, .. } => self.fields.feed(&input, names, *not, last),
                Source::Decoded { .. } => self.decoder.feed(&input, last),
                Source::Empty => Vec::new(),
            };
            if last {
                self.done = true;
            }
            if !out.is_empty() || last {
                return Ok((!out.is_empty()).then_some(out));
            }
        }
    }
}

/// The `HEADER.FIELDS` filter, fed a header in pieces: a field is kept or
/// dropped as a whole (its continuation lines with it), decided by its
/// name at the start of its first line.
#[derive(Debug, Default)]
struct FieldFilter {
    /// The start of the current line, until the decision is made.
    pending: Vec<u8>,
    /// Whether the current field is kept (once known).
    keep: bool,
    /// The current line's decision is made (its rest follows it).
    decided: bool,
    /// At the start of a line.
    line_start: bool,
    started: bool,
}

/// The longest field name looked at; a longer one is kept or dropped as
/// not named.
const MAX_FIELD_NAME: usize = 1000;

impl FieldFilter {
    fn feed(&mut self, data: &[u8], names: &[Vec<u8>], not: bool, last: bool) -> Vec<u8> {
        if !self.started {
            self.started = true;
            self.line_start = true;
        }
        let mut out = Vec::new();
        for &b in data {
            if self.line_start {
                self.line_start = false;
                self.decided = false;
                self.pending.clear();
                if b == b' ' || b == b'\t' {
                    // A continuation line follows its field's decision.
                    self.decided = true;
                }
            }
            if self.decided {
                if self.keep {
                    out.push(b);
                }
            } else {
                self.pending.push(b);
                if b == b':' || b == b'\n' || self.pending.len() > MAX_FIELD_NAME {
                    self.decided = true;
                    let name = self.pending.strip_suffix(b":").unwrap_or(&[]);
                    let name = trim(name);
                    let is_field = b == b':';
                    let listed = is_field && names.iter().any(|n| n.eq_ignore_ascii_case(name));
                    self.keep = is_field && listed != not;
                    if self.keep {
                        out.extend_from_slice(&self.pending);
                    }
                    self.pending.clear();
                }
            }
            if b == b'\n' {
                self.line_start = true;
            }
        }
        if last {
            if self.keep && self.decided && !self.line_start {
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"\r\n");
        }
        out
    }
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// A streaming Content-Transfer-Encoding decoder.
#[derive(Debug)]
struct Decoder {
    encoding: Encoding,
    /// Base64: sextets waiting for a group of four. Quoted-printable: an
    /// escape waiting for its two hex digits (or a soft line break).
    carry: Vec<u8>,
    /// Base64 ended at padding.
    finished: bool,
    qp: Qp,
}

fn sextet(b: u8) -> Option<u8> {
    Some(match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    })
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

impl Decoder {
    fn new(encoding: Encoding) -> Decoder {
        Decoder { encoding, carry: Vec::new(), finished: false, qp: Qp::default() }
    }

    fn feed(&mut self, data: &[u8], last: bool) -> Vec<u8> {
        match self.encoding {
            Encoding::Identity => data.to_vec(),
            Encoding::Base64 => self.base64(data, last),
            Encoding::QuotedPrintable => self.quoted_printable(data, last),
        }
    }

    fn base64(&mut self, data: &[u8], last: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len() * 3 / 4 + 3);
        for &b in data {
            if self.finished {
                break;
            }
            if b == b'=' {
                self.finished = true;
                break;
            }
            let Some(v) = sextet(b) else { continue };
            self.carry.push(v);
            if self.carry.len() == 4 {
                let c = &self.carry;
                out.push((c[0] << 2) | (c[1] >> 4));
                out.push((c[1] << 4) | (c[2] >> 2));
                out.push((c[2] << 6) | c[3]);
                self.carry.clear();
            }
        }
        if self.finished || last {
            let c = std::mem::take(&mut self.carry);
            if c.len() >= 2 {
                out.push((c[0] << 2) | (c[1] >> 4));
            }
            if c.len() >= 3 {
                out.push((c[1] << 4) | (c[2] >> 2));
            }
        }
        out
    }

    /// Quoted-printable (RFC 2045 6.7): `=XX` escapes, soft line breaks
    /// (`=` and white space before the line end), and white space at the
    /// end of a line dropped (transport padding), as Dovecot decodes it.
    fn quoted_printable(&mut self, data: &[u8], last: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len());
        let qp = &mut self.qp;
        for &b in data {
            qp.byte(b, &mut out);
        }
        if last {
            qp.finish(&mut out);
        }
        out
    }
}

/// White space held to see whether a line end follows; a longer run is
/// content (and let go of).
const MAX_HELD_SPACE: usize = 64 * 1024;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum QpState {
    #[default]
    Normal,
    /// After `=`.
    Equals,
    /// After `=` and a hex digit.
    EqualsHex(u8),
    /// After `=` and white space: a soft line break if a line end follows.
    Soft,
}

/// The quoted-printable decoder's state between pieces.
#[derive(Debug, Default)]
struct Qp {
    state: QpState,
    /// White space not yet known to be trailing.
    space: Vec<u8>,
    /// A CR not yet known to start a line end.
    cr: bool,
    /// What followed `=` in the soft state.
    after_equals: Vec<u8>,
}

impl Qp {
    fn byte(&mut self, b: u8, out: &mut Vec<u8>) {
        match self.state {
            QpState::Normal => self.normal(b, out),
            QpState::Equals => match b {
                _ if hex(b).is_some() => self.state = QpState::EqualsHex(b),
                b' ' | b'\t' | b'\r' => {
                    self.after_equals.push(b);
                    self.state = QpState::Soft;
                }
                b'\n' => self.state = QpState::Normal,
                _ => {
                    out.push(b'=');
                    self.state = QpState::Normal;
                    self.normal(b, out);
                }
            },
            QpState::EqualsHex(h) => {
                self.state = QpState::Normal;
                match (hex(h), hex(b)) {
                    (Some(h), Some(l)) => out.push((h << 4) | l),
                    _ => {
                        out.extend_from_slice(&[b'=', h]);
                        self.normal(b, out);
                    }
                }
            }
            QpState::Soft => match b {
                b' ' | b'\t' | b'\r' if self.after_equals.len() < MAX_HELD_SPACE => self.after_equals.push(b),
                b'\n' => {
                    self.after_equals.clear();
                    self.state = QpState::Normal;
                }
                _ => {
                    out.push(b'=');
                    out.append(&mut self.after_equals);
                    self.state = QpState::Normal;
                    self.normal(b, out);
                }
            },
        }
    }

    fn normal(&mut self, b: u8, out: &mut Vec<u8>) {
        if self.cr && b != b'\n' {
            out.append(&mut self.space);
            out.push(b'\r');
            self.cr = false;
        }
        match b {
            b' ' | b'\t' => {
                self.space.push(b);
                if self.space.len() > MAX_HELD_SPACE {
                    out.append(&mut self.space);
                }
            }
            b'\r' => self.cr = true,
            b'\n' => {
                // White space at the end of a line is padding.
                self.space.clear();
                if std::mem::take(&mut self.cr) {
                    out.push(b'\r');
                }
                out.push(b'\n');
            }
            b'=' => {
                out.append(&mut self.space);
                self.state = QpState::Equals;
            }
            _ => {
                out.append(&mut self.space);
                out.push(b);
            }
        }
    }

    fn finish(&mut self, out: &mut Vec<u8>) {
        match self.state {
            QpState::Normal => {
                // The end of the body is the end of a line.
                self.space.clear();
                if self.cr {
                    out.push(b'\r');
                }
            }
            QpState::Equals => out.push(b'='),
            QpState::EqualsHex(h) => out.extend_from_slice(&[b'=', h]),
            QpState::Soft => {}
        }
        *self = Qp::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_split(source: &Source, message: &[u8], piece: usize) -> Vec<u8> {
        // Feeding the decoders and filter in pieces of any size.
        let (range, kind) = match source {
            Source::Fields { header, .. } => (header.clone(), 0),
            Source::Decoded { body, .. } => (body.clone(), 1),
            _ => unreachable!(),
        };
        let data = &message[range.start as usize..range.end as usize];
        let mut p = Producer::new(source.clone());
        let mut out = Vec::new();
        let chunks: Vec<&[u8]> = data.chunks(piece.max(1)).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            let last = false;
            let _ = i;
            out.extend(match (kind, source) {
                (0, Source::Fields { names, not, .. }) => p.fields.feed(chunk, names, *not, last),
                _ => p.decoder.feed(chunk, last),
            });
        }
        out.extend(match (kind, source) {
            (0, Source::Fields { names, not, .. }) => p.fields.feed(&[], names, *not, true),
            _ => p.decoder.feed(&[], true),
        });
        out
    }

    #[test]
    fn field_filter_at_every_piece_size() {
        let header = b"From: a\r\nTo: b,\r\n c\r\nX-Long: y\r\nsubject: s\r\n\r\n";
        let names = vec![b"TO".to_vec(), b"Subject".to_vec()];
        let source = Source::Fields { header: 0..header.len() as u64, names: names.clone(), not: false };
        let not = Source::Fields { header: 0..header.len() as u64, names, not: true };
        for piece in 1..header.len() + 1 {
            assert_eq!(run_split(&source, header, piece), b"To: b,\r\n c\r\nsubject: s\r\n\r\n", "{piece}");
            assert_eq!(run_split(&not, header, piece), b"From: a\r\nX-Long: y\r\n\r\n", "{piece}");
        }
    }

    #[test]
    fn decoders_at_every_piece_size() {
        let b64 = b"SGVsbG8s\r\nIHdvcmxkIQ==\r\n";
        let qp = b"caf=C3=A9 =\r\nsoft=3D=\r\nend=\r\n";
        let s64 = Source::Decoded { body: 0..b64.len() as u64, encoding: Encoding::Base64 };
        let sqp = Source::Decoded { body: 0..qp.len() as u64, encoding: Encoding::QuotedPrintable };
        for piece in 1..30 {
            assert_eq!(run_split(&s64, b64, piece), b"Hello, world!", "{piece}");
            assert_eq!(run_split(&sqp, qp, piece), "café soft=end".as_bytes(), "{piece}");
        }
        assert_eq!(Encoding::of(Some(b"x-uuencode")), None);
        assert_eq!(Encoding::of(Some(b"BASE64")), Some(Encoding::Base64));
    }

    #[test]
    fn quoted_printable_drops_transport_padding_as_dovecot_does() {
        // imaptest's fetch-binary-mime-qp body and Dovecot's answer.
        let body = b"hello  \r\nbar=\r\n\r\nfoo\t=\r\nbar\r\nfoo\t \t= \r\n=62\r\nfoo = \t\r\nbar\r\nfoo =\r\n=62\r\nfoo  \r\nbar=\r\n\r\nfoo_bar\r\n";
        let expected = b"hello\r\nbar\r\nfoo\tbar\r\nfoo\t \tb\r\nfoo bar\r\nfoo b\r\nfoo\r\nbar\r\nfoo_bar\r\n";
        assert_eq!(expected.len(), 65);
        let source = Source::Decoded { body: 0..body.len() as u64, encoding: Encoding::QuotedPrintable };
        for piece in 1..body.len() + 1 {
            assert_eq!(run_split(&source, body, piece), expected.to_vec(), "pieces of {piece}");
        }
        let odd = b"a=\r=4x=4";
        let source = Source::Decoded { body: 0..odd.len() as u64, encoding: Encoding::QuotedPrintable };
        assert_eq!(run_split(&source, odd, 1), b"a=\r=4x=4");
    }
}

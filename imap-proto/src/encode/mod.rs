//! The serializer: writes every type into a [`BytesMut`], strictly.
//!
//! Strings take the lightest form their content allows: an atom where the
//! grammar accepts one (`astring`, `list-mailbox`), else a quoted string
//! when the content is short 7-bit text, else a literal. Literals in
//! commands are synchronizing (`{N}`) or non-synchronizing (`{N+}`)
//! according to [`LiteralMode`]; responses always use `{N}`.

use bytes::{BufMut, BytesMut};

use crate::types::core::{is_astring_char, is_list_char};
use crate::types::{IString, IdParameters, Modifier};

mod body;
mod command;
mod datetime;
mod fetch;
mod flag;
mod mailbox;
mod metadata;
mod quota;
mod response;
mod search;
mod sequence;
mod status;

/// Longest content written as a quoted string; longer content becomes a
/// literal.
const MAX_QUOTED: usize = 1024;

/// Which literal form commands use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LiteralMode {
    /// `{N}`: the client waits for a `+` continuation before the data.
    #[default]
    Synchronizing,
    /// `{N+}` (RFC 7888 LITERAL+): the data follows at once.
    NonSynchronizing,
    /// RFC 7888 LITERAL-: `{N+}` for literals of at most 4096 bytes, `{N}`
    /// for longer ones.
    LiteralMinus,
}

/// The largest literal LITERAL- allows to be non-synchronizing.
pub(crate) const LITERAL_MINUS_MAX: usize = 4096;

/// Serialization settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EncodeOptions {
    /// Literal form for commands.
    pub literal_mode: LiteralMode,
}

/// Writes values into a buffer and records where a client must wait for
/// a continuation request (after each synchronizing literal announcement).
pub struct Encoder<'b> {
    out: &'b mut BytesMut,
    start: usize,
    options: EncodeOptions,
    in_command: bool,
    continuation_points: Vec<usize>,
}

/// Something that can be written on the wire.
pub trait Encode {
    /// Writes `self` through the encoder.
    fn encode(&self, enc: &mut Encoder<'_>);

    /// Appends the wire form to `out` with the given options and returns
    /// the positions (relative to where writing began) after which a client
    /// must wait for a `+` continuation.
    fn encode_to(&self, out: &mut BytesMut, options: EncodeOptions) -> Vec<usize> {
        let mut enc = Encoder::new(out, options);
        self.encode(&mut enc);
        enc.continuation_points
    }

    /// The wire form with default options.
    fn to_bytes(&self) -> bytes::Bytes {
        let mut out = BytesMut::new();
        self.encode_to(&mut out, EncodeOptions::default());
        out.freeze()
    }
}

impl<'b> Encoder<'b> {
    /// An encoder appending to `out`.
    pub fn new(out: &'b mut BytesMut, options: EncodeOptions) -> Encoder<'b> {
        let start = out.len();
        Encoder { out, start, options, in_command: false, continuation_points: Vec::new() }
    }

    #[inline]
    pub(crate) fn raw(&mut self, b: &[u8]) {
        self.out.extend_from_slice(b);
    }

    #[inline]
    pub(crate) fn byte(&mut self, b: u8) {
        self.out.put_u8(b);
    }

    #[inline]
    pub(crate) fn sp(&mut self) {
        self.out.put_u8(b' ');
    }

    pub(crate) fn crlf(&mut self) {
        self.out.extend_from_slice(b"\r\n");
    }

    pub(crate) fn number(&mut self, n: u64) {
        let mut buf = [0u8; 20];
        let mut i = buf.len();
        let mut n = n;
        loop {
            i -= 1;
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.out.extend_from_slice(&buf[i..]);
    }

    pub(crate) fn set_command(&mut self, in_command: bool) {
        self.in_command = in_command;
    }

    /// `string`: quoted when possible, else a literal.
    pub(crate) fn string(&mut self, s: &[u8]) {
        if s.len() <= MAX_QUOTED && s.iter().all(|&b| (0x01..=0x7f).contains(&b) && b != b'\r' && b != b'\n') {
            self.byte(b'"');
            for &b in s {
                if b == b'"' || b == b'\\' {
                    self.byte(b'\\');
                }
                self.byte(b);
            }
            self.byte(b'"');
        } else {
            self.literal(s);
        }
    }

    /// A literal, synchronizing or not as configured (always `{N}` in
    /// responses).
    pub(crate) fn literal(&mut self, s: &[u8]) {
        self.byte(b'{');
        self.number(s.len() as u64);
        let sync = !self.in_command
            || match self.options.literal_mode {
                LiteralMode::Synchronizing => true,
                LiteralMode::NonSynchronizing => false,
                LiteralMode::LiteralMinus => s.len() > LITERAL_MINUS_MAX,
            };
        if !sync {
            self.byte(b'+');
        }
        self.raw(b"}\r\n");
        if sync && self.in_command {
            self.continuation_points.push(self.out.len() - self.start);
        }
        self.raw(s);
    }

    /// A literal for content that may be binary: `~{N}` (literal8, RFC
    /// 3516) when it holds NUL, which a plain literal cannot.
    pub(crate) fn literal_or_literal8(&mut self, s: &[u8]) {
        if memchr::memchr(0, s).is_some() {
            self.byte(b'~');
        }
        self.literal(s);
    }

    /// `astring`: an atom when possible.
    pub(crate) fn astring(&mut self, s: &[u8]) {
        if !s.is_empty() && s.iter().all(|&b| is_astring_char(b)) {
            self.raw(s);
        } else {
            self.string(s);
        }
    }

    /// `list-mailbox`: list characters as they are, else a string.
    pub(crate) fn list_mailbox(&mut self, s: &[u8]) {
        if !s.is_empty() && s.iter().all(|&b| is_list_char(b)) {
            self.raw(s);
        } else {
            self.string(s);
        }
    }

    /// `nstring`
    pub(crate) fn nstring(&mut self, s: &Option<IString>) {
        match s {
            Some(s) => self.string(s),
            None => self.raw(b"NIL"),
        }
    }

    /// A command modifier or parameter (RFC 4466): `name [SP value]`.
    pub(crate) fn modifier(&mut self, m: &Modifier) {
        self.raw(m.name.as_bytes());
        if let Some(v) = &m.value {
            self.sp();
            self.raw(v.as_bytes());
        }
    }

    /// ID's parameters (RFC 2971), in either direction: NIL, or the
    /// field-value pairs in parentheses.
    pub(crate) fn id_params(&mut self, params: &IdParameters) {
        match params {
            None => self.raw(b"NIL"),
            Some(params) => self.paren(params, |e, (field, value)| {
                e.string(field);
                e.sp();
                e.nstring(value);
            }),
        }
    }

    /// Items separated by single spaces.
    pub(crate) fn join<T>(&mut self, items: &[T], mut f: impl FnMut(&mut Self, &T)) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.sp();
            }
            f(self, item);
        }
    }

    /// `"(" items ")"` separated by spaces.
    pub(crate) fn paren<T>(&mut self, items: &[T], f: impl FnMut(&mut Self, &T)) {
        self.byte(b'(');
        self.join(items, f);
        self.byte(b')');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(f: impl FnOnce(&mut Encoder<'_>)) -> Vec<u8> {
        let mut out = BytesMut::new();
        let mut e = Encoder::new(&mut out, EncodeOptions::default());
        f(&mut e);
        out.to_vec()
    }

    #[test]
    fn strings_pick_their_form() {
        assert_eq!(with(|e| e.astring(b"INBOX")), b"INBOX");
        assert_eq!(with(|e| e.astring(b"")), b"\"\"");
        assert_eq!(with(|e| e.astring(b"a b")), b"\"a b\"");
        assert_eq!(with(|e| e.astring(b"a\"b\\")), b"\"a\\\"b\\\\\"");
        assert_eq!(with(|e| e.astring(b"caf\xc3\xa9")), b"{5}\r\ncaf\xc3\xa9");
        assert_eq!(with(|e| e.string(b"line\r\nbreak")), b"{11}\r\nline\r\nbreak");
        assert_eq!(with(|e| e.nstring(&Some(IString::from("NIL")))), b"\"NIL\"");
        assert_eq!(with(|e| e.nstring(&None)), b"NIL");
        assert_eq!(with(|e| e.list_mailbox(b"%/*")), b"%/*");
        assert_eq!(with(|e| e.number(4294967295)), b"4294967295");
        assert_eq!(with(|e| e.number(0)), b"0");
    }

    #[test]
    fn command_literals_follow_the_mode() {
        let mut out = BytesMut::new();
        let mut e = Encoder::new(&mut out, EncodeOptions { literal_mode: LiteralMode::NonSynchronizing });
        e.set_command(true);
        e.literal(b"abc");
        assert!(e.continuation_points.is_empty());
        assert_eq!(&out[..], b"{3+}\r\nabc");
        let mut out = BytesMut::new();
        let mut e = Encoder::new(&mut out, EncodeOptions::default());
        e.set_command(true);
        e.literal(b"abc");
        assert_eq!(e.continuation_points, vec![5]);
        // LITERAL-: non-synchronizing up to 4096 bytes only.
        let mut out = BytesMut::new();
        let mut e = Encoder::new(&mut out, EncodeOptions { literal_mode: LiteralMode::LiteralMinus });
        e.set_command(true);
        e.literal(&[b'a'; 4096]);
        assert!(e.continuation_points.is_empty());
        e.literal(&[b'b'; 4097]);
        assert_eq!(e.continuation_points.len(), 1);
        assert!(out.starts_with(b"{4096+}\r\n"));
    }
}

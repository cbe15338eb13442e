//! Mailbox names: INBOX case-insensitivity and modified UTF-7 (RFC 3501 5.1.3).

use bytes::Bytes;
use std::fmt;

use super::core::IString;

/// A mailbox name as it travels on the wire.
///
/// Any case variant of `INBOX` is normalised to `INBOX` on construction, so
/// two `Mailbox` values compare equal exactly when the server must treat
/// them as the same mailbox. Other names are kept byte for byte (modified
/// UTF-7 for IMAP4rev1 servers); [`Mailbox::from_utf8`] and
/// [`Mailbox::to_utf8`] convert.
///
/// ```
/// use imap_wire::Mailbox;
/// assert!(Mailbox::from("iNbOx").is_inbox());
/// let m = Mailbox::from_utf8("Entwürfe");
/// assert_eq!(m.as_bytes(), b"Entw&APw-rfe");
/// assert_eq!(m.to_utf8().unwrap(), "Entwürfe");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mailbox(IString);

impl Mailbox {
    /// The mailbox `INBOX`.
    pub fn inbox() -> Mailbox {
        Mailbox(IString::from("INBOX"))
    }

    /// A mailbox from its wire bytes (already modified UTF-7 or raw UTF-8).
    pub fn from_wire(name: impl Into<Bytes>) -> Mailbox {
        Mailbox::from(IString::from(name.into()))
    }

    /// Encodes a Unicode name in modified UTF-7.
    pub fn from_utf8(name: &str) -> Mailbox {
        Mailbox::from_wire(encode_modified_utf7(name))
    }

    /// Whether this is INBOX.
    pub fn is_inbox(&self) -> bool {
        self.0.as_ref() == b"INBOX"
    }

    /// The wire bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The wire bytes as an [`IString`].
    pub fn as_istring(&self) -> &IString {
        &self.0
    }

    /// Decodes the modified UTF-7 name. Fails on names that are not valid
    /// modified UTF-7 (for example raw UTF-8 from an `UTF8=ACCEPT` server,
    /// which you can read with [`IString::as_str`] instead).
    pub fn to_utf8(&self) -> Result<String, Utf7Error> {
        decode_modified_utf7(&self.0)
    }
}

impl fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mailbox({:?})", self.0)
    }
}

impl From<&str> for Mailbox {
    /// Takes the string as wire bytes (no UTF-7 encoding; see [`Mailbox::from_utf8`]).
    fn from(s: &str) -> Mailbox {
        Mailbox::from(IString::from(s))
    }
}

impl From<IString> for Mailbox {
    /// `INBOX` in any case becomes `INBOX`.
    fn from(s: IString) -> Mailbox {
        if s.eq_ignore_ascii_case(b"INBOX") {
            Mailbox::inbox()
        } else {
            Mailbox(s)
        }
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Mailbox {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Mailbox {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Mailbox::from(IString::deserialize(d)?))
    }
}

/// Why a name is not valid modified UTF-7.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Utf7Error {
    /// A byte outside printable US-ASCII appeared outside a base64 run.
    #[error("byte {byte:#04x} at offset {offset} is not printable US-ASCII")]
    NonAscii {
        /// The offending byte.
        byte: u8,
        /// Where it is.
        offset: usize,
    },
    /// A `&` run was not closed by `-`.
    #[error("unterminated base64 run starting at offset {offset}")]
    Unterminated {
        /// Where the run starts.
        offset: usize,
    },
    /// A base64 run held invalid characters, padding bits or UTF-16.
    #[error("invalid base64 run starting at offset {offset}")]
    InvalidRun {
        /// Where the run starts.
        offset: usize,
    },
}

const MB64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

fn mb64_value(b: u8) -> Option<u32> {
    Some(match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' => 62,
        b',' => 63,
        _ => return None,
    } as u32)
}

/// Encodes a Unicode string in modified UTF-7.
pub fn encode_modified_utf7(name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len());
    let mut units: Vec<u16> = Vec::new();
    let flush = |units: &mut Vec<u16>, out: &mut Vec<u8>| {
        if units.is_empty() {
            return;
        }
        out.push(b'&');
        let mut acc: u32 = 0;
        let mut bits = 0;
        for u in units.drain(..) {
            for byte in u.to_be_bytes() {
                acc = (acc << 8) | byte as u32;
                bits += 8;
                while bits >= 6 {
                    bits -= 6;
                    out.push(MB64[((acc >> bits) & 0x3f) as usize]);
                }
            }
        }
        if bits > 0 {
            out.push(MB64[((acc << (6 - bits)) & 0x3f) as usize]);
        }
        out.push(b'-');
    };
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut units, &mut out);
            if c == '&' {
                out.extend_from_slice(b"&-");
            } else {
                out.push(c as u8);
            }
        } else {
            let mut buf = [0u16; 2];
            units.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut units, &mut out);
    out
}

/// Decodes modified UTF-7 into a Unicode string.
pub fn decode_modified_utf7(name: &[u8]) -> Result<String, Utf7Error> {
    let mut out = String::with_capacity(name.len());
    let mut i = 0;
    while i < name.len() {
        let b = name[i];
        if b == b'&' {
            let start = i;
            let end = name[i + 1..]
                .iter()
                .position(|&c| c == b'-')
                .map(|p| i + 1 + p)
                .ok_or(Utf7Error::Unterminated { offset: start })?;
            let run = &name[i + 1..end];
            if run.is_empty() {
                out.push('&');
            } else {
                decode_run(run, &mut out).ok_or(Utf7Error::InvalidRun { offset: start })?;
            }
            i = end + 1;
        } else if (0x20..=0x7e).contains(&b) {
            out.push(b as char);
            i += 1;
        } else {
            return Err(Utf7Error::NonAscii { byte: b, offset: i });
        }
    }
    Ok(out)
}

fn decode_run(run: &[u8], out: &mut String) -> Option<()> {
    let mut acc: u32 = 0;
    let mut bits = 0;
    let mut units = Vec::with_capacity(run.len() * 6 / 16);
    for &c in run {
        acc = (acc << 6) | mb64_value(c)?;
        bits += 6;
        if bits >= 16 {
            bits -= 16;
            units.push(((acc >> bits) & 0xffff) as u16);
        }
    }
    // Leftover bits must be padding zeros, fewer than 6 of them.
    if bits >= 6 || (acc & ((1 << bits) - 1)) != 0 {
        return None;
    }
    let decoded = String::from_utf16(&units).ok()?;
    // A run must not encode characters that have a direct representation.
    if decoded.chars().any(|c| (' '..='~').contains(&c)) {
        return None;
    }
    out.push_str(&decoded);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3501_example_round_trips() {
        // RFC 3501 section 5.1.3.
        let wire = b"~peter/mail/&U,BTFw-/&ZeVnLIqe-";
        let text = "~peter/mail/\u{53f0}\u{5317}/\u{65e5}\u{672c}\u{8a9e}";
        assert_eq!(decode_modified_utf7(wire).unwrap(), text);
        assert_eq!(encode_modified_utf7(text), wire);
    }

    #[test]
    fn ampersand_and_edge_cases() {
        assert_eq!(encode_modified_utf7("A&B"), b"A&-B");
        assert_eq!(decode_modified_utf7(b"A&-B").unwrap(), "A&B");
        assert_eq!(decode_modified_utf7(b"&Jjo-!").unwrap(), "\u{263a}!");
        assert_eq!(encode_modified_utf7("\u{1F600}"), b"&2D3eAA-");
        assert_eq!(decode_modified_utf7(b"&2D3eAA-").unwrap(), "\u{1F600}");
        assert!(matches!(decode_modified_utf7(b"&Jjo"), Err(Utf7Error::Unterminated { .. })));
        assert!(matches!(decode_modified_utf7(b"&Jj!-"), Err(Utf7Error::InvalidRun { .. })));
        assert!(matches!(decode_modified_utf7("ü".as_bytes()), Err(Utf7Error::NonAscii { .. })));
        // "A" encoded in base64 has a direct representation and is refused.
        assert!(decode_modified_utf7(b"&AEE-").is_err());
    }

    #[test]
    fn inbox_is_case_insensitive() {
        assert_eq!(Mailbox::from("inbox"), Mailbox::inbox());
        assert_ne!(Mailbox::from("INBOX.Sent"), Mailbox::inbox());
    }
}

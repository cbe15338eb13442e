//! Standard base64 (RFC 4648, padded, canonical), as SASL exchanges use it:
//! the `base64` crate's standard engine, as in pop3-wire.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// Encodes bytes as padded base64.
pub(crate) fn encode(data: &[u8]) -> String {
    STANDARD.encode(data)
}

/// Decodes padded base64; `None` for anything that is not canonical
/// (wrong length, bad characters, misplaced padding, non-zero pad bits).
pub(crate) fn decode(text: &[u8]) -> Option<Vec<u8>> {
    STANDARD.decode(text).ok()
}

/// Whether `text` is non-empty canonical base64.
pub(crate) fn is_base64(text: &[u8]) -> bool {
    !text.is_empty() && decode(text).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors_and_canonical_form() {
        for (plain, enc) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foobar", "Zm9vYmFy")] {
            assert_eq!(encode(plain.as_bytes()), enc);
            assert_eq!(decode(enc.as_bytes()).unwrap(), plain.as_bytes());
        }
        assert_eq!(encode(b"\0user\0pass"), "AHVzZXIAcGFzcw==");
        assert!(decode(b"abc").is_none());
        assert!(decode(b"Zg=").is_none());
        assert!(decode(b"Zh==").is_none(), "non-zero pad bits");
        assert!(decode(b"Zg==Zg==").is_none(), "padding in the middle");
        assert!(decode(b"Z!==").is_none());
    }
}

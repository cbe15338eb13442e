//! Serde helpers: content as text when it is UTF-8 (readable JSON), else
//! as bytes.

use bytes::Bytes;
use serde::Serializer;

pub(crate) fn serialize<S: Serializer>(b: &Bytes, s: S) -> Result<S::Ok, S::Error> {
    match std::str::from_utf8(b) {
        Ok(t) => s.serialize_str(t),
        Err(_) => s.serialize_bytes(b),
    }
}

/// The same for an optional value.
pub(crate) mod option {
    use bytes::Bytes;
    use serde::Serializer;

    pub(crate) fn serialize<S: Serializer>(b: &Option<Bytes>, s: S) -> Result<S::Ok, S::Error> {
        match b {
            Some(b) => super::serialize(b, s),
            None => s.serialize_none(),
        }
    }
}

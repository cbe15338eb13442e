//! Building blocks: tags, atoms, strings and response text.

use bytes::Bytes;
use std::fmt;

use super::small_bytes::SmallBytes;
use crate::error::ValidationError;

/// `ATOM-CHAR`: any 7-bit CHAR except atom-specials (RFC 3501 section 9).
#[inline]
pub(crate) const fn is_atom_char(b: u8) -> bool {
    ATOM_CHAR[b as usize]
}

/// `ASTRING-CHAR`: an atom char or `]`.
#[inline]
pub(crate) const fn is_astring_char(b: u8) -> bool {
    b == b']' || ATOM_CHAR[b as usize]
}

/// A character allowed in a tag: `ASTRING-CHAR` except `+`.
#[inline]
pub(crate) const fn is_tag_char(b: u8) -> bool {
    b != b'+' && is_astring_char(b)
}

/// `list-char`: an atom char, a list wildcard or `]`.
#[inline]
pub(crate) const fn is_list_char(b: u8) -> bool {
    b == b'%' || b == b'*' || is_astring_char(b)
}

/// `TEXT-CHAR` plus 8-bit bytes: anything except NUL, CR and LF.
#[inline]
pub(crate) const fn is_text_byte(b: u8) -> bool {
    b != 0 && b != b'\r' && b != b'\n'
}

const ATOM_CHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0x21;
    while i < 0x7f {
        t[i] = !matches!(i as u8, b'(' | b')' | b'{' | b' ' | b'%' | b'*' | b'"' | b'\\' | b']');
        i += 1;
    }
    t
};

fn validate(bytes: &[u8], allowed: fn(u8) -> bool) -> Result<(), ValidationError> {
    if bytes.is_empty() {
        return Err(ValidationError::Empty);
    }
    match bytes.iter().position(|&b| !allowed(b)) {
        Some(offset) => Err(ValidationError::InvalidByte { byte: bytes[offset], offset }),
        None => Ok(()),
    }
}

/// Views validated ASCII bytes as `&str`.
///
/// All callers hold bytes that were validated as 7-bit ASCII, so the fallback
/// is never taken; it exists so that no code path can panic.
fn ascii_str(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or("")
}

macro_rules! ascii_newtype {
    ($(#[$doc:meta])* $name:ident, $check:expr, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(SmallBytes);

        impl $name {
            #[doc = concat!("Validates `value` as ", $what, ".")]
            pub fn new(value: impl Into<Bytes>) -> Result<Self, ValidationError> {
                let value = value.into();
                validate(&value, $check)?;
                Ok(Self(SmallBytes::compact(value)))
            }

            /// Wraps bytes the parser already validated.
            pub(crate) fn from_validated(value: SmallBytes) -> Self {
                debug_assert!(validate(&value, $check).is_ok());
                Self(value)
            }

            /// The value as a string slice (always ASCII).
            pub fn as_str(&self) -> &str {
                ascii_str(&self.0)
            }

            /// The raw bytes.
            pub fn as_bytes(&self) -> &[u8] {
                &self.0
            }

            /// The value as a [`Bytes`] (a copy for short values, which
            /// are stored inline).
            pub fn into_bytes(self) -> Bytes {
                self.0.into_bytes()
            }

            /// Case-insensitive comparison with an ASCII string.
            pub fn eq_ignore_case(&self, other: &str) -> bool {
                self.0.eq_ignore_ascii_case(other.as_bytes())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.as_str())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl TryFrom<&str> for $name {
            type Error = ValidationError;
            fn try_from(value: &str) -> Result<Self, ValidationError> {
                validate(value.as_bytes(), $check)?;
                Ok(Self(SmallBytes::copy_from_slice(value.as_bytes())))
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(value: String) -> Result<Self, ValidationError> {
                Self::new(Bytes::from(value))
            }
        }

        impl std::str::FromStr for $name {
            type Err = ValidationError;
            fn from_str(value: &str) -> Result<Self, ValidationError> {
                Self::try_from(value)
            }
        }

        #[cfg(feature = "serde")]
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        #[cfg(feature = "serde")]
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::try_from(s).map_err(serde::de::Error::custom)
            }
        }
    };
}

ascii_newtype!(
    /// A command tag: one or more `ASTRING-CHAR` except `+`.
    ///
    /// ```
    /// use imap_wire::Tag;
    /// let tag = Tag::try_from("A001").unwrap();
    /// assert_eq!(tag.as_str(), "A001");
    /// assert!(Tag::try_from("A+1").is_err());
    /// ```
    Tag,
    is_tag_char,
    "a tag"
);

ascii_newtype!(
    /// An atom: one or more `ATOM-CHAR` (no spaces, parentheses, quotes,
    /// wildcards, `{`, `]` or control characters).
    ///
    /// ```
    /// use imap_wire::Atom;
    /// assert!(Atom::try_from("$Forwarded").is_ok());
    /// assert!(Atom::try_from("two words").is_err());
    /// ```
    Atom,
    is_atom_char,
    "an atom"
);

impl Atom {
    /// A flag keyword with a `]` in it, as Gmail sends some (a quirk the
    /// response parser accepts in flag lists; the parser checked every
    /// other byte).
    pub(crate) fn keyword_with_bracket(value: SmallBytes) -> Atom {
        debug_assert!(value.iter().all(|&b| is_atom_char(b) || b == b']'));
        Atom(value)
    }
}

/// The content of an IMAP string (atom, quoted string or literal on the wire).
///
/// The wire form is not kept: the serializer picks the form the content needs.
/// Short content (up to 23 bytes) is stored inline. Literal data is always
/// a slice of the receive buffer (never copied); so are other long strings
/// of messages longer than 256 bytes, while a long string in a short
/// message is copied (the message is parsed in place and the buffer
/// reused). Cloning is cheap either way.
///
/// ```
/// use imap_wire::IString;
/// let s = IString::from("Hello");
/// assert_eq!(s.as_str(), Some("Hello"));
/// assert_eq!(&s[..], b"Hello");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct IString(pub(crate) SmallBytes);

impl IString {
    /// The content as a [`Bytes`]: shares the buffer of long content and
    /// literals, copies short inline content.
    pub fn into_bytes(self) -> Bytes {
        self.0.into_bytes()
    }

    /// The content as UTF-8, if it is valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    /// The content as UTF-8 with invalid sequences replaced.
    pub fn to_string_lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }

    /// Whether the content is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Case-insensitive comparison with an ASCII string.
    pub fn eq_ignore_case(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other.as_bytes())
    }
}

impl std::ops::Deref for IString {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for IString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_str() {
            Some(s) => write!(f, "{s:?}"),
            None => write!(f, "b{:?}", self.to_string_lossy()),
        }
    }
}

impl From<&str> for IString {
    fn from(s: &str) -> Self {
        IString(SmallBytes::copy_from_slice(s.as_bytes()))
    }
}
impl From<String> for IString {
    fn from(s: String) -> Self {
        IString::from(s.into_bytes())
    }
}
impl From<&[u8]> for IString {
    fn from(s: &[u8]) -> Self {
        IString(SmallBytes::copy_from_slice(s))
    }
}
impl From<Vec<u8>> for IString {
    fn from(s: Vec<u8>) -> Self {
        if s.len() <= super::small_bytes::INLINE {
            IString(SmallBytes::copy_from_slice(&s))
        } else {
            IString(SmallBytes::from(Bytes::from(s)))
        }
    }
}
impl From<Bytes> for IString {
    /// Keeps the buffer (no copy).
    fn from(s: Bytes) -> Self {
        IString(SmallBytes::from(s))
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for IString {
    /// Valid UTF-8 serializes as a string, anything else as a byte sequence.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.as_str() {
            Some(text) => s.serialize_str(text),
            None => s.serialize_bytes(&self.0),
        }
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for IString {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = IString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a byte sequence")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<IString, E> {
                Ok(IString::from(v))
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<IString, E> {
                Ok(IString::from(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<IString, A::Error> {
                let mut out = Vec::new();
                while let Some(b) = a.next_element::<u8>()? {
                    out.push(b);
                }
                Ok(IString::from(out))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// Human-readable response text (`text` in RFC 3501): no CR, LF or NUL.
///
/// Empty text is allowed (IMAP4rev2 made it optional and real servers omit
/// it); 8-bit bytes are kept as received.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Text(SmallBytes);

impl Text {
    /// Validates response text: any bytes except NUL, CR and LF.
    pub fn new(value: impl Into<Bytes>) -> Result<Self, ValidationError> {
        let value = value.into();
        if let Some(offset) = value.iter().position(|&b| !is_text_byte(b)) {
            return Err(ValidationError::InvalidByte { byte: value[offset], offset });
        }
        Ok(Text(SmallBytes::compact(value)))
    }

    pub(crate) fn from_validated(value: SmallBytes) -> Self {
        Text(value)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The text as UTF-8 with invalid sequences replaced.
    pub fn to_string_lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Text({:?})", self.to_string_lossy())
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_lossy())
    }
}

impl TryFrom<&str> for Text {
    type Error = ValidationError;
    fn try_from(value: &str) -> Result<Self, ValidationError> {
        if let Some(offset) = value.bytes().position(|b| !is_text_byte(b)) {
            return Err(ValidationError::InvalidByte { byte: value.as_bytes()[offset], offset });
        }
        Ok(Text(SmallBytes::copy_from_slice(value.as_bytes())))
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string_lossy())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Text::new(Bytes::from(s)).map_err(serde::de::Error::custom)
    }
}

/// The raw argument bytes of a command or response this crate does not
/// model. They can only come from the parser, or from
/// [`RawArguments::new`], which refuses line breaks, so they always
/// serialize validly.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct RawArguments(pub(crate) Bytes);

impl RawArguments {
    /// Raw arguments without CR, LF or NUL (so without literals), not
    /// ending in `}` (which would read as a literal announcement).
    pub fn new(bytes: impl Into<Bytes>) -> Result<RawArguments, crate::ValidationError> {
        let bytes = bytes.into();
        if let Some(offset) = bytes.iter().position(|&b| b == b'\r' || b == b'\n' || b == 0) {
            return Err(crate::ValidationError::InvalidByte { byte: bytes[offset], offset });
        }
        if bytes.last() == Some(&b'}') {
            return Err(crate::ValidationError::InvalidByte { byte: b'}', offset: bytes.len() - 1 });
        }
        Ok(RawArguments(bytes))
    }
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for RawArguments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RawArguments({:?})", String::from_utf8_lossy(&self.0))
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for RawArguments {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        IString::from(self.0.clone()).serialize(s)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for RawArguments {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = IString::deserialize(d)?;
        RawArguments::new(s.into_bytes()).map_err(serde::de::Error::custom)
    }
}

/// The raw bytes of one value in the generic IMAP syntax (atom, number,
/// NIL, string or parenthesised list), as received.
///
/// It can only be built by parsing, so it always serializes validly.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RawValue(pub(crate) Bytes);

impl RawValue {
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for RawValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RawValue({:?})", String::from_utf8_lossy(&self.0))
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for RawValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        IString::from(self.0.clone()).serialize(s)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for RawValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = IString::deserialize(d)?;
        RawValue::parse(s.into_bytes()).map_err(serde::de::Error::custom)
    }
}

/// A command modifier or parameter in the RFC 4466 form `name [SP value]`:
/// select parameters (`CONDSTORE`, `QRESYNC (...)`), fetch modifiers
/// (`CHANGEDSINCE n`, `VANISHED`), store modifiers (`UNCHANGEDSINCE n`).
///
/// ```
/// use imap_wire::Modifier;
/// let m = Modifier::with_number("CHANGEDSINCE", 12).unwrap();
/// assert_eq!(m.number(), Some(12));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Modifier {
    /// The name, e.g. `CHANGEDSINCE`.
    pub name: Atom,
    /// The value: a number, sequence set or parenthesised list.
    pub value: Option<RawValue>,
}

impl Modifier {
    /// A modifier without a value, e.g. `CONDSTORE`.
    pub fn flag(name: &str) -> Result<Modifier, ValidationError> {
        Ok(Modifier { name: Self::label(name)?, value: None })
    }

    /// A modifier with a number, e.g. `CHANGEDSINCE 12`.
    pub fn with_number(name: &str, n: u64) -> Result<Modifier, ValidationError> {
        let value = RawValue(Bytes::from(n.to_string()));
        Ok(Modifier { name: Self::label(name)?, value: Some(value) })
    }

    /// `tagged-ext-label` (RFC 4466): an atom starting with a letter, `-`,
    /// `_` or `.`.
    fn label(name: &str) -> Result<Atom, ValidationError> {
        match name.as_bytes().first() {
            Some(b'a'..=b'z' | b'A'..=b'Z' | b'-' | b'_' | b'.') => Atom::try_from(name),
            Some(&byte) => Err(ValidationError::InvalidByte { byte, offset: 0 }),
            None => Err(ValidationError::Empty),
        }
    }

    /// The value as a number, when it is one.
    pub fn number(&self) -> Option<u64> {
        let v = self.value.as_ref()?;
        std::str::from_utf8(v.as_bytes()).ok()?.parse().ok()
    }
}

/// The field-value pairs of ID (RFC 2971), in either direction: `None`
/// for NIL, `Some` of an empty list for `()`; a value is `None` for NIL.
pub type IdParameters = Option<Vec<(IString, Option<IString>)>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atom_chars_follow_rfc3501() {
        for b in [b'(', b')', b'{', b' ', b'%', b'*', b'"', b'\\', b']', 0x7f, 0x00, 0x80] {
            assert!(!is_atom_char(b), "{b:#x} must not be an atom char");
        }
        for b in [b'a', b'Z', b'0', b'$', b'.', b'[', b'+', b'-', b'}', b'~'] {
            assert!(is_atom_char(b), "{b:#x} must be an atom char");
        }
        assert!(is_astring_char(b']'));
        assert!(!is_tag_char(b'+'));
        assert!(is_list_char(b'%') && is_list_char(b'*'));
    }

    #[test]
    fn newtypes_reject_invalid_values() {
        assert_eq!(Tag::try_from(""), Err(ValidationError::Empty));
        assert_eq!(Atom::try_from("a b"), Err(ValidationError::InvalidByte { byte: b' ', offset: 1 }));
        assert!(Text::try_from("line\r\nbreak").is_err());
        assert!(Text::try_from("").is_ok());
    }
}

//! Byte storage for parsed tokens: short content inline, long content as a
//! shared slice of the receive buffer.
//!
//! Most strings in IMAP traffic are short (flag names, address parts, body
//! types, dates, mailbox names). Sharing each of them with the receive
//! buffer costs an atomic reference-count increment on creation and a
//! decrement on drop; copying up to [`INLINE`] bytes into the value costs
//! less and leaves the buffer free as soon as the long parts are dropped.
//! The value keeps the size of a `Bytes`: larger values cost more in every
//! move of the structures that hold them.
//! Long content, literal data in particular, stays a zero-copy [`Bytes`]
//! slice.

use bytes::Bytes;
use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

/// Content up to this many bytes is stored inline. The value stays the
/// size of a `Bytes` (32 bytes): 23 bytes of content, a length byte, and
/// the enum tag folded into the `Bytes` vtable pointer.
pub(crate) const INLINE: usize = 23;

/// Bytes stored inline when short, shared when long. Compares, orders and
/// hashes by content only.
#[derive(Clone)]
pub(crate) enum SmallBytes {
    /// `words[..len]` is the content, with the length in the last byte.
    /// Built and moved as three 8-byte words: writing it byte by byte and
    /// reading it back by words would stall store forwarding.
    Inline([u8; INLINE + 1]),
    /// A shared buffer (any length).
    Shared(Bytes),
}

/// Three words of content with the length in the last byte.
#[inline]
fn inline_words(content: &[u8; INLINE + 1], len: usize) -> [u8; INLINE + 1] {
    let word = |i: usize| {
        let mut w = [0; 8];
        w.copy_from_slice(&content[i * 8..i * 8 + 8]);
        u64::from_le_bytes(w)
    };
    let last = (word(2) & !(0xff << 56)) | ((len as u64) << 56);
    let mut out = [0; INLINE + 1];
    out[..8].copy_from_slice(&word(0).to_le_bytes());
    out[8..16].copy_from_slice(&word(1).to_le_bytes());
    out[16..].copy_from_slice(&last.to_le_bytes());
    out
}

/// `window[by..]` moved to the front, computed on three words.
#[inline]
fn shift_down(window: &[u8; INLINE + 1], by: usize) -> [u8; INLINE + 1] {
    let word = |i: usize| {
        let mut w = [0; 8];
        w.copy_from_slice(&window[i * 8..i * 8 + 8]);
        u64::from_le_bytes(w)
    };
    let words = [word(0), word(1), word(2)];
    let (skip, bits) = (by / 8, (by % 8) * 8);
    let at = |i: usize| words.get(i).copied().unwrap_or(0);
    let out_word = |i: usize| {
        let lo = at(i + skip) >> bits;
        let hi = if bits == 0 { 0 } else { at(i + skip + 1) << (64 - bits) };
        lo | hi
    };
    let mut out = [0; INLINE + 1];
    out[..8].copy_from_slice(&out_word(0).to_le_bytes());
    out[8..16].copy_from_slice(&out_word(1).to_le_bytes());
    out[16..].copy_from_slice(&out_word(2).to_le_bytes());
    out
}

impl SmallBytes {
    /// No bytes.
    pub(crate) const EMPTY: SmallBytes = SmallBytes::Inline([0; INLINE + 1]);

    /// Copies `bytes`: inline when short, into a new shared buffer when long.
    #[inline]
    pub(crate) fn copy_from_slice(bytes: &[u8]) -> SmallBytes {
        if bytes.len() <= INLINE {
            let mut content = [0; INLINE + 1];
            content[..bytes.len()].copy_from_slice(bytes);
            SmallBytes::Inline(inline_words(&content, bytes.len()))
        } else {
            SmallBytes::Shared(Bytes::copy_from_slice(bytes))
        }
    }

    /// Short content copied inline (the buffer is released), long content
    /// kept as it is.
    #[inline]
    pub(crate) fn compact(bytes: Bytes) -> SmallBytes {
        if bytes.len() <= INLINE {
            SmallBytes::copy_from_slice(&bytes)
        } else {
            SmallBytes::Shared(bytes)
        }
    }

    /// `src[start..end]`: copied inline when short; when long, the `Bytes`
    /// that `long` returns (a shared slice). The caller guarantees
    /// `start <= end <= src.len()`.
    #[inline(always)]
    pub(crate) fn slice_of(src: &[u8], start: usize, end: usize, long: impl FnOnce() -> Bytes) -> SmallBytes {
        let len = end - start;
        // The common case, inlined so that the value is built in registers:
        // a fixed-size copy of the bytes at `start` (three word loads); the
        // bytes past `len` are never read (comparison and hashing look at
        // the content only).
        if len <= INLINE {
            if let Some(window) = src.get(start..start + INLINE + 1).and_then(|w| <&[u8; INLINE + 1]>::try_from(w).ok())
            {
                return SmallBytes::Inline(inline_words(window, len));
            }
            return SmallBytes::near_end(src, start, end);
        }
        SmallBytes::shared(long)
    }

    /// Long content: out of line, to keep the inlined part small.
    #[inline(never)]
    fn shared(long: impl FnOnce() -> Bytes) -> SmallBytes {
        SmallBytes::Shared(long())
    }

    /// Short content near the end of the buffer (a mailbox name at the end
    /// of a LIST line): the 24 bytes that end at `end`, shifted down in
    /// registers.
    #[inline(never)]
    fn near_end(src: &[u8], start: usize, end: usize) -> SmallBytes {
        let len = end - start;
        if let Some(window) = end.checked_sub(INLINE + 1).and_then(|s| src.get(s..end)) {
            if let Ok(window) = <&[u8; INLINE + 1]>::try_from(window) {
                return SmallBytes::Inline(inline_words(&shift_down(window, INLINE + 1 - len), len));
            }
        }
        SmallBytes::copy_from_slice(&src[start..end])
    }

    /// The content.
    #[inline]
    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            SmallBytes::Inline(words) => words.get(..words[INLINE] as usize).unwrap_or(&[]),
            SmallBytes::Shared(bytes) => bytes,
        }
    }

    /// The content as a `Bytes`, without a copy when shared.
    pub(crate) fn into_bytes(self) -> Bytes {
        match self {
            SmallBytes::Inline(_) => Bytes::copy_from_slice(self.as_slice()),
            SmallBytes::Shared(bytes) => bytes,
        }
    }
}

impl From<Bytes> for SmallBytes {
    /// Keeps the buffer as it is (no copy).
    #[inline]
    fn from(bytes: Bytes) -> SmallBytes {
        SmallBytes::Shared(bytes)
    }
}

impl Default for SmallBytes {
    fn default() -> SmallBytes {
        SmallBytes::EMPTY
    }
}

impl std::ops::Deref for SmallBytes {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl PartialEq for SmallBytes {
    #[inline]
    fn eq(&self, other: &SmallBytes) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for SmallBytes {}

impl PartialOrd for SmallBytes {
    fn partial_cmp(&self, other: &SmallBytes) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SmallBytes {
    fn cmp(&self, other: &SmallBytes) -> Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

impl Hash for SmallBytes {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state)
    }
}

impl std::fmt::Debug for SmallBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_slice()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(src: &Bytes, start: usize, end: usize) -> SmallBytes {
        SmallBytes::slice_of(src, start, end, || src.slice(start..end))
    }

    #[test]
    fn short_content_is_inline_and_long_content_shared() {
        let src = Bytes::from(vec![b'x'; 200]);
        for len in [0, 1, INLINE - 1, INLINE] {
            let s = slice(&src, 5, 5 + len);
            assert!(matches!(s, SmallBytes::Inline(_)), "{len} bytes");
            assert_eq!(s.as_slice(), &src[5..5 + len]);
        }
        let long = slice(&src, 5, 6 + INLINE);
        match &long {
            SmallBytes::Shared(b) => assert_eq!(b.as_ptr(), src[5..].as_ptr(), "long content is not copied"),
            SmallBytes::Inline(_) => panic!("long content stored inline"),
        }
    }

    #[test]
    fn slices_ending_near_the_end_of_the_buffer() {
        let src = Bytes::from_static(b"* LIST (\\HasNoChildren) \"/\" Archive/2013/05\r\n");
        let text = &src[..];
        for start in 0..text.len() {
            for end in start..=text.len().min(start + INLINE) {
                assert_eq!(slice(&src, start, end).as_slice(), &text[start..end], "{start}..{end}");
            }
        }
    }

    #[test]
    fn slices_near_the_end_of_the_buffer_copy_exactly() {
        let src = Bytes::from_static(b"abc\"def\"");
        let s = slice(&src, 4, 7);
        assert_eq!(s.as_slice(), b"def");
        assert_eq!(slice(&src, 8, 8).as_slice(), b"");
    }

    #[test]
    fn equality_order_and_hash_ignore_the_storage() {
        use std::collections::hash_map::DefaultHasher;
        let shared = SmallBytes::from(Bytes::from_static(b"INBOX"));
        let inline = SmallBytes::copy_from_slice(b"INBOX");
        assert_eq!(shared, inline);
        assert_eq!(shared.cmp(&inline), Ordering::Equal);
        let hash = |s: &SmallBytes| {
            let mut h = DefaultHasher::new();
            s.hash(&mut h);
            h.finish()
        };
        assert_eq!(hash(&shared), hash(&inline));
        // Bytes past the length do not take part.
        let src = Bytes::from_static(b"INBOX and more text after it, beyond forty bytes");
        assert_eq!(slice(&src, 0, 5), inline);
    }
}

//! Flags: `flag`, `flag-list`, `flag-fetch`, `flag-perm` (RFC 3501 section 9),
//! and the mailbox attributes of LIST (`mbx-list-flags`, RFC 5258, RFC 6154).

use super::{Encode, Encoder};
use crate::types::*;

impl Encode for Flag {
    fn encode(&self, e: &mut Encoder<'_>) {
        match self {
            Flag::Answered => e.raw(b"\\Answered"),
            Flag::Flagged => e.raw(b"\\Flagged"),
            Flag::Deleted => e.raw(b"\\Deleted"),
            Flag::Seen => e.raw(b"\\Seen"),
            Flag::Draft => e.raw(b"\\Draft"),
            Flag::Keyword(a) => e.raw(a.as_bytes()),
            Flag::Extension(a) => {
                e.byte(b'\\');
                e.raw(a.as_bytes());
            }
        }
    }
}

impl Encode for FlagFetch {
    fn encode(&self, e: &mut Encoder<'_>) {
        match self {
            FlagFetch::Flag(f) => f.encode(e),
            FlagFetch::Recent => e.raw(b"\\Recent"),
        }
    }
}

impl Encode for FlagPerm {
    fn encode(&self, e: &mut Encoder<'_>) {
        match self {
            FlagPerm::Flag(f) => f.encode(e),
            FlagPerm::AnyKeyword => e.raw(b"\\*"),
        }
    }
}

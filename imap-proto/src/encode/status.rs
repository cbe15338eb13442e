//! STATUS: `status-att` and `status-att-list`.

use super::{Encode, Encoder};
use crate::types::*;

impl Encode for StatusAttribute {
    fn encode(&self, e: &mut Encoder<'_>) {
        e.raw(match self {
            StatusAttribute::Messages => b"MESSAGES",
            StatusAttribute::Recent => b"RECENT",
            StatusAttribute::UidNext => b"UIDNEXT",
            StatusAttribute::UidValidity => b"UIDVALIDITY",
            StatusAttribute::Unseen => b"UNSEEN",
            StatusAttribute::HighestModSeq => b"HIGHESTMODSEQ",
            StatusAttribute::Size => b"SIZE",
            StatusAttribute::Deleted => b"DELETED",
            StatusAttribute::Other(a) => a.as_bytes(),
        });
    }
}

//! STATUS: `status-att` and `status-att-list`.

use super::{PResult, Parser};
use crate::types::*;

impl<'a> Parser<'a> {
    /// `status-att`
    ///
    /// ```text
    /// status-att      = "MESSAGES" / "RECENT" / "UIDNEXT" / "UIDVALIDITY" /
    ///                   "UNSEEN"
    /// ```
    pub(crate) fn status_attribute(&mut self) -> PResult<StatusAttribute> {
        let a = self.atom()?;
        let b = a.as_bytes();
        let is = |kw: &[u8]| b.eq_ignore_ascii_case(kw);
        Ok(if is(b"MESSAGES") {
            StatusAttribute::Messages
        } else if is(b"RECENT") {
            StatusAttribute::Recent
        } else if is(b"UIDNEXT") {
            StatusAttribute::UidNext
        } else if is(b"UIDVALIDITY") {
            StatusAttribute::UidValidity
        } else if is(b"UNSEEN") {
            StatusAttribute::Unseen
        } else if is(b"HIGHESTMODSEQ") {
            StatusAttribute::HighestModSeq
        } else if is(b"SIZE") {
            StatusAttribute::Size
        } else if is(b"DELETED") {
            StatusAttribute::Deleted
        } else {
            StatusAttribute::Other(a)
        })
    }
}

//! STATUS: the attributes a client asks for and the values a server
//! answers (`status-att`, `status-att-list`).

use super::core::Atom;

/// A STATUS request attribute (`status-att`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum StatusAttribute {
    /// `MESSAGES`
    Messages,
    /// `RECENT`
    Recent,
    /// `UIDNEXT`
    UidNext,
    /// `UIDVALIDITY`
    UidValidity,
    /// `UNSEEN`
    Unseen,
    /// `HIGHESTMODSEQ` (RFC 7162)
    HighestModSeq,
    /// `SIZE` (RFC 8438)
    Size,
    /// `DELETED` (IMAP4rev2)
    Deleted,
    /// Any other attribute.
    Other(Atom),
}

/// A STATUS response item (`status-att SP number`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StatusItem {
    /// The attribute.
    pub attribute: StatusAttribute,
    /// Its value (64-bit for HIGHESTMODSEQ and SIZE).
    pub value: u64,
}

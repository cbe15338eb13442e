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
    /// `MAILBOXID` (RFC 8474)
    MailboxId,
    /// `APPENDLIMIT` (RFC 7889)
    AppendLimit,
    /// Any other attribute.
    Other(Atom),
}

impl StatusAttribute {
    /// The attribute named `name` (case-insensitive), for the names with
    /// a variant: the keyword table of `status-att`, with
    /// [`StatusAttribute::name`] its other direction.
    ///
    /// ```
    /// use imap_wire::StatusAttribute;
    /// assert_eq!(StatusAttribute::known(b"uidnext"), Some(StatusAttribute::UidNext));
    /// assert_eq!(StatusAttribute::known(b"X-GUID"), None);
    /// ```
    pub fn known(name: &[u8]) -> Option<StatusAttribute> {
        use StatusAttribute::*;
        [Messages, Recent, UidNext, UidValidity, Unseen, HighestModSeq, Size, Deleted, MailboxId, AppendLimit]
            .into_iter()
            .find(|a| name.eq_ignore_ascii_case(a.name().as_bytes()))
    }

    /// The attribute's name on the wire.
    pub fn name(&self) -> &str {
        match self {
            StatusAttribute::Messages => "MESSAGES",
            StatusAttribute::Recent => "RECENT",
            StatusAttribute::UidNext => "UIDNEXT",
            StatusAttribute::UidValidity => "UIDVALIDITY",
            StatusAttribute::Unseen => "UNSEEN",
            StatusAttribute::HighestModSeq => "HIGHESTMODSEQ",
            StatusAttribute::Size => "SIZE",
            StatusAttribute::Deleted => "DELETED",
            StatusAttribute::MailboxId => "MAILBOXID",
            StatusAttribute::AppendLimit => "APPENDLIMIT",
            StatusAttribute::Other(a) => a.as_str(),
        }
    }
}

/// A STATUS response item (`status-att-val`).
///
/// ```
/// use imap_wire::{StatusAttribute, StatusItem};
/// let item = StatusItem::number(StatusAttribute::Messages, 231);
/// assert_eq!(item.value.as_number(), Some(231));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StatusItem {
    /// The attribute.
    pub attribute: StatusAttribute,
    /// Its value.
    pub value: StatusValue,
}

impl StatusItem {
    /// An item with a number, the usual kind.
    pub fn number(attribute: StatusAttribute, n: u64) -> StatusItem {
        StatusItem { attribute, value: StatusValue::Number(n) }
    }
}

/// The value of a STATUS item.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum StatusValue {
    /// A number (64-bit for HIGHESTMODSEQ and SIZE).
    Number(u64),
    /// `NIL`, e.g. `APPENDLIMIT NIL`: no limit (RFC 7889).
    Nil,
    /// `(id)`: `MAILBOXID (F2212ea87...)` (RFC 8474).
    ObjectId(super::search::ObjectId),
    /// Any other value, kept as sent.
    Other(super::core::RawValue),
}

impl StatusValue {
    /// The number, when the value is one.
    pub fn as_number(&self) -> Option<u64> {
        match self {
            StatusValue::Number(n) => Some(*n),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_attribute_reads_back_from_its_name() {
        use StatusAttribute::*;
        for attribute in
            [Messages, Recent, UidNext, UidValidity, Unseen, HighestModSeq, Size, Deleted, MailboxId, AppendLimit]
        {
            // Fails to compile when a variant is added without a line here.
            match &attribute {
                Messages | Recent | UidNext | UidValidity | Unseen | HighestModSeq | Size | Deleted | MailboxId
                | AppendLimit => {}
                Other(_) => unreachable!(),
            }
            let name = attribute.name();
            assert_eq!(StatusAttribute::known(name.as_bytes()), Some(attribute.clone()), "{name}");
            assert_eq!(StatusAttribute::known(name.to_ascii_lowercase().as_bytes()), Some(attribute));
        }
        assert_eq!(StatusAttribute::known(b"X-GUID"), None);
    }
}

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

impl StatusAttribute {
    /// The attribute named `name` (case-insensitive), for the names with
    /// a variant: the keyword table of `status-att`, with
    /// [`StatusAttribute::name`] its other direction.
    ///
    /// ```
    /// use imap_proto::StatusAttribute;
    /// assert_eq!(StatusAttribute::known(b"uidnext"), Some(StatusAttribute::UidNext));
    /// assert_eq!(StatusAttribute::known(b"X-GUID"), None);
    /// ```
    pub fn known(name: &[u8]) -> Option<StatusAttribute> {
        use StatusAttribute::*;
        [Messages, Recent, UidNext, UidValidity, Unseen, HighestModSeq, Size, Deleted]
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
            StatusAttribute::Other(a) => a.as_str(),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_attribute_reads_back_from_its_name() {
        use StatusAttribute::*;
        for attribute in [Messages, Recent, UidNext, UidValidity, Unseen, HighestModSeq, Size, Deleted] {
            // Fails to compile when a variant is added without a line here.
            match &attribute {
                Messages | Recent | UidNext | UidValidity | Unseen | HighestModSeq | Size | Deleted => {}
                Other(_) => unreachable!(),
            }
            let name = attribute.name();
            assert_eq!(StatusAttribute::known(name.as_bytes()), Some(attribute.clone()), "{name}");
            assert_eq!(StatusAttribute::known(name.to_ascii_lowercase().as_bytes()), Some(attribute));
        }
        assert_eq!(StatusAttribute::known(b"X-GUID"), None);
    }
}

//! METADATA (RFC 5464): server and mailbox annotations.

use super::core::IString;
use super::core::Modifier;

/// A GETMETADATA option (RFC 5464 `getmetadata-option`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum MetadataOption {
    /// `MAXSIZE n`: leave out values longer than `n` octets.
    MaxSize(u32),
    /// `DEPTH 0/1/infinity`: how far below each entry to look.
    Depth(MetadataDepth),
    /// Any other option, kept as sent.
    Other(Modifier),
}

/// The DEPTH of a GETMETADATA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum MetadataDepth {
    /// `0`: the entries themselves.
    Zero,
    /// `1`: and their immediate children.
    One,
    /// `infinity`: and everything below.
    Infinity,
}

/// What a METADATA response carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum MetadataEntries {
    /// `(entry value ...)`: entries and their values (`None` for NIL),
    /// the answer to GETMETADATA.
    Values(Vec<(IString, Option<IString>)>),
    /// `entry ...`: entries that changed, unsolicited.
    Changed(Vec<IString>),
}

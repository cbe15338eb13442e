//! ENVELOPE and BODY / BODYSTRUCTURE (RFC 3501 section 7.4.2).

use super::core::IString;

/// A nullable string (`nstring`): `None` is `NIL`.
pub type NString = Option<IString>;

/// The parsed header summary of a message (`envelope`).
///
/// Address lists are empty where the server sent `NIL`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Envelope {
    /// `Date:` header, unparsed.
    pub date: NString,
    /// `Subject:` header, unparsed (encoded words are not decoded).
    pub subject: NString,
    /// `From:`
    pub from: Vec<Address>,
    /// `Sender:`
    pub sender: Vec<Address>,
    /// `Reply-To:`
    pub reply_to: Vec<Address>,
    /// `To:`
    pub to: Vec<Address>,
    /// `Cc:`
    pub cc: Vec<Address>,
    /// `Bcc:`
    pub bcc: Vec<Address>,
    /// `In-Reply-To:`
    pub in_reply_to: NString,
    /// `Message-ID:`
    pub message_id: NString,
}

/// One element of an address list (`address`).
///
/// RFC 822 group syntax appears as a start marker (`host` NIL, `mailbox`
/// the group name) and an end marker (`host` and `mailbox` NIL); see
/// [`Address::is_group_start`] and [`Address::is_group_end`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Address {
    /// Display name (`addr-name`).
    pub name: NString,
    /// Source route (`addr-adl`).
    pub adl: NString,
    /// Local part, or group name (`addr-mailbox`).
    pub mailbox: NString,
    /// Domain (`addr-host`); NIL marks group syntax.
    pub host: NString,
}

impl Address {
    /// Whether this element opens an RFC 822 group.
    pub fn is_group_start(&self) -> bool {
        self.host.is_none() && self.mailbox.is_some()
    }
    /// Whether this element closes an RFC 822 group.
    pub fn is_group_end(&self) -> bool {
        self.host.is_none() && self.mailbox.is_none()
    }
}

/// A `body-fld-param` attribute/value pair.
pub type BodyParameter = (IString, IString);

/// A body structure (`body`): one part or a multipart.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum BodyStructure {
    /// A non-multipart body (`body-type-1part`).
    Single {
        /// Type-specific fields.
        body: SinglePart,
        /// Extension data (BODYSTRUCTURE only).
        extension: Option<SinglePartExtension>,
    },
    /// A multipart body (`body-type-mpart`).
    Multi {
        /// The parts, at least one.
        parts: Vec<BodyStructure>,
        /// The multipart subtype, e.g. `MIXED`.
        subtype: IString,
        /// Extension data (BODYSTRUCTURE only).
        extension: Option<MultiPartExtension>,
    },
}

/// A non-multipart body part.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SinglePart {
    /// Media type and the fields that depend on it.
    pub kind: SinglePartKind,
    /// The fields every part has.
    pub fields: BodyFields,
}

/// What distinguishes the three single-part forms.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum SinglePartKind {
    /// `body-type-basic`: any type except TEXT/* and MESSAGE/RFC822.
    Basic {
        /// Media type, e.g. `APPLICATION`.
        media_type: IString,
        /// Media subtype, e.g. `PDF`.
        subtype: IString,
    },
    /// `body-type-text`: TEXT/*.
    Text {
        /// Media subtype, e.g. `PLAIN`.
        subtype: IString,
        /// Size in lines.
        lines: u32,
    },
    /// `body-type-msg`: MESSAGE/RFC822 (and MESSAGE/GLOBAL, RFC 6532).
    Message {
        /// Media subtype (`RFC822` or `GLOBAL`).
        subtype: IString,
        /// The encapsulated message's envelope.
        envelope: Box<Envelope>,
        /// The encapsulated message's body.
        body: Box<BodyStructure>,
        /// Size in lines.
        lines: u32,
    },
}

/// `body-fields`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BodyFields {
    /// Content-Type parameters (empty for NIL).
    pub parameters: Vec<BodyParameter>,
    /// Content-ID.
    pub id: NString,
    /// Content-Description.
    pub description: NString,
    /// Content-Transfer-Encoding (empty when a server sent NIL).
    pub encoding: IString,
    /// Size in octets.
    pub octets: u32,
}

/// Extension data of a single part (`body-ext-1part`). Each `tail` is
/// present only when the server sent the fields after it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SinglePartExtension {
    /// Content-MD5.
    pub md5: NString,
    /// Disposition and what follows.
    pub tail: Option<DispositionExtension>,
}

/// Extension data of a multipart (`body-ext-mpart`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MultiPartExtension {
    /// Content-Type parameters of the multipart.
    pub parameters: Vec<BodyParameter>,
    /// Disposition and what follows.
    pub tail: Option<DispositionExtension>,
}

/// `body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct DispositionExtension {
    /// Content-Disposition, `None` for NIL.
    pub disposition: Option<Disposition>,
    /// Language and what follows.
    pub tail: Option<LanguageExtension>,
}

/// `body-fld-lang [SP body-fld-loc *(SP body-extension)]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LanguageExtension {
    /// Content-Language tags (empty for NIL).
    pub languages: Vec<IString>,
    /// Location and further extensions.
    pub tail: Option<LocationExtension>,
}

/// `body-fld-loc *(SP body-extension)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LocationExtension {
    /// Content-Location.
    pub location: NString,
    /// Future extension data, kept as parsed.
    pub extensions: Vec<BodyExtension>,
}

/// `body-fld-dsp`: `("attachment" ("filename" "a.pdf"))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Disposition {
    /// Disposition type, e.g. `attachment`.
    pub kind: IString,
    /// Parameters (empty for NIL).
    pub parameters: Vec<BodyParameter>,
}

/// `body-extension`: future extension data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum BodyExtension {
    /// A string or NIL.
    NString(NString),
    /// A number.
    Number(u32),
    /// A parenthesised list, non-empty (an empty one is written as NIL).
    List(Vec<BodyExtension>),
}

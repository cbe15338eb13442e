//! Builders for what a FETCH asks and what a SEARCH looks for, from Rust
//! values: no IMAP syntax in user code.

use imap_wire::{Atom, Date, FetchAttribute, IString, SearchKey, Section, SectionText, SequenceSet};

use crate::Error;

/// The items a FETCH asks for, named as methods. Sections are read with
/// `.PEEK` (they leave `\Seen` alone) unless [`Items::mark_seen`] says
/// otherwise.
///
/// ```
/// use mail_codec::imap_ops::Items;
/// use mail_codec::imap_wire::FetchAttribute;
///
/// let items = Items::new().uid().flags().envelope().header_fields(["From", "List-Id"]);
/// let attributes: Vec<FetchAttribute> = items.into_iter().collect();
/// assert_eq!(attributes.len(), 4);
/// assert_eq!(attributes[..3], [FetchAttribute::Uid, FetchAttribute::Flags, FetchAttribute::Envelope]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Items {
    attributes: Vec<FetchAttribute>,
    mark_seen: bool,
}

impl Items {
    /// Nothing yet.
    pub fn new() -> Items {
        Items::default()
    }

    fn with(mut self, attribute: FetchAttribute) -> Items {
        if !self.attributes.contains(&attribute) {
            self.attributes.push(attribute);
        }
        self
    }

    /// `UID`.
    pub fn uid(self) -> Items {
        self.with(FetchAttribute::Uid)
    }

    /// `FLAGS`.
    pub fn flags(self) -> Items {
        self.with(FetchAttribute::Flags)
    }

    /// `ENVELOPE`: date, subject, addresses, message-id.
    pub fn envelope(self) -> Items {
        self.with(FetchAttribute::Envelope)
    }

    /// `BODYSTRUCTURE`: the MIME tree.
    pub fn body_structure(self) -> Items {
        self.with(FetchAttribute::BodyStructure)
    }

    /// `RFC822.SIZE`.
    pub fn size(self) -> Items {
        self.with(FetchAttribute::Rfc822Size)
    }

    /// `INTERNALDATE`: when the server received it.
    pub fn internal_date(self) -> Items {
        self.with(FetchAttribute::InternalDate)
    }

    /// `MODSEQ` (CONDSTORE, RFC 7162).
    pub fn modseq(self) -> Items {
        self.with(FetchAttribute::ModSeq)
    }

    /// A section: [`crate::Message::section`] reads it back.
    pub fn section(self, section: Section) -> Items {
        self.with(FetchAttribute::BodySection { peek: true, section, partial: None })
    }

    /// The whole message (`BODY.PEEK[]`; [`crate::Message::body`]).
    pub fn whole_message(self) -> Items {
        self.section(Section::default())
    }

    /// The header (`BODY.PEEK[HEADER]`; [`crate::Message::header`]).
    pub fn header(self) -> Items {
        self.section(Section { part: Vec::new(), text: Some(SectionText::Header) })
    }

    /// Only these header fields (`BODY.PEEK[HEADER.FIELDS (...)]`). An
    /// empty list asks for nothing.
    pub fn header_fields<'f>(self, fields: impl IntoIterator<Item = &'f str>) -> Items {
        let fields: Vec<IString> = fields.into_iter().map(IString::from).collect();
        if fields.is_empty() {
            return self;
        }
        self.section(Section { part: Vec::new(), text: Some(SectionText::HeaderFields { not: false, fields }) })
    }

    /// The body without the header (`BODY.PEEK[TEXT]`).
    pub fn text(self) -> Items {
        self.section(Section { part: Vec::new(), text: Some(SectionText::Text) })
    }

    /// A MIME part by its numbers (`BODY.PEEK[1.2]`), as in the
    /// body structure; part numbers start at 1 (0 is refused).
    pub fn part(self, numbers: &[u32]) -> Result<Items, Error> {
        let part = numbers
            .iter()
            .map(|&n| std::num::NonZeroU32::new(n).ok_or(Error::Misuse("MIME part numbers start at 1")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.section(Section { part, text: None }))
    }

    /// Reading a section marks the message `\Seen` (`BODY[...]` instead
    /// of `BODY.PEEK[...]`).
    pub fn mark_seen(mut self) -> Items {
        self.mark_seen = true;
        self
    }
}

impl IntoIterator for Items {
    type Item = FetchAttribute;
    type IntoIter = std::vec::IntoIter<FetchAttribute>;

    fn into_iter(self) -> Self::IntoIter {
        let mark_seen = self.mark_seen;
        let mut attributes = self.attributes;
        if mark_seen {
            for attribute in &mut attributes {
                if let FetchAttribute::BodySection { peek, .. } = attribute {
                    *peek = false;
                }
            }
        }
        attributes.into_iter()
    }
}

/// What a SEARCH looks for: every condition added must hold (an empty
/// query matches every message). Text conditions match substrings,
/// case-insensitively; non-ASCII text is sent with `CHARSET UTF-8`.
///
/// ```
/// use mail_codec::imap_ops::Query;
/// use mail_codec::imap_wire::{Date, SearchKey};
///
/// let query = Query::new()
///     .unseen()
///     .from("bob@example.org")
///     .since(Date::new(2026, 11, 1)?)
///     .or(Query::new().subject("invoice"), Query::new().larger(1_000_000));
/// let keys: Vec<SearchKey> = query.into_iter().collect();
/// assert_eq!(keys[0], SearchKey::Unseen);
/// assert_eq!(keys.len(), 4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    keys: Vec<SearchKey>,
}

impl Query {
    /// Matches every message until conditions are added.
    pub fn new() -> Query {
        Query::default()
    }

    fn with(mut self, key: SearchKey) -> Query {
        self.keys.push(key);
        self
    }

    /// The query as one key (several are ANDed).
    fn into_key(self) -> SearchKey {
        match self.keys.len() {
            0 => SearchKey::All,
            1 => self.keys.into_iter().next().unwrap_or(SearchKey::All),
            _ => SearchKey::And(self.keys),
        }
    }

    /// Without `\Seen`.
    pub fn unseen(self) -> Query {
        self.with(SearchKey::Unseen)
    }

    /// With `\Seen`.
    pub fn seen(self) -> Query {
        self.with(SearchKey::Seen)
    }

    /// With `\Flagged`.
    pub fn flagged(self) -> Query {
        self.with(SearchKey::Flagged)
    }

    /// Without `\Flagged`.
    pub fn unflagged(self) -> Query {
        self.with(SearchKey::Unflagged)
    }

    /// With `\Answered`.
    pub fn answered(self) -> Query {
        self.with(SearchKey::Answered)
    }

    /// Without `\Answered`.
    pub fn unanswered(self) -> Query {
        self.with(SearchKey::Unanswered)
    }

    /// With `\Deleted`.
    pub fn deleted(self) -> Query {
        self.with(SearchKey::Deleted)
    }

    /// Without `\Deleted`.
    pub fn undeleted(self) -> Query {
        self.with(SearchKey::Undeleted)
    }

    /// With `\Draft`.
    pub fn draft(self) -> Query {
        self.with(SearchKey::Draft)
    }

    /// With the keyword `name` (`$Work`, `$Junk`, ...); a name that cannot
    /// be a keyword (spaces, parentheses, ...) is refused.
    pub fn keyword(self, name: &str) -> Result<Query, Error> {
        Ok(self.with(SearchKey::Keyword(Atom::try_from(name)?)))
    }

    /// Without the keyword `name`.
    pub fn unkeyword(self, name: &str) -> Result<Query, Error> {
        Ok(self.with(SearchKey::Unkeyword(Atom::try_from(name)?)))
    }

    /// `From:` contains `text`.
    pub fn from(self, text: &str) -> Query {
        self.with(SearchKey::From(IString::from(text)))
    }

    /// `To:` contains `text`.
    pub fn to(self, text: &str) -> Query {
        self.with(SearchKey::To(IString::from(text)))
    }

    /// `Cc:` contains `text`.
    pub fn cc(self, text: &str) -> Query {
        self.with(SearchKey::Cc(IString::from(text)))
    }

    /// `Subject:` contains `text`.
    pub fn subject(self, text: &str) -> Query {
        self.with(SearchKey::Subject(IString::from(text)))
    }

    /// The header field `name` contains `text` (any value when empty).
    pub fn header(self, name: &str, text: &str) -> Query {
        self.with(SearchKey::Header(IString::from(name), IString::from(text)))
    }

    /// The body contains `text`.
    pub fn body(self, text: &str) -> Query {
        self.with(SearchKey::Body(IString::from(text)))
    }

    /// The header or body contains `text`.
    pub fn text(self, text: &str) -> Query {
        self.with(SearchKey::Text(IString::from(text)))
    }

    /// Received on or after `date` (internal date).
    pub fn since(self, date: Date) -> Query {
        self.with(SearchKey::Since(date))
    }

    /// Received before `date`.
    pub fn before(self, date: Date) -> Query {
        self.with(SearchKey::Before(date))
    }

    /// Received on `date`.
    pub fn on(self, date: Date) -> Query {
        self.with(SearchKey::On(date))
    }

    /// `Date:` on or after `date`.
    pub fn sent_since(self, date: Date) -> Query {
        self.with(SearchKey::SentSince(date))
    }

    /// `Date:` before `date`.
    pub fn sent_before(self, date: Date) -> Query {
        self.with(SearchKey::SentBefore(date))
    }

    /// Larger than `size` bytes.
    pub fn larger(self, size: u32) -> Query {
        self.with(SearchKey::Larger(size))
    }

    /// Smaller than `size` bytes.
    pub fn smaller(self, size: u32) -> Query {
        self.with(SearchKey::Smaller(size))
    }

    /// Among these UIDs.
    pub fn uids(self, set: impl crate::IntoMessageSet) -> Result<Query, Error> {
        let set: SequenceSet = set.into_message_set()?;
        Ok(self.with(SearchKey::Uid(set)))
    }

    /// Matches when `query` does not.
    pub fn not(self, query: Query) -> Query {
        self.with(SearchKey::Not(Box::new(query.into_key())))
    }

    /// Matches when `a` or `b` does.
    pub fn or(self, a: Query, b: Query) -> Query {
        self.with(SearchKey::Or(Box::new(a.into_key()), Box::new(b.into_key())))
    }
}

impl IntoIterator for Query {
    type Item = SearchKey;
    type IntoIter = std::vec::IntoIter<SearchKey>;

    fn into_iter(self) -> Self::IntoIter {
        self.keys.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use imap_wire::Encode;

    fn wire(keys: Query) -> String {
        let body = imap_wire::CommandBody::Search {
            uid: false,
            return_options: None,
            charset: None,
            criteria: keys.into_iter().collect(),
        };
        let command = imap_wire::Command { tag: imap_wire::Tag::try_from("a").unwrap(), body };
        String::from_utf8(command.to_bytes().to_vec()).unwrap()
    }

    #[test]
    fn queries_encode_as_imap_and_refuse_what_cannot_be() {
        let date = Date::new(2026, 11, 1).unwrap();
        let q = Query::new().unseen().from("bob").since(date).not(Query::new().keyword("$Junk").unwrap());
        assert_eq!(wire(q), "a SEARCH UNSEEN FROM bob SINCE 1-Nov-2026 NOT KEYWORD $Junk\r\n");
        let q = Query::new().or(Query::new().subject("a b"), Query::new().larger(10).smaller(20));
        assert_eq!(wire(q), "a SEARCH OR SUBJECT \"a b\" (LARGER 10 SMALLER 20)\r\n");
        assert_eq!(wire(Query::new().not(Query::new())), "a SEARCH NOT ALL\r\n");
        assert!(Query::new().keyword("two words").is_err());
        assert!(Query::new().uids(0).is_err());
        assert_eq!(wire(Query::new().uids(5..).unwrap()), "a SEARCH UID 5:*\r\n");
    }

    #[test]
    fn items_are_peeks_unless_marking_seen() {
        let encode = |items: Items| {
            let body = imap_wire::CommandBody::Fetch {
                uid: true,
                sequence_set: SequenceSet::all(),
                items: imap_wire::FetchItems::Attributes(items.into_iter().collect()),
                modifiers: vec![],
            };
            let command = imap_wire::Command { tag: imap_wire::Tag::try_from("a").unwrap(), body };
            String::from_utf8(command.to_bytes().to_vec()).unwrap()
        };
        let items = Items::new().uid().uid().flags().header_fields(["From", "To"]).part(&[1, 2]).unwrap();
        assert_eq!(encode(items), "a UID FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (From To)] BODY.PEEK[1.2])\r\n");
        assert_eq!(encode(Items::new().whole_message().mark_seen()), "a UID FETCH 1:* (BODY[])\r\n");
        assert_eq!(encode(Items::new().header_fields([]).size()), "a UID FETCH 1:* (RFC822.SIZE)\r\n");
        assert!(Items::new().part(&[1, 0]).is_err());
    }
}

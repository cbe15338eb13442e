//! FETCH: `fetch-att` (the request), `msg-att` (the response), `section`,
//! `section-spec`, `header-list`.

use super::{PResult, Parser};
use crate::types::*;

/// Token characters of a fetch attribute name (`RFC822.SIZE`, `X-GM-MSGID`).
fn is_att_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'$')
}

impl<'a> Parser<'a> {
    /// `msg-att`: `"(" att *(SP att) ")"`.
    ///
    /// ```text
    /// msg-att         = "(" (msg-att-dynamic / msg-att-static)
    ///                    *(SP (msg-att-dynamic / msg-att-static)) ")"
    /// msg-att-dynamic = "FLAGS" SP "(" [flag-fetch *(SP flag-fetch)] ")"
    /// msg-att-static  = "ENVELOPE" SP envelope / "INTERNALDATE" SP date-time /
    ///                   "RFC822" [".HEADER" / ".TEXT"] SP nstring /
    ///                   "RFC822.SIZE" SP number /
    ///                   "BODY" ["STRUCTURE"] SP body /
    ///                   "BODY" section ["<" number ">"] SP nstring /
    ///                   "UID" SP uniqueid
    /// ```
    pub(crate) fn msg_att(&mut self) -> PResult<Vec<MessageAttribute>> {
        // A mailbox sync asks for six to eight attributes: one allocation.
        let list = self.paren_list_with_capacity(8, |p| p.message_attribute())?;
        if list.is_empty() {
            return self.err("at least one message attribute");
        }
        self.skip_spaces();
        Ok(list)
    }

    fn message_attribute(&mut self) -> PResult<MessageAttribute> {
        let (s, e) = self.take_while1(is_att_name_char, "message attribute")?;
        let name = &self.buf[s..e];
        if name.eq_ignore_ascii_case(b"BODY") && self.peek() == Some(b'[') {
            let section = self.section()?;
            let origin = if self.eat(b'<') {
                let o = self.number()?;
                self.byte(b'>', ">")?;
                Some(o)
            } else {
                None
            };
            self.sp()?;
            return Ok(MessageAttribute::BodySection { section, origin, data: self.nstring()? });
        }
        let kind = match attribute_kind(name) {
            Some(kind) if self.peek() != Some(b'[') => kind,
            _ => return self.other_attribute(s, e),
        };
        self.sp()?;
        Ok(match kind {
            AttributeKind::Flags => MessageAttribute::Flags(self.flag_fetch_list()?),
            AttributeKind::Envelope => MessageAttribute::Envelope(Box::new(self.envelope()?)),
            AttributeKind::InternalDate => MessageAttribute::InternalDate(self.date_time()?),
            AttributeKind::Rfc822 => MessageAttribute::Rfc822(self.nstring()?),
            AttributeKind::Rfc822Header => MessageAttribute::Rfc822Header(self.nstring()?),
            AttributeKind::Rfc822Text => MessageAttribute::Rfc822Text(self.nstring()?),
            AttributeKind::Rfc822Size => MessageAttribute::Rfc822Size(self.number()?),
            AttributeKind::Body => MessageAttribute::Body(self.boxed_body()?),
            AttributeKind::BodyStructure => MessageAttribute::BodyStructure(self.boxed_body()?),
            AttributeKind::Uid => MessageAttribute::Uid(self.nz_number()?),
            AttributeKind::ModSeq => {
                self.byte(b'(', "(")?;
                let v = self.number64()?;
                self.byte(b')', ")")?;
                MessageAttribute::ModSeq(v)
            }
        })
    }

    /// An attribute this crate does not model: the name must be an atom;
    /// the value is one generic value, optionally preceded by `[...]<n>`.
    fn other_attribute(&mut self, s: usize, e: usize) -> PResult<MessageAttribute> {
        if !self.buf[s..e].iter().all(|&b| crate::types::core::is_atom_char(b)) {
            return self.err("attribute name");
        }
        let name = Atom::from_validated(self.small(s, e));
        let mut start = self.pos;
        if self.peek() == Some(b'[') {
            self.bracketed()?;
            self.sp()?;
        } else {
            self.sp()?;
            start = self.pos;
        }
        self.generic_value()?;
        Ok(MessageAttribute::Other { name, value: RawValue(self.slice(start, self.pos)) })
    }

    /// `section` = "[" [section-spec] "]"
    ///
    /// ```text
    /// section         = "[" [section-spec] "]"
    /// section-spec    = section-msgtext / (section-part ["." section-text])
    /// ```
    pub(crate) fn section(&mut self) -> PResult<Section> {
        self.byte(b'[', "[")?;
        let mut section = Section::default();
        if self.eat(b']') {
            return Ok(section);
        }
        if matches!(self.peek(), Some(b'0'..=b'9')) {
            loop {
                section.part.push(self.nz_number()?);
                if !self.eat(b'.') {
                    break;
                }
                if !matches!(self.peek(), Some(b'0'..=b'9')) {
                    section.text = Some(self.section_text(true)?);
                    break;
                }
            }
        } else {
            section.text = Some(self.section_text(false)?);
        }
        self.byte(b']', "]")?;
        Ok(section)
    }

    /// ```text
    /// section-text    = section-msgtext / "MIME"
    /// section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list /
    ///                   "TEXT"
    /// ```
    fn section_text(&mut self, allow_mime: bool) -> PResult<SectionText> {
        if self.eat_keyword(b"HEADER.FIELDS.NOT") {
            self.sp()?;
            Ok(SectionText::HeaderFields { not: true, fields: self.header_list()? })
        } else if self.eat_keyword(b"HEADER.FIELDS") {
            self.sp()?;
            Ok(SectionText::HeaderFields { not: false, fields: self.header_list()? })
        } else if self.eat_keyword(b"HEADER") {
            Ok(SectionText::Header)
        } else if self.eat_keyword(b"TEXT") {
            Ok(SectionText::Text)
        } else if allow_mime && self.eat_keyword(b"MIME") {
            Ok(SectionText::Mime)
        } else {
            self.err("HEADER, HEADER.FIELDS, TEXT or MIME")
        }
    }

    /// ```text
    /// header-list     = "(" header-fld-name *(SP header-fld-name) ")"
    /// ```
    fn header_list(&mut self) -> PResult<Vec<IString>> {
        let fields = self.paren_list(|p| p.astring())?;
        if fields.is_empty() {
            return self.err("at least one header field name");
        }
        Ok(fields)
    }

    /// `fetch-att`
    ///
    /// ```text
    /// fetch-att       = "ENVELOPE" / "FLAGS" / "INTERNALDATE" /
    ///                   "RFC822" [".HEADER" / ".SIZE" / ".TEXT"] /
    ///                   "BODY" ["STRUCTURE"] / "UID" /
    ///                   "BODY" section ["<" number "." nz-number ">"] /
    ///                   "BODY.PEEK" section ["<" number "." nz-number ">"]
    /// ```
    pub(crate) fn fetch_attribute(&mut self) -> PResult<FetchAttribute> {
        let start = self.pos;
        let (s, e) = self
            .take_while1(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'$'), "fetch attribute")?;
        let name = &self.buf[s..e];
        let is = |kw: &[u8]| name.eq_ignore_ascii_case(kw);
        if (is(b"BODY") || is(b"BODY.PEEK")) && self.peek() == Some(b'[') {
            let peek = is(b"BODY.PEEK");
            let section = self.section()?;
            let partial = if self.eat(b'<') {
                let origin = self.number()?;
                self.byte(b'.', ". in partial")?;
                let length = self.nz_number()?;
                self.byte(b'>', ">")?;
                Some(Partial { origin, length })
            } else {
                None
            };
            return Ok(FetchAttribute::BodySection { peek, section, partial });
        }
        Ok(if is(b"ENVELOPE") {
            FetchAttribute::Envelope
        } else if is(b"FLAGS") {
            FetchAttribute::Flags
        } else if is(b"INTERNALDATE") {
            FetchAttribute::InternalDate
        } else if is(b"RFC822") {
            FetchAttribute::Rfc822
        } else if is(b"RFC822.HEADER") {
            FetchAttribute::Rfc822Header
        } else if is(b"RFC822.SIZE") {
            FetchAttribute::Rfc822Size
        } else if is(b"RFC822.TEXT") {
            FetchAttribute::Rfc822Text
        } else if is(b"BODY") {
            FetchAttribute::Body
        } else if is(b"BODYSTRUCTURE") {
            FetchAttribute::BodyStructure
        } else if is(b"UID") {
            FetchAttribute::Uid
        } else if is(b"MODSEQ") {
            FetchAttribute::ModSeq
        } else {
            self.pos = start;
            FetchAttribute::Other(self.atom()?)
        })
    }
}

/// The message attributes with a variant of their own, by name.
#[derive(Clone, Copy)]
enum AttributeKind {
    Flags,
    Envelope,
    InternalDate,
    Rfc822,
    Rfc822Header,
    Rfc822Text,
    Rfc822Size,
    Body,
    BodyStructure,
    Uid,
    ModSeq,
}

/// Classifies an attribute name (case-insensitive), by length first.
fn attribute_kind(name: &[u8]) -> Option<AttributeKind> {
    let is = |kw: &[u8]| name.eq_ignore_ascii_case(kw);
    Some(match name.len() {
        3 if is(b"UID") => AttributeKind::Uid,
        4 if is(b"BODY") => AttributeKind::Body,
        5 if is(b"FLAGS") => AttributeKind::Flags,
        6 if is(b"RFC822") => AttributeKind::Rfc822,
        6 if is(b"MODSEQ") => AttributeKind::ModSeq,
        8 if is(b"ENVELOPE") => AttributeKind::Envelope,
        11 if is(b"RFC822.SIZE") => AttributeKind::Rfc822Size,
        11 if is(b"RFC822.TEXT") => AttributeKind::Rfc822Text,
        12 if is(b"INTERNALDATE") => AttributeKind::InternalDate,
        13 if is(b"RFC822.HEADER") => AttributeKind::Rfc822Header,
        13 if is(b"BODYSTRUCTURE") => AttributeKind::BodyStructure,
        _ => return None,
    })
}

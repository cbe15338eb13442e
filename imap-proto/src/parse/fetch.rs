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
        let kind = match FetchAttribute::known(name) {
            Some(kind) if self.peek() != Some(b'[') => kind,
            _ => return self.other_attribute(s, e),
        };
        self.sp()?;
        Ok(match kind {
            FetchAttribute::Flags => MessageAttribute::Flags(self.flag_fetch_list()?),
            FetchAttribute::Envelope => MessageAttribute::Envelope(Box::new(self.envelope()?)),
            FetchAttribute::InternalDate => MessageAttribute::InternalDate(self.date_time()?),
            FetchAttribute::Rfc822 => MessageAttribute::Rfc822(self.nstring()?),
            FetchAttribute::Rfc822Header => MessageAttribute::Rfc822Header(self.nstring()?),
            FetchAttribute::Rfc822Text => MessageAttribute::Rfc822Text(self.nstring()?),
            FetchAttribute::Rfc822Size => MessageAttribute::Rfc822Size(self.number()?),
            FetchAttribute::Body => MessageAttribute::Body(self.boxed_body()?),
            FetchAttribute::BodyStructure => MessageAttribute::BodyStructure(self.boxed_body()?),
            FetchAttribute::Uid => MessageAttribute::Uid(self.nz_number()?),
            FetchAttribute::ModSeq => {
                self.byte(b'(', "(")?;
                let v = self.number64()?;
                self.byte(b')', ")")?;
                MessageAttribute::ModSeq(v)
            }
            // `known` gives only the attributes above.
            _ => return self.other_attribute(s, e),
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
        Ok(match FetchAttribute::known(name) {
            Some(attribute) => attribute,
            None => {
                self.pos = start;
                FetchAttribute::Other(self.atom()?)
            }
        })
    }
}

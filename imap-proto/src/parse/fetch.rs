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
        let mut list = self.paren_list_with_capacity(8, |p| p.message_attribute())?;
        if self.dropped_attribute {
            self.dropped_attribute = false;
            list.retain(|a| !matches!(a, MessageAttribute::Other { name, .. } if name.eq_ignore_case("INTERNALDATE")));
        }
        // Lenient: an empty list is read (it is what is left of
        // `(INTERNALDATE NIL)`, and what the serializer writes for it).
        self.skip_spaces();
        Ok(list)
    }

    fn message_attribute(&mut self) -> PResult<MessageAttribute> {
        let (s, e) = self.take_while1(is_att_name_char, "message attribute")?;
        let name = &self.buf[s..e];
        if self.peek() == Some(b'[') {
            return self.sectioned_attribute(s, e);
        }
        let snippet = name.eq_ignore_ascii_case(b"SNIPPET");
        let Some(kind) = FetchAttribute::known(name) else {
            if snippet && self.peek_at(1) == Some(b'(') {
                return self.snippet(false);
            }
            return self.other_attribute(s, e);
        };
        // The draft form: `PREVIEW (FUZZY "...")`.
        if matches!(kind, FetchAttribute::Preview { .. }) && self.peek_at(1) == Some(b'(') {
            return self.snippet(true);
        }
        // Quirk: two spaces before the value (DavMail before a literal).
        self.sp1()?;
        Ok(match kind {
            FetchAttribute::Flags => MessageAttribute::Flags(self.flag_fetch_list()?),
            FetchAttribute::Envelope => MessageAttribute::Envelope(Box::new(self.envelope()?)),
            FetchAttribute::InternalDate if self.eat_keyword(b"NIL") => {
                // Quirk: `INTERNALDATE NIL` says nothing; left out.
                self.dropped_attribute = true;
                MessageAttribute::Other {
                    name: Atom::from_validated(self.small(s, e)),
                    value: RawValue(bytes::Bytes::from_static(b"NIL")),
                }
            }
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
            FetchAttribute::Preview { .. } => MessageAttribute::Preview(self.nstring()?),
            // "EMAILID" SP "(" objectid ")" / "THREADID" SP ("(" objectid ")" / nil)
            FetchAttribute::EmailId => MessageAttribute::EmailId(self.parenthesized_object_id()?),
            FetchAttribute::ThreadId if self.eat_keyword(b"NIL") => MessageAttribute::ThreadId(None),
            FetchAttribute::ThreadId => MessageAttribute::ThreadId(Some(self.parenthesized_object_id()?)),
            // "SAVEDATE" SP (date-time / nil)
            FetchAttribute::SaveDate if self.eat_keyword(b"NIL") => MessageAttribute::SaveDate(None),
            FetchAttribute::SaveDate => MessageAttribute::SaveDate(Some(self.date_time()?)),
            FetchAttribute::GmailMessageId => MessageAttribute::GmailMessageId(self.number64()?),
            FetchAttribute::GmailThreadId => MessageAttribute::GmailThreadId(self.number64()?),
            FetchAttribute::GmailLabels => MessageAttribute::GmailLabels(self.paren_list(|p| {
                // A system label (`\Inbox`) is a flag-like token, others astrings.
                if p.peek() == Some(b'\\') {
                    let start = p.pos;
                    p.pos += 1;
                    p.take_while1(crate::types::core::is_atom_char, "label")?;
                    return Ok(IString(p.small(start, p.pos)));
                }
                p.astring()
            })?),
            // `known` gives only the attributes above.
            _ => return self.other_attribute(s, e),
        })
    }

    /// `SP "(" algorithm SP nstring ")"` after SNIPPET or the draft's
    /// PREVIEW.
    fn snippet(&mut self, preview: bool) -> PResult<MessageAttribute> {
        self.sp()?;
        self.byte(b'(', "(")?;
        let algorithm = self.atom()?;
        self.sp()?;
        let text = self.nstring()?;
        self.byte(b')', ")")?;
        Ok(MessageAttribute::Snippet { preview, algorithm, text })
    }

    /// `BODY[...]`, `BINARY[...]`, `BINARY.SIZE[...]` in a response.
    ///
    /// ```text
    /// msg-att-static  =/ "BINARY" section-binary SP (nstring / literal8) /
    ///                    "BINARY.SIZE" section-binary SP number
    /// section-binary  = "[" [section-part] "]"
    /// ```
    fn sectioned_attribute(&mut self, s: usize, e: usize) -> PResult<MessageAttribute> {
        let name = &self.buf[s..e];
        let is = |kw: &[u8]| name.eq_ignore_ascii_case(kw);
        let origin = |p: &mut Self| -> PResult<Option<u32>> {
            if !p.eat(b'<') {
                return Ok(None);
            }
            let o = p.number()?;
            p.byte(b'>', ">")?;
            Ok(Some(o))
        };
        if is(b"BODY") {
            let section = self.section()?;
            let origin = origin(self)?;
            self.sp1()?;
            return Ok(MessageAttribute::BodySection { section, origin, data: self.nstring()? });
        }
        if is(b"BINARY") {
            let part = self.section_binary()?;
            let origin = origin(self)?;
            self.sp1()?;
            let data = if matches!(self.peek(), Some(b'~')) { Some(self.literal()?) } else { self.nstring()? };
            return Ok(MessageAttribute::Binary { part, origin, data });
        }
        if is(b"BINARY.SIZE") {
            let part = self.section_binary()?;
            self.sp()?;
            return Ok(MessageAttribute::BinarySize { part, size: self.number()? });
        }
        self.other_attribute(s, e)
    }

    /// `"(" objectid ")"`
    fn parenthesized_object_id(&mut self) -> PResult<ObjectId> {
        self.byte(b'(', "(")?;
        let id = self.object_id()?;
        self.byte(b')', ")")?;
        Ok(id)
    }

    /// `section-binary` (RFC 3516): part numbers only.
    ///
    /// ```text
    /// section-binary  = "[" [section-part] "]"
    /// ```
    fn section_binary(&mut self) -> PResult<Vec<std::num::NonZeroU32>> {
        self.byte(b'[', "[")?;
        let mut part = Vec::new();
        if !self.eat(b']') {
            loop {
                part.push(self.nz_number()?);
                if !self.eat(b'.') {
                    break;
                }
            }
            self.byte(b']', "]")?;
        }
        Ok(part)
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

    /// `fetch-att`; `in_list` when inside `(...)`, where an unknown
    /// attribute may take parenthesised arguments.
    ///
    /// ```text
    /// fetch-att       = "ENVELOPE" / "FLAGS" / "INTERNALDATE" /
    ///                   "RFC822" [".HEADER" / ".SIZE" / ".TEXT"] /
    ///                   "BODY" ["STRUCTURE"] / "UID" /
    ///                   "BODY" section ["<" number "." nz-number ">"] /
    ///                   "BODY.PEEK" section ["<" number "." nz-number ">"]
    /// fetch-att       =/ "BINARY" [".PEEK"] section-binary [partial] /
    ///                   "BINARY.SIZE" section-binary          ; RFC 3516
    /// fetch-att       =/ "PREVIEW" [SP "(" "LAZY" ")"]        ; RFC 8970
    /// fetch-att       =/ "MODSEQ" / "EMAILID" / "THREADID" / "SAVEDATE" /
    ///                   "X-GM-MSGID" / "X-GM-THRID" / "X-GM-LABELS"
    /// ```
    pub(crate) fn fetch_attribute(&mut self, in_list: bool) -> PResult<FetchAttribute> {
        let start = self.pos;
        let (s, e) = self
            .take_while1(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'$'), "fetch attribute")?;
        let name = &self.buf[s..e];
        let is = |kw: &[u8]| name.eq_ignore_ascii_case(kw);
        let partial = |p: &mut Self| -> PResult<Option<Partial>> {
            if !p.eat(b'<') {
                return Ok(None);
            }
            let origin = p.number()?;
            p.byte(b'.', ". in partial")?;
            let length = p.nz_number()?;
            p.byte(b'>', ">")?;
            Ok(Some(Partial { origin, length }))
        };
        if self.peek() == Some(b'[') {
            if is(b"BODY") || is(b"BODY.PEEK") {
                let peek = is(b"BODY.PEEK");
                let section = self.section()?;
                return Ok(FetchAttribute::BodySection { peek, section, partial: partial(self)? });
            }
            if is(b"BINARY") || is(b"BINARY.PEEK") {
                let peek = is(b"BINARY.PEEK");
                let part = self.section_binary()?;
                return Ok(FetchAttribute::Binary { peek, part, partial: partial(self)? });
            }
            if is(b"BINARY.SIZE") {
                return Ok(FetchAttribute::BinarySize { part: self.section_binary()? });
            }
        }
        Ok(match FetchAttribute::known(name) {
            Some(FetchAttribute::Preview { .. }) => {
                let lazy = self.rest().get(..7).is_some_and(|r| r.eq_ignore_ascii_case(b" (LAZY)"));
                if lazy {
                    self.pos += 7;
                }
                FetchAttribute::Preview { lazy }
            }
            Some(attribute) => attribute,
            None if is(b"SNIPPET") => {
                // "SNIPPET" [SP "(" algorithm *(SP algorithm) ")"]
                let mut algorithms = Vec::new();
                if self.peek() == Some(b' ') && self.peek_at(1) == Some(b'(') && in_list {
                    self.pos += 1;
                    algorithms = self.paren_list(|p| p.atom())?;
                }
                FetchAttribute::Snippet { algorithms }
            }
            None => {
                self.pos = start;
                let name = self.atom()?;
                let mut arguments = None;
                if in_list && self.peek() == Some(b' ') && self.peek_at(1) == Some(b'(') {
                    self.pos += 1;
                    let value_start = self.pos;
                    self.generic_value()?;
                    arguments = Some(RawValue(self.slice(value_start, self.pos)));
                }
                FetchAttribute::Other { name, arguments }
            }
        })
    }
}

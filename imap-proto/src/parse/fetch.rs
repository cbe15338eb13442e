//! FETCH data: `msg-att`, sections, `envelope`, `body`.

use super::{PResult, Parser};
use crate::types::*;

/// Token characters of a fetch attribute name (`RFC822.SIZE`, `X-GM-MSGID`).
fn is_att_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'$')
}

impl<'a> Parser<'a> {
    /// `msg-att`: `"(" att *(SP att) ")"`.
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

    /// `date-time` (quoted).
    pub(crate) fn date_time(&mut self) -> PResult<DateTime> {
        // The usual form, read in place.
        if let Some([b'"', text @ .., b'"']) = self.rest().get(..28) {
            if let Some(dt) = super::tokens::date_time_fixed(text) {
                self.pos += 28;
                return Ok(dt);
            }
        }
        let start = self.pos + 1;
        let text = self.quoted()?;
        super::tokens::date_time_text(&text).map_err(|mut e| {
            e.offset += start;
            e
        })
    }

    /// `section` = "[" [section-spec] "]"
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

    fn header_list(&mut self) -> PResult<Vec<IString>> {
        let fields = self.paren_list(|p| p.astring())?;
        if fields.is_empty() {
            return self.err("at least one header field name");
        }
        Ok(fields)
    }

    /// `envelope`
    pub(crate) fn envelope(&mut self) -> PResult<Envelope> {
        self.byte(b'(', "( opening envelope")?;
        self.skip_spaces();
        let date = self.nstring()?;
        self.sp1()?;
        let subject = self.nstring()?;
        self.sp1()?;
        let from = self.address_list()?;
        self.sp1()?;
        let sender = self.address_list()?;
        self.sp1()?;
        let reply_to = self.address_list()?;
        self.sp1()?;
        let to = self.address_list()?;
        self.sp1()?;
        let cc = self.address_list()?;
        self.sp1()?;
        let bcc = self.address_list()?;
        self.sp1()?;
        let in_reply_to = self.nstring()?;
        self.sp1()?;
        let message_id = self.nstring()?;
        self.skip_spaces();
        self.byte(b')', ") closing envelope")?;
        Ok(Envelope { date, subject, from, sender, reply_to, to, cc, bcc, in_reply_to, message_id })
    }

    /// `"(" 1*address ")" / nil`, tolerating `()` and spaces between
    /// addresses.
    fn address_list(&mut self) -> PResult<Vec<Address>> {
        if self.eat_keyword(b"NIL") {
            return Ok(Vec::new());
        }
        self.byte(b'(', "address list or NIL")?;
        let mut out = Vec::new();
        loop {
            self.skip_spaces();
            if self.eat(b')') {
                return Ok(out);
            }
            out.push(self.address()?);
        }
    }

    fn address(&mut self) -> PResult<Address> {
        self.byte(b'(', "( opening address")?;
        let name = self.nstring()?;
        self.sp1()?;
        let adl = self.nstring()?;
        self.sp1()?;
        let mailbox = self.nstring()?;
        self.sp1()?;
        let host = self.nstring()?;
        self.skip_spaces();
        self.byte(b')', ") closing address")?;
        Ok(Address { name, adl, mailbox, host })
    }

    /// `body`, depth-limited.
    /// `body`, parsed into a new box.
    pub(crate) fn boxed_body(&mut self) -> PResult<Box<BodyStructure>> {
        let mut body = Box::new(empty_body());
        self.body_into(&mut body)?;
        Ok(body)
    }

    /// `body`, written into `out` field by field: a body structure is
    /// hundreds of bytes, and building it in place saves copying it from
    /// temporaries into the final place at every level.
    fn body_into(&mut self, out: &mut BodyStructure) -> PResult<()> {
        self.descend()?;
        self.byte(b'(', "( opening body")?;
        self.skip_spaces();
        if self.peek() == Some(b'(') {
            self.body_multi_into(out)
        } else {
            self.body_single_into(out)
        }
    }

    /// The `)` that closes a body, and the way back up.
    fn body_end(&mut self) -> PResult<()> {
        self.skip_spaces();
        self.byte(b')', ") closing body")?;
        self.ascend();
        Ok(())
    }

    /// Whether another optional field follows (consumes the separating
    /// spaces when it does).
    fn more_fields(&mut self) -> bool {
        let save = self.pos;
        self.skip_spaces();
        if self.pos > save && !matches!(self.peek(), Some(b')') | None) {
            true
        } else {
            self.pos = save;
            false
        }
    }

    fn body_multi_into(&mut self, out: &mut BodyStructure) -> PResult<()> {
        *out = empty_body();
        let BodyStructure::Multi { parts, subtype, extension } = out else {
            return self.err("body");
        };
        while self.peek() == Some(b'(') {
            parts.push(empty_body());
            if let Some(part) = parts.last_mut() {
                self.body_into(part)?;
            }
            self.skip_spaces();
        }
        *subtype = self.string()?;
        if self.more_fields() {
            let ext = extension.insert(MultiPartExtension::default());
            ext.parameters = self.body_params()?;
            self.disposition_ext_into(&mut ext.tail)?;
        }
        self.body_end()
    }

    fn body_single_into(&mut self, out: &mut BodyStructure) -> PResult<()> {
        let media_type = self.string()?;
        self.sp1()?;
        let subtype = self.string()?;
        self.sp1()?;
        let is_text = media_type.eq_ignore_case("TEXT");
        let may_be_message = media_type.eq_ignore_case("MESSAGE")
            && (subtype.eq_ignore_case("RFC822") || subtype.eq_ignore_case("GLOBAL"));
        *out = BodyStructure::Single {
            body: SinglePart { kind: SinglePartKind::Basic { media_type, subtype }, fields: BodyFields::default() },
            extension: None,
        };
        let BodyStructure::Single { body, extension } = out else {
            return self.err("body");
        };
        self.body_fields_into(&mut body.fields)?;
        if is_text {
            self.sp1()?;
            let lines = self.number()?;
            if let SinglePartKind::Basic { subtype, .. } = &mut body.kind {
                body.kind = SinglePartKind::Text { subtype: std::mem::take(subtype), lines };
            }
        } else if may_be_message
            && self
                .attempt(|p| {
                    p.sp1()?;
                    if p.peek() == Some(b'(') {
                        Ok(())
                    } else {
                        p.err("envelope")
                    }
                })
                .is_ok()
        {
            let envelope = Box::new(self.envelope()?);
            self.sp1()?;
            let inner = self.boxed_body()?;
            self.sp1()?;
            let lines = self.number()?;
            if let SinglePartKind::Basic { subtype, .. } = &mut body.kind {
                body.kind = SinglePartKind::Message { subtype: std::mem::take(subtype), envelope, body: inner, lines };
            }
        }
        if self.more_fields() {
            let ext = extension.insert(SinglePartExtension::default());
            ext.md5 = self.nstring()?;
            self.disposition_ext_into(&mut ext.tail)?;
        }
        self.body_end()
    }

    /// `body-fields`, into `out`.
    fn body_fields_into(&mut self, out: &mut BodyFields) -> PResult<()> {
        out.parameters = self.body_params()?;
        self.sp1()?;
        out.id = self.nstring()?;
        self.sp1()?;
        out.description = self.nstring()?;
        self.sp1()?;
        out.encoding = self.nstring()?.unwrap_or_default();
        self.sp1()?;
        out.octets = self.number()?;
        Ok(())
    }

    /// `body-fld-param`, accepting `()` for NIL.
    fn body_params(&mut self) -> PResult<Vec<BodyParameter>> {
        if self.eat_keyword(b"NIL") {
            return Ok(Vec::new());
        }
        self.paren_list(|p| {
            let k = p.string()?;
            p.sp1()?;
            // Lenient: NIL for a parameter value reads as empty.
            Ok((k, p.nstring()?.unwrap_or_default()))
        })
    }

    /// `[SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]`,
    /// into `out` (left `None` when absent).
    fn disposition_ext_into(&mut self, out: &mut Option<DispositionExtension>) -> PResult<()> {
        if !self.more_fields() {
            return Ok(());
        }
        let ext = out.insert(DispositionExtension::default());
        if !self.eat_keyword(b"NIL") {
            self.byte(b'(', "disposition or NIL")?;
            self.skip_spaces();
            let kind = self.string()?;
            self.sp1()?;
            let parameters = self.body_params()?;
            self.skip_spaces();
            self.byte(b')', ") closing disposition")?;
            ext.disposition = Some(Disposition { kind, parameters });
        }
        if self.more_fields() {
            let language = ext.tail.insert(LanguageExtension::default());
            language.languages = if self.peek() == Some(b'(') {
                self.paren_list(|p| p.string())?
            } else {
                self.nstring()?.into_iter().collect()
            };
            if self.more_fields() {
                let location = language.tail.insert(LocationExtension::default());
                location.location = self.nstring()?;
                while self.more_fields() {
                    location.extensions.push(self.body_extension()?);
                }
            }
        }
        Ok(())
    }

    /// `body-extension`, depth-limited.
    fn body_extension(&mut self) -> PResult<BodyExtension> {
        match self.peek() {
            Some(b'(') => {
                self.descend()?;
                let list = self.paren_list(|p| p.body_extension())?;
                self.ascend();
                Ok(if list.is_empty() { BodyExtension::NString(None) } else { BodyExtension::List(list) })
            }
            Some(b'0'..=b'9') => Ok(BodyExtension::Number(self.number()?)),
            _ => Ok(BodyExtension::NString(self.nstring()?)),
        }
    }
}

/// A body structure to parse into: made without allocating, overwritten.
fn empty_body() -> BodyStructure {
    BodyStructure::Multi { parts: Vec::new(), subtype: IString::default(), extension: None }
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

//! Envelopes and body structures: `envelope`, `address`, `body`,
//! `body-fields`, `body-ext-1part`, `body-ext-mpart`, `body-extension`.

use super::{PResult, Parser};
use crate::types::*;

impl<'a> Parser<'a> {
    /// `envelope`
    ///
    /// ```text
    /// envelope        = "(" env-date SP env-subject SP env-from SP
    ///                   env-sender SP env-reply-to SP env-to SP env-cc SP
    ///                   env-bcc SP env-in-reply-to SP env-message-id ")"
    /// ```
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

    /// ```text
    /// address         = "(" addr-name SP addr-adl SP addr-mailbox SP
    ///                   addr-host ")"
    /// ```
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
    ///
    /// ```text
    /// body            = "(" (body-type-1part / body-type-mpart) ")"
    /// ```
    pub(crate) fn boxed_body(&mut self) -> PResult<Box<BodyStructure>> {
        let mut body = Box::new(empty_body());
        self.body_into(&mut body)?;
        Ok(body)
    }

    /// A size or line count. Quirk: a negative count, which some servers
    /// send for an empty part, reads as 0 (as imap-codec rectifies it).
    fn body_number(&mut self) -> PResult<u32> {
        if self.peek() == Some(b'-') && matches!(self.peek_at(1), Some(b'0'..=b'9')) {
            self.pos += 1;
            self.take_while1(|b| b.is_ascii_digit(), "number")?;
            return Ok(0);
        }
        self.number()
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

    /// ```text
    /// body-type-mpart = 1*body SP media-subtype
    ///                   [SP body-ext-mpart]
    /// ```
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

    /// ```text
    /// body-type-1part = (body-type-basic / body-type-msg / body-type-text)
    ///                   [SP body-ext-1part]
    /// ```
    fn body_single_into(&mut self, out: &mut BodyStructure) -> PResult<()> {
        let media_type = self.string()?;
        if self.peek() == Some(b')') {
            // Quirk: a multipart with no parts, `BODY ("MIXED")`, as some
            // servers describe an empty multipart message.
            *out = BodyStructure::Multi { parts: Vec::new(), subtype: media_type, extension: None };
            return self.body_end();
        }
        // The same with its extension data, `("MIXED" ("BOUNDARY" "x") NIL
        // NIL)` (seen inside message/rfc822 parts): a single part would
        // have its subtype string here, never a list or NIL.
        let extension_follows = |p: &mut Self| {
            p.sp1()?;
            let rest = &p.buf[p.pos..];
            if rest.first() == Some(&b'(') || rest.get(..3).is_some_and(|w| w.eq_ignore_ascii_case(b"NIL")) {
                Ok(())
            } else {
                p.err("subtype")
            }
        };
        if self.attempt(extension_follows).is_ok() {
            let mut ext = MultiPartExtension { parameters: self.body_params()?, ..MultiPartExtension::default() };
            self.disposition_ext_into(&mut ext.tail)?;
            *out = BodyStructure::Multi { parts: Vec::new(), subtype: media_type, extension: Some(ext) };
            return self.body_end();
        }
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
            let lines = self.body_number()?;
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
            let lines = self.body_number()?;
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
    ///
    /// ```text
    /// body-fields     = body-fld-param SP body-fld-id SP body-fld-desc SP
    ///                   body-fld-enc SP body-fld-octets
    /// ```
    fn body_fields_into(&mut self, out: &mut BodyFields) -> PResult<()> {
        out.parameters = self.body_params()?;
        self.sp1()?;
        out.id = self.nstring()?;
        self.sp1()?;
        out.description = self.nstring()?;
        self.sp1()?;
        out.encoding = self.nstring()?.unwrap_or_default();
        self.sp1()?;
        out.octets = self.body_number()?;
        Ok(())
    }

    /// `body-fld-param`, accepting `()` for NIL.
    ///
    /// ```text
    /// body-fld-param  = "(" string SP string *(SP string SP string) ")" / nil
    /// ```
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
    ///
    /// ```text
    /// body-fld-dsp    = "(" string SP body-fld-param ")" / nil
    /// ```
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
    ///
    /// ```text
    /// body-extension  = nstring / number /
    ///                    "(" body-extension *(SP body-extension) ")"
    /// ```
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

//! Responses: greeting, status responses and codes, untagged data,
//! continuation requests.

use super::{PResult, Parser};
use crate::types::core::is_text_byte;
use crate::types::response::CodeName;
use crate::types::*;

impl<'a> Parser<'a> {
    /// `greeting`
    ///
    /// ```text
    /// greeting        = "*" SP (resp-cond-auth / resp-cond-bye) CRLF
    /// ```
    pub(crate) fn greeting(&mut self) -> PResult<Greeting> {
        self.byte(b'*', "* (greeting)")?;
        self.sp()?;
        let kind = match self.status_kind()? {
            StatusKind::Ok => GreetingKind::Ok,
            StatusKind::PreAuth => GreetingKind::PreAuth,
            StatusKind::Bye => GreetingKind::Bye,
            StatusKind::No | StatusKind::Bad => return self.err("OK, PREAUTH or BYE"),
        };
        let (code, text) = self.resp_text()?;
        self.crlf_end()?;
        Ok(Greeting { kind, code, text })
    }

    /// `response-data / response-done / continue-req`
    ///
    /// ```text
    /// response        = *(continue-req / response-data) response-done
    /// ```
    pub(crate) fn response(&mut self) -> PResult<Response> {
        let r = match self.peek() {
            Some(b'+') => Response::Continuation(self.continuation()?),
            Some(b'*') => {
                self.pos += 1;
                self.sp()?;
                self.untagged()?
            }
            _ => {
                let tag = self.tag()?;
                self.sp()?;
                let kind = self.status_kind()?;
                if matches!(kind, StatusKind::PreAuth | StatusKind::Bye) {
                    return self.err("OK, NO or BAD after a tag");
                }
                let (code, text) = self.resp_text()?;
                Response::Status(StatusResponse { tag: Some(tag), kind, code, text })
            }
        };
        self.crlf_end()?;
        Ok(r)
    }

    /// ```text
    /// resp-cond-state = ("OK" / "NO" / "BAD") SP resp-text
    /// ```
    fn status_kind(&mut self) -> PResult<StatusKind> {
        let start = self.pos;
        if let Some(kind) = self.atom_bytes().ok().and_then(StatusKind::from_keyword) {
            return Ok(kind);
        }
        self.pos = start;
        self.err("OK, NO, BAD, BYE or PREAUTH")
    }

    /// `continue-req`, accepting `+` without a space.
    ///
    /// ```text
    /// continue-req    = "+" SP (resp-text / base64) CRLF
    /// ```
    fn continuation(&mut self) -> PResult<Continuation> {
        self.byte(b'+', "+")?;
        self.eat(b' ');
        if self.peek() == Some(b'[') {
            let (code, text) = self.resp_text_after_sp()?;
            return Ok(Continuation::Text { code, text });
        }
        let text = self.text()?;
        if crate::base64::is_base64(text.as_bytes()) {
            if let Some(data) = crate::base64::decode(text.as_bytes()) {
                return Ok(Continuation::Base64(IString::from(data)));
            }
        }
        Ok(Continuation::Text { code: None, text })
    }

    /// `resp-text` after a status keyword: lenient about the missing SP
    /// and text (`A1 OK` CRLF).
    ///
    /// ```text
    /// resp-text       = ["[" resp-text-code "]" SP] text
    /// ```
    fn resp_text(&mut self) -> PResult<(Option<Box<Code>>, Text)> {
        if self.at_eol() {
            return Ok((None, Text::default()));
        }
        self.sp()?;
        self.resp_text_after_sp()
    }

    fn resp_text_after_sp(&mut self) -> PResult<(Option<Box<Code>>, Text)> {
        let mut code = None;
        if self.peek() == Some(b'[') {
            // A bracket that does not open a valid code is just text.
            code = self
                .attempt(|p| {
                    p.pos += 1;
                    let c = p.resp_text_code()?;
                    p.byte(b']', "] after response code")?;
                    if !p.eat(b' ') && !p.at_eol() {
                        return p.err("SP after response code");
                    }
                    Ok(c)
                })
                .ok();
        }
        Ok((code.map(Box::new), self.text()?))
    }

    /// `resp-text-code`. A known code whose arguments do not parse is kept
    /// as [`Code::Other`] rather than failing the response.
    ///
    /// ```text
    /// resp-text-code  = "ALERT" /
    ///                   "BADCHARSET" [SP "(" astring *(SP astring) ")" ] /
    ///                   capability-data / "PARSE" /
    ///                   "PERMANENTFLAGS" SP "("
    ///                   [flag-perm *(SP flag-perm)] ")" /
    ///                   "READ-ONLY" / "READ-WRITE" / "TRYCREATE" /
    ///                   "UIDNEXT" SP nz-number / "UIDVALIDITY" SP nz-number /
    ///                   "UNSEEN" SP nz-number /
    ///                   atom [SP 1*<any TEXT-CHAR except "]">]
    /// ```
    fn resp_text_code(&mut self) -> PResult<Code> {
        let name = self.atom()?;
        let after_name = self.pos;
        let known = self.attempt(|p| p.known_code(&name));
        match known {
            Ok(Some(code)) if self.peek() == Some(b']') => Ok(code),
            _ => {
                self.pos = after_name;
                let arguments = if self.eat(b' ') {
                    let (s, e) = self.take_while1(|b| b != b']' && is_text_byte(b), "response code arguments")?;
                    Some(CodeText::from_validated(self.slice(s, e)))
                } else {
                    None
                };
                Ok(Code::Other { name, arguments })
            }
        }
    }

    fn known_code(&mut self, name: &Atom) -> PResult<Option<Code>> {
        let Some(name) = CodeName::known(name.as_bytes()) else { return Ok(None) };
        if let Some(code) = Code::argument_free(name) {
            return Ok(Some(code));
        }
        Ok(Some(match name {
            CodeName::NoUpdate => {
                self.sp()?;
                let start = self.pos;
                let tag = self.quoted()?;
                match Tag::new(tag.into_bytes()) {
                    Ok(tag) => Code::NoUpdate(tag),
                    Err(_) => {
                        self.pos = start;
                        return self.err("a tag");
                    }
                }
            }
            CodeName::BadEvent => {
                // "BADEVENT" SP "(" event *(SP event) ")"   (RFC 5465)
                self.sp()?;
                let events = self.paren_list(|p| p.notify_event())?;
                if events.is_empty() {
                    return self.err("an event");
                }
                Code::BadEvent(events)
            }
            CodeName::MailboxId => {
                self.sp()?;
                self.byte(b'(', "(")?;
                let id = self.object_id()?;
                self.byte(b')', ")")?;
                Code::MailboxId(id)
            }
            CodeName::Modified => {
                self.sp()?;
                Code::Modified(self.sequence_set()?)
            }
            CodeName::Metadata => {
                // "METADATA" SP ("LONGENTRIES" SP number / "MAXSIZE" SP number /
                //                "TOOMANY" / "NOPRIVATE")
                self.sp()?;
                if self.eat_keyword(b"LONGENTRIES") {
                    self.sp()?;
                    Code::Metadata(MetadataCode::LongEntries(self.number()?))
                } else if self.eat_keyword(b"MAXSIZE") {
                    self.sp()?;
                    Code::Metadata(MetadataCode::MaxSize(self.number()?))
                } else if self.eat_keyword(b"TOOMANY") {
                    Code::Metadata(MetadataCode::TooMany)
                } else {
                    self.keyword(b"NOPRIVATE", "LONGENTRIES, MAXSIZE, TOOMANY or NOPRIVATE")?;
                    Code::Metadata(MetadataCode::NoPrivate)
                }
            }
            CodeName::BadCharset => {
                let mut charsets = Vec::new();
                if self.eat(b' ') {
                    charsets = if self.peek() == Some(b'(') {
                        self.paren_list(|p| p.astring())?
                    } else {
                        // Quirk: one charset without parentheses, as in RFC
                        // 9051's own example (`[BADCHARSET UTF-8]`).
                        vec![IString::from(self.atom()?.as_str())]
                    };
                }
                Code::BadCharset(charsets)
            }
            CodeName::Capability => Code::Capability(self.capabilities()?),
            CodeName::PermanentFlags => {
                self.sp()?;
                Code::PermanentFlags(self.flag_perm_list()?)
            }
            CodeName::UidNext => {
                self.sp()?;
                Code::UidNext(self.nz_number()?)
            }
            CodeName::UidValidity => {
                self.sp()?;
                Code::UidValidity(self.nz_number()?)
            }
            CodeName::Unseen => {
                self.sp()?;
                Code::Unseen(self.nz_number()?)
            }
            CodeName::HighestModSeq => {
                self.sp()?;
                Code::HighestModSeq(self.number64()?)
            }
            CodeName::AppendUid => {
                self.sp()?;
                let uid_validity = self.nz_number()?;
                self.sp()?;
                Code::AppendUid { uid_validity, uids: self.sequence_set()? }
            }
            CodeName::CopyUid => {
                self.sp()?;
                let uid_validity = self.nz_number()?;
                self.sp()?;
                let source = self.sequence_set()?;
                self.sp()?;
                Code::CopyUid { uid_validity, source, destination: self.sequence_set()? }
            }
            // The argument-free codes were answered above.
            _ => return Ok(None),
        }))
    }

    /// `*(SP capability)`, tolerating trailing spaces.
    ///
    /// ```text
    /// capability-data = "CAPABILITY" *(SP capability) SP "IMAP4rev1"
    ///                   *(SP capability)
    /// ```
    fn capabilities(&mut self) -> PResult<Vec<Capability>> {
        let mut caps = Vec::new();
        loop {
            let before = self.pos;
            self.skip_spaces();
            match self.peek() {
                Some(b) if crate::types::core::is_atom_char(b) && self.pos > before => {
                    caps.push(Capability::from_atom(self.atom()?));
                }
                _ => break,
            }
        }
        Ok(caps)
    }

    /// Everything after `* `.
    ///
    /// ```text
    /// response-data   = "*" SP (resp-cond-state / resp-cond-bye /
    ///                   mailbox-data / message-data / capability-data) CRLF
    /// ```
    fn untagged(&mut self) -> PResult<Response> {
        if matches!(self.peek(), Some(b'0'..=b'9')) {
            return self.numbered_data().map(Response::Data);
        }
        let start = self.pos;
        let name = self.atom_bytes()?;
        let is = |kw: &[u8]| name.eq_ignore_ascii_case(kw);
        if let Some(kind) = StatusKind::from_keyword(name) {
            let (code, text) = self.resp_text()?;
            return Ok(Response::Status(StatusResponse { tag: None, kind, code, text }));
        }
        let data = if is(b"CAPABILITY") {
            Data::Capability(self.capabilities()?)
        } else if is(b"FLAGS") {
            self.sp()?;
            Data::Flags(self.response_flag_list()?)
        } else if is(b"LIST") {
            self.sp()?;
            Data::List(self.list_item()?)
        } else if is(b"LSUB") {
            self.sp()?;
            Data::Lsub(self.list_item()?)
        } else if is(b"XLIST") {
            self.sp()?;
            Data::Xlist(self.list_item()?)
        } else if is(b"SEARCH") {
            let (ids, modseq) = self.search_data()?;
            Data::Search { ids, modseq }
        } else if is(b"SORT") {
            let (ids, modseq) = self.search_data()?;
            Data::Sort { ids, modseq }
        } else if is(b"QUOTA") {
            self.quota_data()?
        } else if is(b"QUOTAROOT") {
            self.quota_root_data()?
        } else if is(b"METADATA") {
            self.metadata_data()?
        } else if is(b"VANISHED") {
            // "VANISHED" [SP "(EARLIER)"] SP known-uids
            self.sp()?;
            let earlier = self.rest().get(..9).is_some_and(|r| r.eq_ignore_ascii_case(b"(EARLIER)"));
            if earlier {
                self.pos += 9;
                self.sp()?;
            }
            let uids = self.sequence_set()?;
            self.skip_spaces();
            Data::Vanished { earlier, uids }
        } else if is(b"ESEARCH") {
            Data::ESearch(self.esearch()?)
        } else if is(b"THREAD") {
            let mut threads = Vec::new();
            self.skip_spaces();
            while self.peek() == Some(b'(') {
                threads.push(self.thread_list()?);
                self.skip_spaces();
            }
            Data::Thread(threads)
        } else if is(b"STATUS") {
            self.sp()?;
            let mailbox = self.mailbox()?;
            self.sp()?;
            // status-att-val: a number, or (RFC 8474, RFC 7889) an object
            // id or NIL; an extension's value is kept as sent.
            let items = self.paren_list(|p| {
                let attribute = p.status_attribute()?;
                p.sp()?;
                let object_id = |p: &mut Self| -> PResult<ObjectId> {
                    p.byte(b'(', "(")?;
                    let id = p.object_id()?;
                    p.byte(b')', ")")?;
                    Ok(id)
                };
                let value = if matches!(p.peek(), Some(b'0'..=b'9')) {
                    StatusValue::Number(p.number64()?)
                } else if p.eat_keyword(b"NIL") {
                    StatusValue::Nil
                } else if let Some(id) =
                    (attribute == StatusAttribute::MailboxId).then(|| p.attempt(object_id).ok()).flatten()
                {
                    StatusValue::ObjectId(id)
                } else {
                    let start = p.pos;
                    p.generic_value()?;
                    StatusValue::Other(RawValue(p.slice(start, p.pos)))
                };
                Ok(StatusItem { attribute, value })
            })?;
            self.skip_spaces();
            Data::Status { mailbox, items }
        } else if is(b"NAMESPACE") {
            // Extra spaces between the lists, as RFC 2342's own example
            // has them, are read past.
            self.sp()?;
            self.skip_spaces();
            let personal = self.namespaces()?;
            self.sp()?;
            self.skip_spaces();
            let other_users = self.namespaces()?;
            self.sp()?;
            self.skip_spaces();
            let shared = self.namespaces()?;
            self.skip_spaces();
            Data::Namespace { personal, other_users, shared }
        } else if is(b"ID") {
            self.sp()?;
            let params = self.id_params()?;
            self.skip_spaces();
            Data::Id(params)
        } else if is(b"ENABLED") {
            let mut caps = Vec::new();
            while self.eat(b' ') {
                if self.at_eol() {
                    break;
                }
                caps.push(self.atom()?);
            }
            Data::Enabled(caps)
        } else {
            self.pos = start;
            let name = self.atom()?;
            Data::Other { name, number: None, arguments: self.raw_rest()? }
        };
        Ok(Response::Data(data))
    }

    /// ```text
    /// message-data    = nz-number SP ("EXPUNGE" / ("FETCH" SP msg-att))
    /// ```
    fn numbered_data(&mut self) -> PResult<Data> {
        let num_start = self.pos;
        let n = self.number()?;
        self.sp()?;
        let name_start = self.pos;
        let name = self.atom_bytes()?;
        let is = |kw: &[u8]| name.eq_ignore_ascii_case(kw);
        let nz = || {
            std::num::NonZeroU32::new(n).ok_or(crate::ParseError {
                offset: num_start,
                kind: crate::ParseErrorKind::Invalid("zero where nz-number is due"),
            })
        };
        Ok(if is(b"EXISTS") {
            Data::Exists(n)
        } else if is(b"RECENT") {
            Data::Recent(n)
        } else if is(b"EXPUNGE") {
            Data::Expunge(nz()?)
        } else if is(b"FETCH") {
            let seq = nz()?;
            self.sp()?;
            Data::Fetch { seq, attributes: self.msg_att()? }
        } else {
            self.pos = name_start;
            let name = self.atom()?;
            Data::Other { name, number: Some(n), arguments: self.raw_rest()? }
        })
    }

    /// ```text
    /// mailbox-data    =  "FLAGS" SP flag-list / "LIST" SP mailbox-list /
    ///                    "LSUB" SP mailbox-list / "SEARCH" *(SP nz-number) /
    ///                    "STATUS" SP mailbox SP "(" [status-att-list] ")" /
    ///                    number SP "EXISTS" / number SP "RECENT"
    /// ```
    fn search_data(&mut self) -> PResult<(Vec<std::num::NonZeroU32>, Option<u64>)> {
        let mut ids = Vec::new();
        let mut modseq = None;
        while self.eat(b' ') {
            match self.peek() {
                Some(b'0'..=b'9') => ids.push(self.nz_number()?),
                Some(b'(') => {
                    self.pos += 1;
                    self.keyword(b"MODSEQ", "MODSEQ")?;
                    self.sp()?;
                    modseq = Some(self.number64()?);
                    self.byte(b')', ")")?;
                    self.skip_spaces();
                    break;
                }
                Some(b' ') => continue,
                _ => break,
            }
        }
        Ok((ids, modseq))
    }

    /// `esearch-response` (after the name).
    ///
    /// ```text
    /// esearch-response  = "ESEARCH" [search-correlator] [SP "UID"]
    ///                     *(SP search-return-data)
    /// search-correlator = SP "(" "TAG" SP tag-string ")"
    /// search-return-data = "MIN" SP nz-number / "MAX" SP nz-number /
    ///                     "ALL" SP sequence-set / "COUNT" SP number /
    ///                     "MODSEQ" SP mod-sequence-value /
    ///                     ret-data-partial / ret-data-addto /
    ///                     ret-data-removefrom / search-ret-data-ext
    /// ```
    fn esearch(&mut self) -> PResult<ESearchResponse> {
        let mut out = ESearchResponse::default();
        if self.peek() == Some(b' ') && self.peek_at(1) == Some(b'(') {
            self.pos += 2;
            self.keyword(b"TAG", "TAG")?;
            self.sp()?;
            out.tag = Some(self.astring()?);
            self.byte(b')', ")")?;
        }
        if self.rest().get(1..4).is_some_and(|r| r.eq_ignore_ascii_case(b"UID"))
            && self.rest().get(4).is_none_or(|&b| b == b' ' || b == b'\r' || b == b'\n')
        {
            self.pos += 4;
            out.uid = true;
        }
        while self.eat(b' ') {
            if self.at_eol() {
                break;
            }
            out.data.push(self.search_return_data()?);
        }
        Ok(out)
    }

    fn search_return_data(&mut self) -> PResult<SearchReturnData> {
        let name_start = self.pos;
        let name = self.atom_bytes()?;
        let is = |kw: &[u8]| name.eq_ignore_ascii_case(kw);
        self.sp()?;
        let positions = |p: &mut Self| -> PResult<Vec<(u32, SequenceSet)>> {
            p.paren_list(|p| {
                let position = p.number()?;
                p.sp()?;
                Ok((position, p.sequence_set()?))
            })
        };
        Ok(if is(b"MIN") {
            SearchReturnData::Min(self.nz_number()?)
        } else if is(b"MAX") {
            SearchReturnData::Max(self.nz_number()?)
        } else if is(b"ALL") {
            SearchReturnData::All(self.sequence_set()?)
        } else if is(b"COUNT") {
            SearchReturnData::Count(self.number()?)
        } else if is(b"MODSEQ") {
            SearchReturnData::ModSeq(self.number64()?)
        } else if is(b"PARTIAL") {
            self.byte(b'(', "(")?;
            let range = self.partial_range()?;
            self.sp()?;
            let results = if self.eat_keyword(b"NIL") { None } else { Some(self.sequence_set()?) };
            self.byte(b')', ")")?;
            SearchReturnData::Partial { range, results }
        } else if is(b"ADDTO") {
            SearchReturnData::AddTo(positions(self)?)
        } else if is(b"REMOVEFROM") {
            SearchReturnData::RemoveFrom(positions(self)?)
        } else if is(b"RELEVANCY") {
            SearchReturnData::Relevancy(self.paren_list(|p| {
                let start = p.pos;
                match p.number()? {
                    n @ 1..=100 => Ok(n as u8),
                    _ => {
                        p.pos = start;
                        p.err("relevancy score 1-100")
                    }
                }
            })?)
        } else {
            let name = Atom::from_validated(self.small(name_start, name_start + name.len()));
            let start = self.pos;
            self.generic_value()?;
            SearchReturnData::Other { name, value: RawValue(self.slice(start, self.pos)) }
        })
    }

    /// One `thread-list`, depth-limited.
    ///
    /// ```text
    /// thread-list     = "(" (thread-members / thread-nested) ")"
    /// thread-members  = nz-number *(SP nz-number) [SP thread-nested]
    /// thread-nested   = 2*thread-list
    /// ```
    fn thread_list(&mut self) -> PResult<Thread> {
        self.descend()?;
        self.byte(b'(', "(")?;
        let mut thread = Thread::default();
        loop {
            self.skip_spaces();
            match self.peek() {
                Some(b'0'..=b'9') if thread.children.is_empty() => thread.ids.push(self.nz_number()?),
                Some(b'(') => thread.children.push(self.thread_list()?),
                Some(b')') => break,
                _ => return self.err("message number, ( or )"),
            }
        }
        self.pos += 1;
        if thread.ids.is_empty() && thread.children.is_empty() {
            return self.err("a message or a branch in the thread");
        }
        self.ascend();
        Ok(thread)
    }

    /// `mailbox-list` (LIST / LSUB), with RFC 5258 extended data kept raw.
    ///
    /// ```text
    /// mailbox-list    = "(" [mbx-list-flags] ")" SP
    ///                    (DQUOTE QUOTED-CHAR DQUOTE / nil) SP mailbox
    /// ```
    #[inline]
    fn list_item(&mut self) -> PResult<ListItem> {
        let attributes = self.mailbox_attributes()?;
        self.sp()?;
        let delimiter = self.delimiter()?;
        // Quirk: two spaces before the name (RFC 5819's own example).
        self.sp1()?;
        let mailbox = self.mailbox()?;
        let mut extended = Vec::new();
        if self.eat(b' ') {
            self.skip_spaces();
            if !self.at_eol() {
                extended = self.list_extended()?;
                self.skip_spaces();
            }
        }
        Ok(ListItem { attributes, delimiter, mailbox, extended })
    }

    /// ```text
    /// mbox-list-extended =  "(" [mbox-list-extended-item
    ///                       *(SP mbox-list-extended-item)] ")"
    /// mbox-list-extended-item = mbox-list-extended-item-tag SP tagged-ext-val
    /// childinfo-extended-item = "CHILDINFO" SP "(" list-select-base-opt-quoted
    ///                       *(SP list-select-base-opt-quoted) ")"
    /// oldname-extended-item = "OLDNAME" SP "(" mailbox ")"
    /// ```
    fn list_extended(&mut self) -> PResult<Vec<ListExtendedItem>> {
        self.paren_list(|p| {
            let tag = p.astring()?;
            p.sp()?;
            Ok(if tag.eq_ignore_case("CHILDINFO") {
                ListExtendedItem::ChildInfo(p.paren_list(|p| p.astring())?)
            } else if tag.eq_ignore_case("OLDNAME") {
                p.byte(b'(', "(")?;
                let name = p.mailbox()?;
                p.byte(b')', ")")?;
                ListExtendedItem::OldName(name)
            } else {
                let start = p.pos;
                p.generic_value()?;
                ListExtendedItem::Other { tag, value: RawValue(p.slice(start, p.pos)) }
            })
        })
    }

    /// `"(" [mbx-list-flags] ")"`: `\\Noselect`, `\\HasChildren`, ...
    #[inline]
    pub(crate) fn mailbox_attributes(&mut self) -> PResult<Vec<MailboxAttribute>> {
        self.paren_list(|p| {
            p.byte(b'\\', "mailbox attribute")?;
            let (s, e) = p.take_while1(crate::types::core::is_atom_char, "atom")?;
            Ok(MailboxAttribute::known(&p.buf[s..e])
                .unwrap_or_else(|| MailboxAttribute::Extension(Atom::from_validated(p.small(s, e)))))
        })
    }

    /// A hierarchy delimiter: one quoted character, or NIL.
    fn delimiter(&mut self) -> PResult<Option<Delimiter>> {
        let plain_delimiter = match self.rest().get(..3) {
            // The usual `"/"` or `"."`, read without building a string.
            Some(&[b'"', c, b'"']) if c != b'\\' && c != b'"' => Delimiter::new(c as char).ok(),
            _ => None,
        };
        let delimiter = if let Some(d) = plain_delimiter {
            self.pos += 3;
            Some(d)
        } else if self.eat_keyword(b"NIL") {
            None
        } else {
            let start = self.pos;
            let d = self.quoted()?;
            match (d.len(), d.first()) {
                (1, Some(&c)) if c.is_ascii() && c != 0 => Some(Delimiter::new(c as char).map_err(|_| {
                    crate::ParseError { offset: start, kind: crate::ParseErrorKind::Invalid("delimiter") }
                })?),
                _ => {
                    self.pos = start;
                    return self.err("one-character delimiter or NIL");
                }
            }
        };
        Ok(delimiter)
    }

    /// The parameters of ID, in either direction (RFC 2971).
    ///
    /// ```text
    /// id_params_list ::= "(" #(string SPACE nstring) ")" / nil
    /// ```
    pub(crate) fn id_params(&mut self) -> PResult<IdParameters> {
        if self.eat_keyword(b"NIL") {
            return Ok(None);
        }
        Ok(Some(self.paren_list(|p| {
            let field = p.string()?;
            p.sp()?;
            Ok((field, p.nstring()?))
        })?))
    }

    /// One of NAMESPACE's three lists, or NIL.
    ///
    /// ```text
    /// Namespace = nil / "(" 1*( "(" string SP (<"> QUOTED_CHAR <"> / nil)
    ///             *(Namespace_Response_Extension) ")" ) ")"
    /// Namespace_Response_Extension = SP string SP "(" string *(SP string) ")"
    /// ```
    fn namespaces(&mut self) -> PResult<Option<Vec<NamespaceDescription>>> {
        if self.eat_keyword(b"NIL") {
            return Ok(None);
        }
        self.byte(b'(', "( or NIL")?;
        let mut out = Vec::new();
        // Spaces between the descriptions, as RFC 2342's own example has
        // them, are read past.
        self.skip_spaces();
        while self.peek() == Some(b'(') {
            self.pos += 1;
            let prefix = self.string()?;
            self.sp()?;
            let delimiter = self.delimiter()?;
            let mut extensions = Vec::new();
            while self.eat(b' ') {
                let name = self.string()?;
                self.sp()?;
                extensions.push((name, self.paren_list(|p| p.string())?));
            }
            self.byte(b')', ")")?;
            out.push(NamespaceDescription { prefix, delimiter, extensions });
            self.skip_spaces();
        }
        self.byte(b')', ")")?;
        Ok(Some(out))
    }
}

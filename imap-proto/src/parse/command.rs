//! Commands (RFC 3501 section 6), fetch attributes and search keys.

use super::tokens::date_text;
use super::{PResult, Parser};
use crate::types::*;

impl<'a> Parser<'a> {
    /// `command`: `tag SP command-body CRLF`.
    pub(crate) fn command(&mut self) -> PResult<Command> {
        let tag = self.tag()?;
        self.sp()?;
        let body = self.command_body()?;
        self.crlf_end()?;
        Ok(Command { tag, body })
    }

    fn command_body(&mut self) -> PResult<CommandBody> {
        let start = self.pos;
        let name = self.atom_bytes()?;
        let is = |kw: &[u8]| name.eq_ignore_ascii_case(kw);
        let mailbox_arg = |p: &mut Self| -> PResult<Mailbox> {
            p.sp()?;
            p.mailbox()
        };
        Ok(if is(b"CAPABILITY") {
            CommandBody::Capability
        } else if is(b"NOOP") {
            CommandBody::Noop
        } else if is(b"LOGOUT") {
            CommandBody::Logout
        } else if is(b"STARTTLS") {
            CommandBody::StartTls
        } else if is(b"CHECK") {
            CommandBody::Check
        } else if is(b"CLOSE") {
            CommandBody::Close
        } else if is(b"EXPUNGE") {
            CommandBody::Expunge
        } else if is(b"IDLE") {
            CommandBody::Idle
        } else if is(b"NAMESPACE") {
            CommandBody::Namespace
        } else if is(b"UNSELECT") {
            CommandBody::Unselect
        } else if is(b"AUTHENTICATE") {
            self.sp()?;
            let mechanism = self.atom()?;
            let initial_response = if self.eat(b' ') { Some(self.sasl_data()?) } else { None };
            CommandBody::Authenticate { mechanism, initial_response }
        } else if is(b"LOGIN") {
            self.sp()?;
            let username = self.astring()?;
            self.sp()?;
            CommandBody::Login { username, password: self.astring()? }
        } else if is(b"SELECT") {
            let mailbox = mailbox_arg(self)?;
            CommandBody::Select { mailbox, parameters: self.modifiers()? }
        } else if is(b"EXAMINE") {
            let mailbox = mailbox_arg(self)?;
            CommandBody::Examine { mailbox, parameters: self.modifiers()? }
        } else if is(b"CREATE") {
            CommandBody::Create(mailbox_arg(self)?)
        } else if is(b"DELETE") {
            CommandBody::Delete(mailbox_arg(self)?)
        } else if is(b"SUBSCRIBE") {
            CommandBody::Subscribe(mailbox_arg(self)?)
        } else if is(b"UNSUBSCRIBE") {
            CommandBody::Unsubscribe(mailbox_arg(self)?)
        } else if is(b"RENAME") {
            let from = mailbox_arg(self)?;
            CommandBody::Rename { from, to: mailbox_arg(self)? }
        } else if is(b"LIST") || is(b"LSUB") {
            let reference = mailbox_arg(self)?;
            self.sp()?;
            let pattern = self.list_mailbox()?;
            if is(b"LIST") {
                CommandBody::List { reference, pattern }
            } else {
                CommandBody::Lsub { reference, pattern }
            }
        } else if is(b"STATUS") {
            let mailbox = mailbox_arg(self)?;
            self.sp()?;
            let attributes = self.paren_list(|p| p.status_attribute())?;
            if attributes.is_empty() {
                return self.err("at least one status attribute");
            }
            CommandBody::Status { mailbox, attributes }
        } else if is(b"APPEND") {
            self.append()?
        } else if is(b"ENABLE") {
            let mut caps = Vec::new();
            while self.eat(b' ') {
                caps.push(self.atom()?);
            }
            if caps.is_empty() {
                return self.err("SP capability");
            }
            CommandBody::Enable(caps)
        } else if is(b"UID") {
            self.sp()?;
            let sub = self.atom_bytes()?;
            let is = |kw: &[u8]| sub.eq_ignore_ascii_case(kw);
            if is(b"FETCH") {
                self.fetch(true)?
            } else if is(b"SEARCH") {
                self.search(true)?
            } else if is(b"STORE") {
                self.store(true)?
            } else if is(b"COPY") {
                self.copy_or_move(true, false)?
            } else if is(b"MOVE") {
                self.copy_or_move(true, true)?
            } else if is(b"EXPUNGE") {
                self.sp()?;
                CommandBody::UidExpunge(self.sequence_set()?)
            } else {
                return self.err("FETCH, SEARCH, STORE, COPY, MOVE or EXPUNGE after UID");
            }
        } else if is(b"FETCH") {
            self.fetch(false)?
        } else if is(b"SEARCH") {
            self.search(false)?
        } else if is(b"STORE") {
            self.store(false)?
        } else if is(b"COPY") {
            self.copy_or_move(false, false)?
        } else if is(b"MOVE") {
            self.copy_or_move(false, true)?
        } else {
            self.pos = start;
            let name = self.atom()?;
            CommandBody::Other { name, arguments: self.raw_rest()? }
        })
    }

    /// A SASL response: base64 or `=` (empty).
    fn sasl_data(&mut self) -> PResult<IString> {
        let start = self.pos;
        if self.eat(b'=') && self.at_eol() {
            return Ok(IString::default());
        }
        self.pos = start;
        let (s, e) = self.take_while1(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='), "base64")?;
        match crate::base64::decode(&self.buf[s..e]) {
            Some(d) => Ok(IString::from(d)),
            None => {
                self.pos = s;
                self.err("valid base64")
            }
        }
    }

    /// `append` (after the name).
    fn append(&mut self) -> PResult<CommandBody> {
        self.sp()?;
        let mailbox = self.mailbox()?;
        self.sp()?;
        let mut flags = Vec::new();
        let mut date = None;
        if self.peek() == Some(b'(') {
            flags = self.flag_list()?;
            self.sp()?;
        }
        if self.peek() == Some(b'"') {
            date = Some(self.date_time()?);
            self.sp()?;
        }
        if !matches!(self.peek(), Some(b'{' | b'~')) {
            return self.err("literal message");
        }
        let message = self.literal()?;
        Ok(CommandBody::Append { mailbox, flags, date, message })
    }

    fn copy_or_move(&mut self, uid: bool, is_move: bool) -> PResult<CommandBody> {
        self.sp()?;
        let sequence_set = self.sequence_set()?;
        self.sp()?;
        let mailbox = self.mailbox()?;
        Ok(if is_move {
            CommandBody::Move { uid, sequence_set, mailbox }
        } else {
            CommandBody::Copy { uid, sequence_set, mailbox }
        })
    }

    fn store(&mut self, uid: bool) -> PResult<CommandBody> {
        self.sp()?;
        let sequence_set = self.sequence_set()?;
        let modifiers = self.modifiers()?;
        self.sp()?;
        let action = if self.eat(b'+') {
            StoreAction::Add
        } else if self.eat(b'-') {
            StoreAction::Remove
        } else {
            StoreAction::Replace
        };
        let silent = if self.eat_keyword(b"FLAGS.SILENT") {
            true
        } else {
            self.keyword(b"FLAGS", "FLAGS or FLAGS.SILENT")?;
            false
        };
        self.sp()?;
        let flags = if self.peek() == Some(b'(') {
            self.flag_list()?
        } else {
            let mut flags = vec![self.flag()?];
            while self.eat(b' ') {
                if self.at_eol() {
                    break;
                }
                flags.push(self.flag()?);
            }
            flags
        };
        Ok(CommandBody::Store { uid, sequence_set, modifiers, action, silent, flags })
    }

    fn fetch(&mut self, uid: bool) -> PResult<CommandBody> {
        self.sp()?;
        let sequence_set = self.sequence_set()?;
        self.sp()?;
        let items = if self.eat_keyword(b"ALL") {
            FetchItems::All
        } else if self.eat_keyword(b"FAST") {
            FetchItems::Fast
        } else if self.eat_keyword(b"FULL") {
            FetchItems::Full
        } else if self.peek() == Some(b'(') {
            let atts = self.paren_list(|p| p.fetch_attribute())?;
            if atts.is_empty() {
                return self.err("at least one fetch attribute");
            }
            FetchItems::Attributes(atts)
        } else {
            FetchItems::Attributes(vec![self.fetch_attribute()?])
        };
        Ok(CommandBody::Fetch { uid, sequence_set, items, modifiers: self.modifiers()? })
    }

    /// `[SP "(" modifier *(SP modifier) ")"]` (RFC 4466 select-params,
    /// fetch-modifiers and store-modifiers).
    fn modifiers(&mut self) -> PResult<Vec<Modifier>> {
        if !(self.peek() == Some(b' ') && self.peek_at(1) == Some(b'(')) {
            return Ok(Vec::new());
        }
        self.pos += 1;
        let list = self.paren_list(|p| {
            // tagged-ext-label: starts with a letter, '-', '_' or '.'.
            if !matches!(p.peek(), Some(b'a'..=b'z' | b'A'..=b'Z' | b'-' | b'_' | b'.')) {
                return p.err("modifier name");
            }
            let name = p.atom()?;
            // A value (tagged-ext-val) starts with a digit, '*', '$' or '('.
            let value = if p.peek() == Some(b' ') && matches!(p.peek_at(1), Some(b'0'..=b'9' | b'*' | b'$' | b'(')) {
                p.pos += 1;
                let start = p.pos;
                p.generic_value()?;
                Some(RawValue(p.slice(start, p.pos)))
            } else {
                None
            };
            Ok(Modifier { name, value })
        })?;
        if list.is_empty() {
            return self.err("at least one modifier");
        }
        Ok(list)
    }

    /// `fetch-att`
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

    fn search(&mut self, uid: bool) -> PResult<CommandBody> {
        self.sp()?;
        let mut charset = None;
        if self.eat_keyword(b"CHARSET") {
            self.sp()?;
            charset = Some(self.astring()?);
            self.sp()?;
        }
        let mut criteria = vec![self.search_key()?];
        while self.eat(b' ') {
            if self.at_eol() {
                break;
            }
            criteria.push(self.search_key()?);
        }
        Ok(CommandBody::Search { uid, charset, criteria })
    }

    /// `search-key`, depth-limited.
    pub(crate) fn search_key(&mut self) -> PResult<SearchKey> {
        self.descend()?;
        let key = self.search_key_inner()?;
        self.ascend();
        Ok(key)
    }

    fn search_key_inner(&mut self) -> PResult<SearchKey> {
        match self.peek() {
            Some(b'(') => {
                let keys = self.paren_list(|p| p.search_key())?;
                if keys.is_empty() {
                    return self.err("at least one search key");
                }
                return Ok(SearchKey::And(keys));
            }
            Some(b'0'..=b'9' | b'*') => return Ok(SearchKey::SequenceSet(self.sequence_set()?)),
            _ => {}
        }
        let start = self.pos;
        let name = self.atom_bytes()?;
        let is = |kw: &[u8]| name.eq_ignore_ascii_case(kw);
        let simple = [
            (&b"ALL"[..], SearchKey::All),
            (b"ANSWERED", SearchKey::Answered),
            (b"DELETED", SearchKey::Deleted),
            (b"DRAFT", SearchKey::Draft),
            (b"FLAGGED", SearchKey::Flagged),
            (b"NEW", SearchKey::New),
            (b"OLD", SearchKey::Old),
            (b"RECENT", SearchKey::Recent),
            (b"SEEN", SearchKey::Seen),
            (b"UNANSWERED", SearchKey::Unanswered),
            (b"UNDELETED", SearchKey::Undeleted),
            (b"UNDRAFT", SearchKey::Undraft),
            (b"UNFLAGGED", SearchKey::Unflagged),
            (b"UNSEEN", SearchKey::Unseen),
        ];
        for (kw, key) in simple {
            if is(kw) {
                return Ok(key);
            }
        }
        type StrKey = fn(IString) -> SearchKey;
        let string_keys: [(&[u8], StrKey); 7] = [
            (b"BCC", SearchKey::Bcc),
            (b"BODY", SearchKey::Body),
            (b"CC", SearchKey::Cc),
            (b"FROM", SearchKey::From),
            (b"SUBJECT", SearchKey::Subject),
            (b"TEXT", SearchKey::Text),
            (b"TO", SearchKey::To),
        ];
        for (kw, make) in string_keys {
            if is(kw) {
                self.sp()?;
                return Ok(make(self.astring()?));
            }
        }
        type DateKey = fn(Date) -> SearchKey;
        let date_keys: [(&[u8], DateKey); 6] = [
            (b"BEFORE", SearchKey::Before),
            (b"ON", SearchKey::On),
            (b"SINCE", SearchKey::Since),
            (b"SENTBEFORE", SearchKey::SentBefore),
            (b"SENTON", SearchKey::SentOn),
            (b"SENTSINCE", SearchKey::SentSince),
        ];
        for (kw, make) in date_keys {
            if is(kw) {
                self.sp()?;
                return Ok(make(self.search_date()?));
            }
        }
        Ok(if is(b"KEYWORD") {
            self.sp()?;
            SearchKey::Keyword(self.atom()?)
        } else if is(b"UNKEYWORD") {
            self.sp()?;
            SearchKey::Unkeyword(self.atom()?)
        } else if is(b"HEADER") {
            self.sp()?;
            let field = self.astring()?;
            self.sp()?;
            SearchKey::Header(field, self.astring()?)
        } else if is(b"LARGER") {
            self.sp()?;
            SearchKey::Larger(self.number()?)
        } else if is(b"SMALLER") {
            self.sp()?;
            SearchKey::Smaller(self.number()?)
        } else if is(b"NOT") {
            self.sp()?;
            SearchKey::Not(Box::new(self.search_key()?))
        } else if is(b"OR") {
            self.sp()?;
            let a = self.search_key()?;
            self.sp()?;
            SearchKey::Or(Box::new(a), Box::new(self.search_key()?))
        } else if is(b"UID") {
            self.sp()?;
            SearchKey::Uid(self.sequence_set()?)
        } else if is(b"MODSEQ") {
            self.sp()?;
            SearchKey::ModSeq(self.number64()?)
        } else {
            self.pos = start;
            return self.err("search key");
        })
    }

    /// `date` = date-text / DQUOTE date-text DQUOTE
    fn search_date(&mut self) -> PResult<Date> {
        let start = self.pos;
        let (text, offset) = if self.peek() == Some(b'"') {
            (self.quoted()?, start + 1)
        } else {
            let (s, e) = self.take_while1(|b| b.is_ascii_alphanumeric() || b == b'-', "date")?;
            (IString(self.small(s, e)), s)
        };
        date_text(&text).map_err(|mut e| {
            e.offset += offset;
            e
        })
    }

    /// A line a client sends while an AUTHENTICATE exchange is under way:
    /// base64 or `*`.
    pub(crate) fn authenticate_line(&mut self) -> PResult<ClientMessage> {
        let msg = if self.eat(b'*') {
            ClientMessage::AuthenticateCancel
        } else if self.at_eol() {
            ClientMessage::AuthenticateData(IString::default())
        } else {
            ClientMessage::AuthenticateData(self.sasl_data()?)
        };
        self.crlf_end()?;
        Ok(msg)
    }

    /// `DONE` ending IDLE.
    pub(crate) fn idle_done(&mut self) -> PResult<ClientMessage> {
        self.keyword(b"DONE", "DONE")?;
        self.crlf_end()?;
        Ok(ClientMessage::IdleDone)
    }
}

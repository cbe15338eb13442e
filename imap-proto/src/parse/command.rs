//! Commands (RFC 3501 section 6), fetch attributes and search keys.

use super::{PResult, Parser};
use crate::types::*;

impl<'a> Parser<'a> {
    /// `command`: `tag SP command-body CRLF`.
    ///
    /// ```text
    /// command         = tag SP (command-any / command-auth / command-nonauth /
    ///                   command-select) CRLF
    /// ```
    pub(crate) fn command(&mut self) -> PResult<Command> {
        let tag = self.tag()?;
        self.sp()?;
        let body = self.command_body()?;
        self.crlf_end()?;
        Ok(Command { tag, body })
    }

    /// ```text
    /// command-any     = "CAPABILITY" / "LOGOUT" / "NOOP" / x-command
    /// command-auth    = append / create / delete / examine / list / lsub /
    ///                   rename / select / status / subscribe / unsubscribe
    /// command-nonauth = login / authenticate / "STARTTLS"
    /// command-select  = "CHECK" / "CLOSE" / "EXPUNGE" / copy / fetch / store /
    ///                   uid / search
    /// ```
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
        } else if is(b"UNAUTHENTICATE") {
            CommandBody::Unauthenticate
        } else if is(b"ID") {
            // id = "ID" SP id_params_list   (RFC 2971)
            self.sp()?;
            CommandBody::Id(self.id_params()?)
        } else if is(b"COMPRESS") {
            // compress = "COMPRESS" SP algorithm   (RFC 4978)
            // algorithm = "DEFLATE"                (any atom is kept)
            self.sp()?;
            CommandBody::Compress { algorithm: self.atom()? }
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
            CommandBody::Select { mailbox, parameters: self.parameters(Self::select_parameter)? }
        } else if is(b"EXAMINE") {
            let mailbox = mailbox_arg(self)?;
            CommandBody::Examine { mailbox, parameters: self.parameters(Self::select_parameter)? }
        } else if is(b"CREATE") {
            let mailbox = mailbox_arg(self)?;
            CommandBody::Create { mailbox, parameters: self.parameters(Self::create_parameter)? }
        } else if is(b"DELETE") {
            CommandBody::Delete(mailbox_arg(self)?)
        } else if is(b"SUBSCRIBE") {
            CommandBody::Subscribe(mailbox_arg(self)?)
        } else if is(b"UNSUBSCRIBE") {
            CommandBody::Unsubscribe(mailbox_arg(self)?)
        } else if is(b"RENAME") {
            let from = mailbox_arg(self)?;
            CommandBody::Rename { from, to: mailbox_arg(self)? }
        } else if is(b"LIST") {
            self.list()?
        } else if is(b"XLIST") {
            let reference = mailbox_arg(self)?;
            self.sp()?;
            CommandBody::Xlist { reference, pattern: self.list_mailbox()? }
        } else if is(b"REPLACE") {
            self.replace(false)?
        } else if is(b"LSUB") {
            let reference = mailbox_arg(self)?;
            self.sp()?;
            CommandBody::Lsub { reference, pattern: self.list_mailbox()? }
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
            } else if is(b"SORT") {
                self.sort(true)?
            } else if is(b"REPLACE") {
                self.replace(true)?
            } else if is(b"THREAD") {
                self.thread(true)?
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
                // An extension's UID command (`UID XFOO ...`) is kept raw,
                // as an unknown command is, under the name UID.
                self.pos = start;
                let name = self.atom()?;
                self.sp()?;
                CommandBody::Other { name, arguments: self.raw_rest()? }
            }
        } else if is(b"FETCH") {
            self.fetch(false)?
        } else if is(b"SEARCH") {
            self.search(false)?
        } else if is(b"SORT") {
            self.sort(false)?
        } else if is(b"THREAD") {
            self.thread(false)?
        } else if is(b"GETQUOTA") || is(b"GETQUOTAROOT") || is(b"SETQUOTA") {
            self.quota_command(name)?
        } else if is(b"GETMETADATA") {
            self.get_metadata()?
        } else if is(b"SETMETADATA") {
            self.set_metadata()?
        } else if is(b"NOTIFY") {
            self.sp()?;
            CommandBody::Notify(self.notify()?)
        } else if is(b"CANCELUPDATE") {
            // "CANCELUPDATE" 1*(SP quoted)   (RFC 5267; a literal is read too)
            let mut tags = Vec::new();
            while self.eat(b' ') {
                tags.push(self.string()?);
            }
            if tags.is_empty() {
                return self.err("SP quoted tag");
            }
            CommandBody::CancelUpdate(tags)
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

    /// ```text
    /// notify          = "NOTIFY" SP (notify-set / notify-none)
    /// notify-set      = "SET" [status-indicator] SP event-groups
    /// notify-none     = "NONE"
    /// status-indicator = SP "STATUS"
    /// event-groups    = event-group *(SP event-group)
    /// ```
    fn notify(&mut self) -> PResult<Notify> {
        let start = self.pos;
        let word = self.atom_bytes()?;
        if word.eq_ignore_ascii_case(b"NONE") {
            return Ok(Notify::None);
        }
        if !word.eq_ignore_ascii_case(b"SET") {
            self.pos = start;
            return self.err("SET or NONE");
        }
        self.sp()?;
        let mut status = false;
        if self.peek() != Some(b'(') {
            let at = self.pos;
            if !self.atom_bytes()?.eq_ignore_ascii_case(b"STATUS") {
                self.pos = at;
                return self.err("STATUS or an event group");
            }
            status = true;
            self.sp()?;
        }
        let mut groups = vec![self.notify_group()?];
        while self.eat(b' ') {
            groups.push(self.notify_group()?);
        }
        Ok(Notify::Set { status, groups })
    }

    /// ```text
    /// event-group     = "(" filter-mailboxes SP events ")"
    /// filter-mailboxes = filter-mailboxes-selected / filter-mailboxes-other
    /// filter-mailboxes-other = "inboxes" / "personal" / "subscribed" /
    ///                 ( "subtree" SP one-or-more-mailbox ) /
    ///                 ( "mailboxes" SP one-or-more-mailbox )
    /// filter-mailboxes-selected = "selected" / "selected-delayed"
    /// one-or-more-mailbox = mailbox / many-mailboxes
    /// many-mailboxes  = "(" mailbox *(SP mailbox) ")"
    /// events          = ( "(" event *(SP event) ")" ) / "NONE"
    /// ```
    fn notify_group(&mut self) -> PResult<NotifyGroup> {
        self.byte(b'(', "( event group")?;
        let start = self.pos;
        let word = self.atom_bytes()?;
        let is = |kw: &[u8]| word.eq_ignore_ascii_case(kw);
        let filter = if is(b"SELECTED") {
            NotifyFilter::Selected
        } else if is(b"SELECTED-DELAYED") {
            NotifyFilter::SelectedDelayed
        } else if is(b"INBOXES") {
            NotifyFilter::Inboxes
        } else if is(b"PERSONAL") {
            NotifyFilter::Personal
        } else if is(b"SUBSCRIBED") {
            NotifyFilter::Subscribed
        } else if is(b"SUBTREE") || is(b"MAILBOXES") {
            let subtree = is(b"SUBTREE");
            self.sp()?;
            let mailboxes = if self.peek() == Some(b'(') {
                let list = self.paren_list(|p| p.mailbox())?;
                if list.is_empty() {
                    return self.err("a mailbox");
                }
                list
            } else {
                vec![self.mailbox()?]
            };
            if subtree {
                NotifyFilter::Subtree(mailboxes)
            } else {
                NotifyFilter::Mailboxes(mailboxes)
            }
        } else {
            self.pos = start;
            return self.err("a mailbox filter");
        };
        self.sp()?;
        let events = if self.peek() == Some(b'(') {
            let events = self.paren_list(|p| p.notify_event())?;
            if events.is_empty() {
                return self.err("an event");
            }
            events
        } else {
            let at = self.pos;
            if self.atom_bytes()?.eq_ignore_ascii_case(b"NONE") {
                Vec::new()
            } else {
                // The RFC's own examples (section 3) leave the list's
                // parentheses out: `(selected MessageNew (uid) MessageExpunge)`.
                self.pos = at;
                let mut events = vec![self.notify_event()?];
                while self.eat(b' ') {
                    events.push(self.notify_event()?);
                }
                events
            }
        };
        self.byte(b')', ") after the events")?;
        Ok(NotifyGroup { filter, events })
    }

    /// ```text
    /// message-event   = ( "MessageNew" [SP "(" fetch-att *(SP fetch-att) ")" ] )
    ///                 / "MessageExpunge" / "FlagChange" / "AnnotationChange"
    /// mailbox-event   = "MailboxName" / "SubscriptionChange" / "MailboxMetadataChange"
    /// user-event      = "ServerMetadataChange"
    /// event-ext       = atom
    /// ```
    pub(crate) fn notify_event(&mut self) -> PResult<NotifyEvent> {
        let event = NotifyEvent::from_atom(self.atom()?);
        if matches!(event, NotifyEvent::MessageNew(_)) && self.peek() == Some(b' ') && self.peek_at(1) == Some(b'(') {
            self.pos += 1;
            let items = self.paren_list(|p| p.fetch_attribute(true))?;
            if items.is_empty() {
                return self.err("a fetch attribute");
            }
            return Ok(NotifyEvent::MessageNew(items));
        }
        Ok(event)
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

    /// `list` (after the name), with the extensions of RFC 5258, 5819 and
    /// 6154.
    ///
    /// ```text
    /// list            = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat
    ///                   [SP list-return-opts]
    /// list-select-opts = "(" [list-select-opt *(SP list-select-opt)] ")"
    /// list-select-opt = "SUBSCRIBED" / "REMOTE" / "RECURSIVEMATCH" /
    ///                   "SPECIAL-USE" / option-extension
    /// mbox-or-pat     = list-mailbox / patterns
    /// patterns        = "(" list-mailbox *(SP list-mailbox) ")"
    /// list-return-opts = "RETURN" SP "(" [return-option *(SP return-option)] ")"
    /// return-option   = "SUBSCRIBED" / "CHILDREN" / "SPECIAL-USE" /
    ///                   "STATUS" SP "(" status-att *(SP status-att) ")" /
    ///                   option-extension
    /// ```
    fn list(&mut self) -> PResult<CommandBody> {
        self.sp()?;
        let mut selection = Vec::new();
        if self.peek() == Some(b'(') {
            selection = self.paren_list(|p| {
                Ok(if p.eat_keyword(b"SUBSCRIBED") {
                    ListSelectOption::Subscribed
                } else if p.eat_keyword(b"REMOTE") {
                    ListSelectOption::Remote
                } else if p.eat_keyword(b"RECURSIVEMATCH") {
                    ListSelectOption::RecursiveMatch
                } else if p.eat_keyword(b"SPECIAL-USE") {
                    ListSelectOption::SpecialUse
                } else {
                    ListSelectOption::Other(p.modifier()?)
                })
            })?;
            // RFC 5819's example leaves out this space; it is optional here.
            self.eat(b' ');
        }
        let reference = self.mailbox()?;
        self.sp()?;
        let patterns = if self.peek() == Some(b'(') {
            let patterns = self.paren_list(|p| p.list_mailbox())?;
            if patterns.is_empty() {
                return self.err("at least one pattern");
            }
            patterns
        } else {
            vec![self.list_mailbox()?]
        };
        let mut return_options = Vec::new();
        if self.rest().get(..8).is_some_and(|r| r.eq_ignore_ascii_case(b" RETURN ")) {
            self.pos += 8;
            return_options = self.paren_list(|p| {
                Ok(if p.eat_keyword(b"SUBSCRIBED") {
                    ListReturnOption::Subscribed
                } else if p.eat_keyword(b"CHILDREN") {
                    ListReturnOption::Children
                } else if p.eat_keyword(b"SPECIAL-USE") {
                    ListReturnOption::SpecialUse
                } else if p.at_keyword(b"STATUS") && p.rest().get(6..8) == Some(b" (") {
                    p.pos += 7;
                    let attributes = p.paren_list(|p| p.status_attribute())?;
                    if attributes.is_empty() {
                        return p.err("at least one status attribute");
                    }
                    ListReturnOption::Status(attributes)
                } else {
                    ListReturnOption::Other(p.modifier()?)
                })
            })?;
        }
        Ok(CommandBody::List { selection, reference, patterns, return_options })
    }

    /// `append` (after the name), MULTIAPPEND and CATENATE included.
    ///
    /// ```text
    /// append          = "APPEND" SP mailbox 1*append-message   ; RFC 3502
    /// append-message  = append-opts SP append-data
    /// append-opts     = [SP flag-list] [SP date-time]
    /// append-data     = literal / literal8 / "CATENATE" SP "(" cat-part
    ///                   *(SP cat-part) ")"                   ; RFC 4469
    /// cat-part        = "TEXT" SP literal / "URL" SP astring
    /// ```
    fn append(&mut self) -> PResult<CommandBody> {
        self.sp()?;
        let mailbox = self.mailbox()?;
        let mut messages = Vec::new();
        while self.eat(b' ') {
            if !messages.is_empty() && self.at_eol() {
                break;
            }
            let message = self.append_message()?;
            messages.push(message);
        }
        if messages.is_empty() {
            return self.err("SP message");
        }
        Ok(CommandBody::Append { mailbox, messages })
    }

    /// `append-message` after its SP (RFC 3502, with RFC 4469's
    /// CATENATE and RFC 6855's UTF8): `[flag-list SP] [date-time SP]
    /// append-data`.
    fn append_message(&mut self) -> PResult<AppendMessage> {
        let mut message =
            AppendMessage { flags: Vec::new(), date: None, content: AppendContent::Literal(IString::default()) };
        if self.peek() == Some(b'(') {
            message.flags = self.flag_list()?;
            self.sp()?;
        }
        if self.peek() == Some(b'"') {
            message.date = Some(self.date_time()?);
            self.sp()?;
        }
        message.content = if matches!(self.peek(), Some(b'{' | b'~')) {
            AppendContent::Literal(self.literal()?)
        } else if self.eat_keyword(b"UTF8") {
            // RFC 6855: append-data =/ "UTF8" SP "(" literal8 ")"
            self.sp()?;
            self.byte(b'(', "(")?;
            if self.peek() != Some(b'~') {
                return self.err("literal8");
            }
            let message = self.literal()?;
            self.byte(b')', ")")?;
            AppendContent::Utf8(message)
        } else if self.eat_keyword(b"CATENATE") {
            self.sp()?;
            let parts = self.paren_list(|p| {
                if p.eat_keyword(b"TEXT") {
                    p.sp()?;
                    if !matches!(p.peek(), Some(b'{' | b'~')) {
                        return p.err("literal");
                    }
                    Ok(CatenatePart::Text(p.literal()?))
                } else {
                    p.keyword(b"URL", "TEXT or URL")?;
                    p.sp()?;
                    Ok(CatenatePart::Url(p.astring()?))
                }
            })?;
            if parts.is_empty() {
                return self.err("at least one part");
            }
            AppendContent::Catenate(parts)
        } else {
            return self.err("literal message");
        };
        Ok(message)
    }

    /// ```text
    /// replace         = "REPLACE" SP seq-number SP mailbox append-message
    /// uid-replace     = "UID" SP replace                      ; RFC 8508
    /// ```
    fn replace(&mut self, uid: bool) -> PResult<CommandBody> {
        self.sp()?;
        let message = if self.eat(b'*') { SeqNumber::Largest } else { SeqNumber::Value(self.nz_number()?) };
        self.sp()?;
        let mailbox = self.mailbox()?;
        self.sp()?;
        let replacement = self.append_message()?;
        Ok(CommandBody::Replace { uid, message, mailbox, replacement })
    }

    /// ```text
    /// copy            = "COPY" SP sequence-set SP mailbox
    /// ```
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

    /// ```text
    /// store           = "STORE" SP sequence-set SP store-att-flags
    /// store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP
    ///                   (flag-list / (flag *(SP flag)))
    /// ```
    fn store(&mut self, uid: bool) -> PResult<CommandBody> {
        self.sp()?;
        let sequence_set = self.sequence_set()?;
        let modifiers = self.parameters(Self::store_modifier)?;
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
            self.paren_list(|p| p.store_flag())?.into_iter().flatten().collect()
        } else {
            let mut flags: Vec<Flag> = self.store_flag()?.into_iter().collect();
            while self.eat(b' ') {
                if self.at_eol() {
                    break;
                }
                flags.extend(self.store_flag()?);
            }
            flags
        };
        Ok(CommandBody::Store { uid, sequence_set, modifiers, action, silent, flags })
    }

    /// ```text
    /// fetch           = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" /
    ///                   fetch-att / "(" fetch-att *(SP fetch-att) ")")
    /// ```
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
            let atts = self.paren_list(|p| p.fetch_attribute(true))?;
            if atts.is_empty() {
                return self.err("at least one fetch attribute");
            }
            FetchItems::Attributes(atts)
        } else {
            FetchItems::Attributes(vec![self.fetch_attribute(false)?])
        };
        Ok(CommandBody::Fetch { uid, sequence_set, items, modifiers: self.parameters(Self::fetch_modifier)? })
    }

    /// `[SP "(" parameter *(SP parameter) ")"]` (RFC 4466 select-params,
    /// create-params, fetch-modifiers and store-modifiers).
    fn parameters<T>(&mut self, item: fn(&mut Self) -> PResult<T>) -> PResult<Vec<T>> {
        if !(self.peek() == Some(b' ') && self.peek_at(1) == Some(b'(')) {
            return Ok(Vec::new());
        }
        self.pos += 1;
        let list = self.paren_list(item)?;
        if list.is_empty() {
            return self.err("at least one parameter");
        }
        Ok(list)
    }

    /// ```text
    /// select-param    = "CONDSTORE" / "QRESYNC" SP "(" uidvalidity SP
    ///                   mod-sequence-value [SP known-uids]
    ///                   [SP seq-match-data] ")" / tagged-ext
    /// seq-match-data  = "(" known-sequence-set SP known-uid-set ")"
    /// ```
    fn select_parameter(&mut self) -> PResult<SelectParameter> {
        if self.eat_keyword(b"CONDSTORE") {
            return Ok(SelectParameter::CondStore);
        }
        if !self.at_keyword(b"QRESYNC") {
            return Ok(SelectParameter::Other(self.modifier()?));
        }
        self.pos += 7;
        self.sp()?;
        self.byte(b'(', "(")?;
        let uid_validity = self.nz_number()?;
        self.sp()?;
        let modseq = self.number64()?;
        let mut q = QResync { uid_validity, modseq, known_uids: None, seq_match: None };
        if self.eat(b' ') && self.peek() != Some(b'(') {
            q.known_uids = Some(self.sequence_set()?);
            self.eat(b' ');
        }
        if self.eat(b'(') {
            let sequence_numbers = self.sequence_set()?;
            self.sp()?;
            q.seq_match = Some((sequence_numbers, self.sequence_set()?));
            self.byte(b')', ")")?;
        }
        self.byte(b')', ")")?;
        Ok(SelectParameter::QResync(q))
    }

    /// ```text
    /// create-param    = "USE" SP "(" [use-attr *(SP use-attr)] ")" / tagged-ext
    /// ```
    fn create_parameter(&mut self) -> PResult<CreateParameter> {
        if !self.eat_keyword(b"USE") {
            return Ok(CreateParameter::Other(self.modifier()?));
        }
        self.sp()?;
        Ok(CreateParameter::Use(self.mailbox_attributes()?))
    }

    /// ```text
    /// fetch-modifier  = "CHANGEDSINCE" SP mod-sequence-value / "VANISHED" /
    ///                   "PARTIAL" SP partial-range / tagged-ext
    /// ```
    fn fetch_modifier(&mut self) -> PResult<FetchModifier> {
        Ok(if self.eat_keyword(b"CHANGEDSINCE") {
            self.sp()?;
            FetchModifier::ChangedSince(self.number64()?)
        } else if self.eat_keyword(b"VANISHED") {
            FetchModifier::Vanished
        } else if self.eat_keyword(b"PARTIAL") {
            self.sp()?;
            FetchModifier::Partial(self.partial_range()?)
        } else {
            FetchModifier::Other(self.modifier()?)
        })
    }

    /// ```text
    /// store-modifier  = "UNCHANGEDSINCE" SP mod-sequence-valzer / tagged-ext
    /// ```
    fn store_modifier(&mut self) -> PResult<StoreModifier> {
        Ok(if self.eat_keyword(b"UNCHANGEDSINCE") {
            self.sp()?;
            StoreModifier::UnchangedSince(self.number64()?)
        } else {
            StoreModifier::Other(self.modifier()?)
        })
    }

    /// One RFC 4466 parameter: a name and an optional value.
    ///
    /// ```text
    /// tagged-ext-label    = tagged-label-fchar *tagged-label-char
    /// tagged-label-fchar  = ALPHA / "-" / "_" / "."
    /// tagged-ext-val      = tagged-ext-simple / "(" [tagged-ext-comp] ")"
    /// ```
    pub(crate) fn modifier(&mut self) -> PResult<Modifier> {
        if !matches!(self.peek(), Some(b'a'..=b'z' | b'A'..=b'Z' | b'-' | b'_' | b'.')) {
            return self.err("modifier name");
        }
        let name = self.atom()?;
        // A value (tagged-ext-val) starts with a digit, '*', '$' or '('.
        let value = if self.peek() == Some(b' ') && matches!(self.peek_at(1), Some(b'0'..=b'9' | b'*' | b'$' | b'(')) {
            self.pos += 1;
            let start = self.pos;
            self.generic_value()?;
            Some(RawValue(self.slice(start, self.pos)))
        } else {
            None
        };
        Ok(Modifier { name, value })
    }

    /// `[SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"]`
    /// before the criteria of SEARCH or SORT; consumes the SP after it.
    ///
    /// ```text
    /// search-return-opts = SP "RETURN" SP "(" [search-return-opt
    ///                      *(SP search-return-opt)] ")"
    /// search-return-opt  = "MIN" / "MAX" / "ALL" / "COUNT" / "SAVE" /
    ///                      "CONTEXT" / "UPDATE" / "PARTIAL" SP partial-range /
    ///                      search-ret-opt-ext
    /// ```
    fn search_return_options(&mut self) -> PResult<Option<Vec<SearchReturnOption>>> {
        if !(self.at_keyword(b"RETURN") && self.rest().get(6) == Some(&b' ') && self.rest().get(7) == Some(&b'(')) {
            return Ok(None);
        }
        self.pos += 7;
        let options = self.paren_list(|p| {
            let start = p.pos;
            let name = p.atom_bytes()?;
            let is = |kw: &[u8]| name.eq_ignore_ascii_case(kw);
            Ok(if is(b"MIN") {
                SearchReturnOption::Min
            } else if is(b"MAX") {
                SearchReturnOption::Max
            } else if is(b"ALL") {
                SearchReturnOption::All
            } else if is(b"COUNT") {
                SearchReturnOption::Count
            } else if is(b"SAVE") {
                SearchReturnOption::Save
            } else if is(b"CONTEXT") {
                SearchReturnOption::Context
            } else if is(b"UPDATE") {
                SearchReturnOption::Update
            } else if is(b"RELEVANCY") {
                SearchReturnOption::Relevancy
            } else if is(b"PARTIAL") {
                p.sp()?;
                SearchReturnOption::Partial(p.partial_range()?)
            } else {
                p.pos = start;
                SearchReturnOption::Other(p.modifier()?)
            })
        })?;
        self.sp()?;
        Ok(Some(options))
    }

    /// ```text
    /// search          = "SEARCH" [SP "CHARSET" SP astring] 1*(SP search-key)
    /// ```
    fn search(&mut self, uid: bool) -> PResult<CommandBody> {
        self.sp()?;
        let return_options = self.search_return_options()?;
        let mut charset = None;
        if self.eat_keyword(b"CHARSET") {
            self.sp()?;
            charset = Some(self.astring()?);
            self.sp()?;
        }
        let criteria = self.search_keys()?;
        Ok(CommandBody::Search { uid, return_options, charset, criteria })
    }

    /// `1*(SP search-key)` after the first SP, to the end of the command.
    fn search_keys(&mut self) -> PResult<Vec<SearchKey>> {
        let mut criteria = vec![self.search_key()?];
        while self.eat(b' ') {
            if self.at_eol() {
                break;
            }
            criteria.push(self.search_key()?);
        }
        Ok(criteria)
    }

    /// ```text
    /// sort            = ["UID" SP] "SORT" [search-return-opts] SP
    ///                   sort-criteria SP search-criteria
    /// sort-criteria   = "(" sort-criterion *(SP sort-criterion) ")"
    /// sort-criterion  = ["REVERSE" SP] sort-key
    /// search-criteria = charset 1*(SP search-key)
    /// ```
    fn sort(&mut self, uid: bool) -> PResult<CommandBody> {
        self.sp()?;
        let return_options = self.search_return_options()?;
        let criteria = self.paren_list(|p| {
            let reverse = p.eat_keyword(b"REVERSE");
            if reverse {
                p.sp()?;
            }
            Ok(SortCriterion { reverse, key: SortKey::from_atom(p.atom()?) })
        })?;
        if criteria.is_empty() {
            return self.err("at least one sort criterion");
        }
        self.sp()?;
        let charset = self.astring()?;
        self.sp()?;
        let search = self.search_keys()?;
        Ok(CommandBody::Sort { uid, return_options, criteria, charset, search })
    }

    /// ```text
    /// thread          = ["UID" SP] "THREAD" SP thread-alg SP search-criteria
    /// thread-alg      = "ORDEREDSUBJECT" / "REFERENCES" / thread-alg-ext
    /// ```
    fn thread(&mut self, uid: bool) -> PResult<CommandBody> {
        self.sp()?;
        let algorithm = self.atom()?;
        self.sp()?;
        let charset = self.astring()?;
        self.sp()?;
        let search = self.search_keys()?;
        Ok(CommandBody::Thread { uid, algorithm, charset, search })
    }

    /// A line a client sends while an AUTHENTICATE exchange is under way:
    /// base64 or `*`.
    ///
    /// ```text
    /// authenticate    = "AUTHENTICATE" SP auth-type *(CRLF base64)
    /// ```
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

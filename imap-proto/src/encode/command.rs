//! Serialization of commands and of the pieces commands and responses share.

use super::{Encode, Encoder};
use crate::types::*;

impl Encode for Command {
    fn encode(&self, e: &mut Encoder<'_>) {
        e.set_command(true);
        e.raw(self.tag.as_bytes());
        e.sp();
        self.body.encode(e);
        e.crlf();
        e.set_command(false);
    }
}

/// ` (parameter ...)` when there are parameters.
fn parameters<T: Encode>(e: &mut Encoder<'_>, list: &[T]) {
    if list.is_empty() {
        return;
    }
    e.sp();
    e.paren(list, |e, p| p.encode(e));
}

impl Encode for SelectParameter {
    fn encode(&self, e: &mut Encoder<'_>) {
        match self {
            SelectParameter::CondStore => e.raw(b"CONDSTORE"),
            SelectParameter::QResync(q) => {
                e.raw(b"QRESYNC (");
                e.number(q.uid_validity.get() as u64);
                e.sp();
                e.number(q.modseq);
                if let Some(set) = &q.known_uids {
                    e.sp();
                    set.encode(e);
                }
                if let Some((numbers, uids)) = &q.seq_match {
                    e.raw(b" (");
                    numbers.encode(e);
                    e.sp();
                    uids.encode(e);
                    e.byte(b')');
                }
                e.byte(b')');
            }
            SelectParameter::Other(m) => e.modifier(m),
        }
    }
}

impl Encode for CreateParameter {
    fn encode(&self, e: &mut Encoder<'_>) {
        match self {
            CreateParameter::Use(attributes) => {
                e.raw(b"USE ");
                e.paren(attributes, |e, a| {
                    e.byte(b'\\');
                    e.raw(a.name().as_bytes());
                });
            }
            CreateParameter::Other(m) => e.modifier(m),
        }
    }
}

impl Encode for FetchModifier {
    fn encode(&self, e: &mut Encoder<'_>) {
        match self {
            FetchModifier::ChangedSince(n) => {
                e.raw(b"CHANGEDSINCE ");
                e.number(*n);
            }
            FetchModifier::Vanished => e.raw(b"VANISHED"),
            FetchModifier::Partial(range) => {
                e.raw(b"PARTIAL ");
                range.encode(e);
            }
            FetchModifier::Other(m) => e.modifier(m),
        }
    }
}

impl Encode for StoreModifier {
    fn encode(&self, e: &mut Encoder<'_>) {
        match self {
            StoreModifier::UnchangedSince(n) => {
                e.raw(b"UNCHANGEDSINCE ");
                e.number(*n);
            }
            StoreModifier::Other(m) => e.modifier(m),
        }
    }
}

/// `[flag-list SP] [date-time SP] append-data`
fn append_message(e: &mut Encoder<'_>, m: &AppendMessage) {
    if !m.flags.is_empty() {
        e.paren(&m.flags, |e, f| f.encode(e));
        e.sp();
    }
    if let Some(d) = &m.date {
        d.encode(e);
        e.sp();
    }
    match &m.content {
        AppendContent::Literal(message) => e.literal_or_literal8(message),
        AppendContent::Utf8(message) => {
            e.raw(b"UTF8 (~");
            e.literal(message);
            e.byte(b')');
        }
        AppendContent::Catenate(parts) => {
            e.raw(b"CATENATE ");
            e.paren(parts, |e, part| match part {
                CatenatePart::Text(text) => {
                    e.raw(b"TEXT ");
                    e.literal_or_literal8(text);
                }
                CatenatePart::Url(url) => {
                    e.raw(b"URL ");
                    e.astring(url);
                }
            });
        }
    }
}

/// ` RETURN (options)` before the criteria of SEARCH and SORT.
fn return_options(e: &mut Encoder<'_>, options: &Option<Vec<SearchReturnOption>>) {
    let Some(options) = options else { return };
    e.raw(b" RETURN ");
    e.paren(options, |e, o| match o {
        SearchReturnOption::Min => e.raw(b"MIN"),
        SearchReturnOption::Max => e.raw(b"MAX"),
        SearchReturnOption::All => e.raw(b"ALL"),
        SearchReturnOption::Count => e.raw(b"COUNT"),
        SearchReturnOption::Save => e.raw(b"SAVE"),
        SearchReturnOption::Context => e.raw(b"CONTEXT"),
        SearchReturnOption::Update => e.raw(b"UPDATE"),
        SearchReturnOption::Relevancy => e.raw(b"RELEVANCY"),
        SearchReturnOption::Partial(range) => {
            e.raw(b"PARTIAL ");
            range.encode(e);
        }
        SearchReturnOption::Other(m) => e.modifier(m),
    });
}

/// `SP search-key...`, `ALL` when there are none.
fn search_keys(e: &mut Encoder<'_>, keys: &[SearchKey]) {
    if keys.is_empty() {
        e.raw(b" ALL");
    }
    for k in keys {
        e.sp();
        k.encode(e);
    }
}

fn uid_prefix(e: &mut Encoder<'_>, uid: bool) {
    if uid {
        e.raw(b"UID ");
    }
}

impl Encode for CommandBody {
    fn encode(&self, e: &mut Encoder<'_>) {
        let with_mailbox = |e: &mut Encoder<'_>, name: &[u8], m: &Mailbox| {
            e.raw(name);
            e.sp();
            m.encode(e);
        };
        match self {
            CommandBody::Capability => e.raw(b"CAPABILITY"),
            CommandBody::Noop => e.raw(b"NOOP"),
            CommandBody::Logout => e.raw(b"LOGOUT"),
            CommandBody::StartTls => e.raw(b"STARTTLS"),
            CommandBody::Check => e.raw(b"CHECK"),
            CommandBody::Close => e.raw(b"CLOSE"),
            CommandBody::Expunge => e.raw(b"EXPUNGE"),
            CommandBody::Idle => e.raw(b"IDLE"),
            CommandBody::Namespace => e.raw(b"NAMESPACE"),
            CommandBody::Unselect => e.raw(b"UNSELECT"),
            CommandBody::Unauthenticate => e.raw(b"UNAUTHENTICATE"),
            CommandBody::Replace { uid, message, mailbox, replacement } => {
                uid_prefix(e, *uid);
                e.raw(b"REPLACE ");
                match message {
                    SeqNumber::Value(n) => e.number(n.get() as u64),
                    SeqNumber::Largest => e.byte(b'*'),
                }
                e.sp();
                mailbox.encode(e);
                e.sp();
                append_message(e, replacement);
            }
            CommandBody::Xlist { reference, pattern } => {
                with_mailbox(e, b"XLIST", reference);
                e.sp();
                e.list_mailbox(pattern);
            }
            CommandBody::Id(params) => {
                e.raw(b"ID ");
                e.id_params(params);
            }
            CommandBody::Compress { algorithm } => {
                e.raw(b"COMPRESS ");
                e.raw(algorithm.as_bytes());
            }
            CommandBody::Authenticate { mechanism, initial_response } => {
                e.raw(b"AUTHENTICATE ");
                e.raw(mechanism.as_bytes());
                if let Some(ir) = initial_response {
                    e.sp();
                    if ir.is_empty() {
                        e.byte(b'=');
                    } else {
                        e.raw(crate::base64::encode(ir).as_bytes());
                    }
                }
            }
            CommandBody::Login { username, password } => {
                e.raw(b"LOGIN ");
                e.astring(username);
                e.sp();
                e.astring(password);
            }
            CommandBody::Select { mailbox, parameters: p } => {
                with_mailbox(e, b"SELECT", mailbox);
                parameters(e, p);
            }
            CommandBody::Examine { mailbox, parameters: p } => {
                with_mailbox(e, b"EXAMINE", mailbox);
                parameters(e, p);
            }
            CommandBody::Create { mailbox, parameters: p } => {
                with_mailbox(e, b"CREATE", mailbox);
                parameters(e, p);
            }
            CommandBody::Delete(m) => with_mailbox(e, b"DELETE", m),
            CommandBody::Subscribe(m) => with_mailbox(e, b"SUBSCRIBE", m),
            CommandBody::Unsubscribe(m) => with_mailbox(e, b"UNSUBSCRIBE", m),
            CommandBody::Rename { from, to } => {
                with_mailbox(e, b"RENAME", from);
                e.sp();
                to.encode(e);
            }
            CommandBody::List { selection, reference, patterns, return_options } => {
                e.raw(b"LIST ");
                if !selection.is_empty() {
                    e.paren(selection, |e, o| match o {
                        ListSelectOption::Subscribed => e.raw(b"SUBSCRIBED"),
                        ListSelectOption::Remote => e.raw(b"REMOTE"),
                        ListSelectOption::RecursiveMatch => e.raw(b"RECURSIVEMATCH"),
                        ListSelectOption::SpecialUse => e.raw(b"SPECIAL-USE"),
                        ListSelectOption::Other(m) => e.modifier(m),
                    });
                    e.sp();
                }
                reference.encode(e);
                e.sp();
                match &patterns[..] {
                    // No pattern cannot be written; `""` asks for the
                    // delimiter only.
                    [] => e.raw(b"\"\""),
                    [one] => e.list_mailbox(one),
                    many => e.paren(many, |e, p| e.list_mailbox(p)),
                }
                if !return_options.is_empty() {
                    e.raw(b" RETURN ");
                    e.paren(return_options, |e, o| match o {
                        ListReturnOption::Subscribed => e.raw(b"SUBSCRIBED"),
                        ListReturnOption::Children => e.raw(b"CHILDREN"),
                        ListReturnOption::SpecialUse => e.raw(b"SPECIAL-USE"),
                        ListReturnOption::Status(attributes) if attributes.is_empty() => e.raw(b"STATUS (MESSAGES)"),
                        ListReturnOption::Status(attributes) => {
                            e.raw(b"STATUS ");
                            e.paren(attributes, |e, a| a.encode(e));
                        }
                        ListReturnOption::Other(m) => e.modifier(m),
                    });
                }
            }
            CommandBody::Lsub { reference, pattern } => {
                with_mailbox(e, b"LSUB", reference);
                e.sp();
                e.list_mailbox(pattern);
            }
            CommandBody::Status { mailbox, attributes } => {
                with_mailbox(e, b"STATUS", mailbox);
                e.sp();
                if attributes.is_empty() {
                    e.raw(b"(MESSAGES)");
                } else {
                    e.paren(attributes, |e, a| a.encode(e));
                }
            }
            CommandBody::Append { mailbox, messages } => {
                with_mailbox(e, b"APPEND", mailbox);
                if messages.is_empty() {
                    // No message cannot be written: an empty one is the
                    // nearest valid command.
                    e.raw(b" {0}\r\n");
                }
                for m in messages {
                    e.sp();
                    append_message(e, m);
                }
            }
            CommandBody::Search { uid, return_options: options, charset, criteria } => {
                uid_prefix(e, *uid);
                e.raw(b"SEARCH");
                return_options(e, options);
                if let Some(c) = charset {
                    e.raw(b" CHARSET ");
                    e.astring(c);
                }
                search_keys(e, criteria);
            }
            CommandBody::Sort { uid, return_options: options, criteria, charset, search } => {
                uid_prefix(e, *uid);
                e.raw(b"SORT");
                return_options(e, options);
                e.sp();
                if criteria.is_empty() {
                    e.raw(b"(ARRIVAL)");
                } else {
                    e.paren(criteria, |e, c| {
                        if c.reverse {
                            e.raw(b"REVERSE ");
                        }
                        e.raw(c.key.name().as_bytes());
                    });
                }
                e.sp();
                e.astring(charset);
                search_keys(e, search);
            }
            CommandBody::Thread { uid, algorithm, charset, search } => {
                uid_prefix(e, *uid);
                e.raw(b"THREAD ");
                e.raw(algorithm.as_bytes());
                e.sp();
                e.astring(charset);
                search_keys(e, search);
            }
            CommandBody::Notify(notify) => {
                e.raw(b"NOTIFY ");
                match notify {
                    Notify::None => e.raw(b"NONE"),
                    Notify::Set { status, groups } => {
                        e.raw(if *status { b"SET STATUS" } else { b"SET" });
                        for group in groups {
                            e.sp();
                            group.encode(e);
                        }
                    }
                }
            }
            CommandBody::CancelUpdate(tags) => {
                e.raw(b"CANCELUPDATE");
                for t in tags {
                    e.sp();
                    e.string(t);
                }
            }
            CommandBody::Fetch { uid, sequence_set, items, modifiers: mods } => {
                uid_prefix(e, *uid);
                e.raw(b"FETCH ");
                sequence_set.encode(e);
                e.sp();
                match items {
                    FetchItems::All => e.raw(b"ALL"),
                    FetchItems::Fast => e.raw(b"FAST"),
                    FetchItems::Full => e.raw(b"FULL"),
                    FetchItems::Attributes(a) if a.is_empty() => e.raw(b"(UID)"),
                    FetchItems::Attributes(a) => e.paren(a, |e, a| a.encode(e)),
                }
                parameters(e, mods);
            }
            CommandBody::Store { uid, sequence_set, modifiers: mods, action, silent, flags } => {
                uid_prefix(e, *uid);
                e.raw(b"STORE ");
                sequence_set.encode(e);
                parameters(e, mods);
                e.sp();
                e.raw(match action {
                    StoreAction::Replace => b"",
                    StoreAction::Add => b"+",
                    StoreAction::Remove => b"-",
                });
                e.raw(if *silent { b"FLAGS.SILENT " } else { b"FLAGS " });
                e.paren(flags, |e, f| f.encode(e));
            }
            CommandBody::Copy { uid, sequence_set, mailbox } | CommandBody::Move { uid, sequence_set, mailbox } => {
                uid_prefix(e, *uid);
                e.raw(if matches!(self, CommandBody::Copy { .. }) { b"COPY " } else { b"MOVE " });
                sequence_set.encode(e);
                e.sp();
                mailbox.encode(e);
            }
            CommandBody::UidExpunge(set) => {
                e.raw(b"UID EXPUNGE ");
                set.encode(e);
            }
            CommandBody::Enable(caps) => {
                e.raw(b"ENABLE");
                for c in caps {
                    e.sp();
                    e.raw(c.as_bytes());
                }
            }
            CommandBody::GetQuota(_) | CommandBody::GetQuotaRoot(_) | CommandBody::SetQuota { .. } => {
                super::quota::command(e, self)
            }
            CommandBody::GetMetadata { .. } | CommandBody::SetMetadata { .. } => super::metadata::command(e, self),
            CommandBody::Other { name, arguments } => {
                e.raw(name.as_bytes());
                if !arguments.as_bytes().is_empty() {
                    e.sp();
                    e.raw(arguments.as_bytes());
                }
            }
        }
    }
}

impl Encode for ClientMessage {
    fn encode(&self, e: &mut Encoder<'_>) {
        match self {
            ClientMessage::Command(c) => c.encode(e),
            ClientMessage::AuthenticateData(d) => {
                e.raw(crate::base64::encode(d).as_bytes());
                e.crlf();
            }
            ClientMessage::AuthenticateCancel => e.raw(b"*\r\n"),
            ClientMessage::IdleDone => e.raw(b"DONE\r\n"),
        }
    }
}

impl Encode for NotifyGroup {
    fn encode(&self, e: &mut Encoder<'_>) {
        e.byte(b'(');
        let mailboxes = |e: &mut Encoder<'_>, list: &[Mailbox]| {
            e.byte(b'(');
            for (i, m) in list.iter().enumerate() {
                if i > 0 {
                    e.sp();
                }
                m.encode(e);
            }
            e.byte(b')');
        };
        match &self.filter {
            NotifyFilter::Selected => e.raw(b"SELECTED"),
            NotifyFilter::SelectedDelayed => e.raw(b"SELECTED-DELAYED"),
            NotifyFilter::Inboxes => e.raw(b"INBOXES"),
            NotifyFilter::Personal => e.raw(b"PERSONAL"),
            NotifyFilter::Subscribed => e.raw(b"SUBSCRIBED"),
            NotifyFilter::Subtree(list) => {
                e.raw(b"SUBTREE ");
                mailboxes(e, list);
            }
            NotifyFilter::Mailboxes(list) => {
                e.raw(b"MAILBOXES ");
                mailboxes(e, list);
            }
        }
        e.sp();
        if self.events.is_empty() {
            e.raw(b"NONE");
        } else {
            e.byte(b'(');
            for (i, event) in self.events.iter().enumerate() {
                if i > 0 {
                    e.sp();
                }
                event.encode(e);
            }
            e.byte(b')');
        }
        e.byte(b')');
    }
}

impl Encode for NotifyEvent {
    fn encode(&self, e: &mut Encoder<'_>) {
        e.raw(self.name().as_bytes());
        if let NotifyEvent::MessageNew(items) = self {
            if !items.is_empty() {
                e.raw(b" (");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        e.sp();
                    }
                    item.encode(e);
                }
                e.byte(b')');
            }
        }
    }
}

//! Serialization of commands and of the pieces commands and responses share.

use super::{Encode, Encoder};
use crate::types::*;

impl Encode for Flag {
    fn encode(&self, e: &mut Encoder<'_>) {
        match self {
            Flag::Answered => e.raw(b"\\Answered"),
            Flag::Flagged => e.raw(b"\\Flagged"),
            Flag::Deleted => e.raw(b"\\Deleted"),
            Flag::Seen => e.raw(b"\\Seen"),
            Flag::Draft => e.raw(b"\\Draft"),
            Flag::Keyword(a) => e.raw(a.as_bytes()),
            Flag::Extension(a) => {
                e.byte(b'\\');
                e.raw(a.as_bytes());
            }
        }
    }
}

impl Encode for FlagFetch {
    fn encode(&self, e: &mut Encoder<'_>) {
        match self {
            FlagFetch::Flag(f) => f.encode(e),
            FlagFetch::Recent => e.raw(b"\\Recent"),
        }
    }
}

impl Encode for FlagPerm {
    fn encode(&self, e: &mut Encoder<'_>) {
        match self {
            FlagPerm::Flag(f) => f.encode(e),
            FlagPerm::AnyKeyword => e.raw(b"\\*"),
        }
    }
}

impl Encode for SequenceSet {
    fn encode(&self, e: &mut Encoder<'_>) {
        let num = |e: &mut Encoder<'_>, n: &SeqNumber| match n {
            SeqNumber::Value(v) => e.number(v.get() as u64),
            SeqNumber::Largest => e.byte(b'*'),
        };
        for (i, r) in self.ranges().iter().enumerate() {
            if i > 0 {
                e.byte(b',');
            }
            match r {
                SeqRange::Single(n) => num(e, n),
                SeqRange::Range(a, b) => {
                    num(e, a);
                    e.byte(b':');
                    num(e, b);
                }
            }
        }
    }
}

impl Encode for Mailbox {
    fn encode(&self, e: &mut Encoder<'_>) {
        e.astring(self.as_bytes());
    }
}

impl Encode for DateTime {
    fn encode(&self, e: &mut Encoder<'_>) {
        e.byte(b'"');
        e.raw(self.to_string().as_bytes());
        e.byte(b'"');
    }
}

impl Encode for Date {
    fn encode(&self, e: &mut Encoder<'_>) {
        e.raw(self.to_string().as_bytes());
    }
}

impl Encode for Section {
    fn encode(&self, e: &mut Encoder<'_>) {
        e.byte(b'[');
        for (i, p) in self.part.iter().enumerate() {
            if i > 0 {
                e.byte(b'.');
            }
            e.number(p.get() as u64);
        }
        if let Some(text) = &self.text {
            if !self.part.is_empty() {
                e.byte(b'.');
            }
            match text {
                SectionText::Header => e.raw(b"HEADER"),
                SectionText::Text => e.raw(b"TEXT"),
                // MIME needs part numbers; at the top level the part's own
                // header is the message header.
                SectionText::Mime if self.part.is_empty() => e.raw(b"HEADER"),
                SectionText::Mime => e.raw(b"MIME"),
                // An empty header-list cannot be written; the nearest valid
                // request is the whole header.
                SectionText::HeaderFields { fields, .. } if fields.is_empty() => e.raw(b"HEADER"),
                SectionText::HeaderFields { not, fields } => {
                    e.raw(if *not { b"HEADER.FIELDS.NOT (" } else { b"HEADER.FIELDS (" });
                    e.join(fields, |e, f| e.astring(f));
                    e.byte(b')');
                }
            }
        }
        e.byte(b']');
    }
}

impl Encode for StatusAttribute {
    fn encode(&self, e: &mut Encoder<'_>) {
        e.raw(match self {
            StatusAttribute::Messages => b"MESSAGES",
            StatusAttribute::Recent => b"RECENT",
            StatusAttribute::UidNext => b"UIDNEXT",
            StatusAttribute::UidValidity => b"UIDVALIDITY",
            StatusAttribute::Unseen => b"UNSEEN",
            StatusAttribute::HighestModSeq => b"HIGHESTMODSEQ",
            StatusAttribute::Size => b"SIZE",
            StatusAttribute::Deleted => b"DELETED",
            StatusAttribute::Other(a) => a.as_bytes(),
        });
    }
}

impl Encode for FetchAttribute {
    fn encode(&self, e: &mut Encoder<'_>) {
        match self {
            FetchAttribute::Envelope => e.raw(b"ENVELOPE"),
            FetchAttribute::Flags => e.raw(b"FLAGS"),
            FetchAttribute::InternalDate => e.raw(b"INTERNALDATE"),
            FetchAttribute::Rfc822 => e.raw(b"RFC822"),
            FetchAttribute::Rfc822Header => e.raw(b"RFC822.HEADER"),
            FetchAttribute::Rfc822Size => e.raw(b"RFC822.SIZE"),
            FetchAttribute::Rfc822Text => e.raw(b"RFC822.TEXT"),
            FetchAttribute::Body => e.raw(b"BODY"),
            FetchAttribute::BodyStructure => e.raw(b"BODYSTRUCTURE"),
            FetchAttribute::Uid => e.raw(b"UID"),
            FetchAttribute::ModSeq => e.raw(b"MODSEQ"),
            FetchAttribute::Other(a) => e.raw(a.as_bytes()),
            FetchAttribute::BodySection { peek, section, partial } => {
                e.raw(if *peek { b"BODY.PEEK" } else { b"BODY" });
                section.encode(e);
                if let Some(p) = partial {
                    e.byte(b'<');
                    e.number(p.origin as u64);
                    e.byte(b'.');
                    e.number(p.length.get() as u64);
                    e.byte(b'>');
                }
            }
        }
    }
}

impl Encode for SearchKey {
    fn encode(&self, e: &mut Encoder<'_>) {
        let kw_str = |e: &mut Encoder<'_>, kw: &[u8], s: &IString| {
            e.raw(kw);
            e.sp();
            e.astring(s);
        };
        match self {
            SearchKey::All => e.raw(b"ALL"),
            SearchKey::Answered => e.raw(b"ANSWERED"),
            SearchKey::Deleted => e.raw(b"DELETED"),
            SearchKey::Draft => e.raw(b"DRAFT"),
            SearchKey::Flagged => e.raw(b"FLAGGED"),
            SearchKey::New => e.raw(b"NEW"),
            SearchKey::Old => e.raw(b"OLD"),
            SearchKey::Recent => e.raw(b"RECENT"),
            SearchKey::Seen => e.raw(b"SEEN"),
            SearchKey::Unanswered => e.raw(b"UNANSWERED"),
            SearchKey::Undeleted => e.raw(b"UNDELETED"),
            SearchKey::Undraft => e.raw(b"UNDRAFT"),
            SearchKey::Unflagged => e.raw(b"UNFLAGGED"),
            SearchKey::Unseen => e.raw(b"UNSEEN"),
            SearchKey::Bcc(s) => kw_str(e, b"BCC", s),
            SearchKey::Body(s) => kw_str(e, b"BODY", s),
            SearchKey::Cc(s) => kw_str(e, b"CC", s),
            SearchKey::From(s) => kw_str(e, b"FROM", s),
            SearchKey::Subject(s) => kw_str(e, b"SUBJECT", s),
            SearchKey::Text(s) => kw_str(e, b"TEXT", s),
            SearchKey::To(s) => kw_str(e, b"TO", s),
            SearchKey::Header(f, v) => {
                kw_str(e, b"HEADER", f);
                e.sp();
                e.astring(v);
            }
            SearchKey::Before(d)
            | SearchKey::On(d)
            | SearchKey::Since(d)
            | SearchKey::SentBefore(d)
            | SearchKey::SentOn(d)
            | SearchKey::SentSince(d) => {
                e.raw(match self {
                    SearchKey::Before(_) => b"BEFORE",
                    SearchKey::On(_) => b"ON",
                    SearchKey::Since(_) => b"SINCE",
                    SearchKey::SentBefore(_) => b"SENTBEFORE",
                    SearchKey::SentOn(_) => b"SENTON",
                    _ => b"SENTSINCE",
                });
                e.sp();
                d.encode(e);
            }
            SearchKey::Keyword(a) | SearchKey::Unkeyword(a) => {
                e.raw(if matches!(self, SearchKey::Keyword(_)) { b"KEYWORD " } else { b"UNKEYWORD " });
                e.raw(a.as_bytes());
            }
            SearchKey::Larger(n) | SearchKey::Smaller(n) => {
                e.raw(if matches!(self, SearchKey::Larger(_)) { b"LARGER " } else { b"SMALLER " });
                e.number(*n as u64);
            }
            SearchKey::ModSeq(n) => {
                e.raw(b"MODSEQ ");
                e.number(*n);
            }
            SearchKey::Not(k) => {
                e.raw(b"NOT ");
                k.encode(e);
            }
            SearchKey::Or(a, b) => {
                e.raw(b"OR ");
                a.encode(e);
                e.sp();
                b.encode(e);
            }
            SearchKey::Uid(s) => {
                e.raw(b"UID ");
                s.encode(e);
            }
            SearchKey::SequenceSet(s) => s.encode(e),
            SearchKey::And(keys) if keys.is_empty() => e.raw(b"ALL"),
            SearchKey::And(keys) => e.paren(keys, |e, k| k.encode(e)),
        }
    }
}

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

/// ` (name value ...)` when there are modifiers.
fn modifiers(e: &mut Encoder<'_>, mods: &[Modifier]) {
    if mods.is_empty() {
        return;
    }
    e.sp();
    e.paren(mods, |e, m| {
        e.raw(m.name.as_bytes());
        if let Some(v) = &m.value {
            e.sp();
            e.raw(v.as_bytes());
        }
    });
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
            CommandBody::Select { mailbox, parameters } => {
                with_mailbox(e, b"SELECT", mailbox);
                modifiers(e, parameters);
            }
            CommandBody::Examine { mailbox, parameters } => {
                with_mailbox(e, b"EXAMINE", mailbox);
                modifiers(e, parameters);
            }
            CommandBody::Create(m) => with_mailbox(e, b"CREATE", m),
            CommandBody::Delete(m) => with_mailbox(e, b"DELETE", m),
            CommandBody::Subscribe(m) => with_mailbox(e, b"SUBSCRIBE", m),
            CommandBody::Unsubscribe(m) => with_mailbox(e, b"UNSUBSCRIBE", m),
            CommandBody::Rename { from, to } => {
                with_mailbox(e, b"RENAME", from);
                e.sp();
                to.encode(e);
            }
            CommandBody::List { reference, pattern } | CommandBody::Lsub { reference, pattern } => {
                let name: &[u8] = if matches!(self, CommandBody::List { .. }) { b"LIST" } else { b"LSUB" };
                with_mailbox(e, name, reference);
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
            CommandBody::Append { mailbox, flags, date, message } => {
                with_mailbox(e, b"APPEND", mailbox);
                e.sp();
                if !flags.is_empty() {
                    e.paren(flags, |e, f| f.encode(e));
                    e.sp();
                }
                if let Some(d) = date {
                    d.encode(e);
                    e.sp();
                }
                e.literal(message);
            }
            CommandBody::Search { uid, charset, criteria } => {
                uid_prefix(e, *uid);
                e.raw(b"SEARCH");
                if let Some(c) = charset {
                    e.raw(b" CHARSET ");
                    e.astring(c);
                }
                if criteria.is_empty() {
                    e.raw(b" ALL");
                }
                for k in criteria {
                    e.sp();
                    k.encode(e);
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
                modifiers(e, mods);
            }
            CommandBody::Store { uid, sequence_set, modifiers: mods, action, silent, flags } => {
                uid_prefix(e, *uid);
                e.raw(b"STORE ");
                sequence_set.encode(e);
                modifiers(e, mods);
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

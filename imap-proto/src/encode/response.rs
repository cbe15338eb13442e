//! Serialization of responses.

use super::{Encode, Encoder};
use crate::types::*;

fn resp_text(e: &mut Encoder<'_>, code: &Option<Box<Code>>, text: &Text) {
    if let Some(c) = code {
        e.byte(b'[');
        c.encode(e);
        e.raw(b"] ");
    }
    e.raw(text.as_bytes());
}

impl Encode for Greeting {
    fn encode(&self, e: &mut Encoder<'_>) {
        e.raw(b"* ");
        e.raw(self.kind.status_kind().as_str().as_bytes());
        e.sp();
        resp_text(e, &self.code, &self.text);
        e.crlf();
    }
}

impl Encode for Response {
    fn encode(&self, e: &mut Encoder<'_>) {
        match self {
            Response::Status(s) => s.encode(e),
            Response::Data(d) => d.encode(e),
            Response::Continuation(c) => c.encode(e),
        }
    }
}

impl Encode for StatusResponse {
    fn encode(&self, e: &mut Encoder<'_>) {
        match &self.tag {
            Some(t) => e.raw(t.as_bytes()),
            None => e.byte(b'*'),
        }
        e.sp();
        e.raw(self.kind.as_str().as_bytes());
        e.sp();
        resp_text(e, &self.code, &self.text);
        e.crlf();
    }
}

impl Encode for Continuation {
    fn encode(&self, e: &mut Encoder<'_>) {
        e.raw(b"+ ");
        match self {
            Continuation::Text { code, text } => resp_text(e, code, text),
            Continuation::Base64(data) => e.raw(crate::base64::encode(data).as_bytes()),
        }
        e.crlf();
    }
}

impl Encode for Capability {
    fn encode(&self, e: &mut Encoder<'_>) {
        if let Capability::Auth(_) = self {
            e.raw(b"AUTH=");
        }
        e.raw(self.name().as_bytes());
    }
}

impl Encode for Code {
    fn encode(&self, e: &mut Encoder<'_>) {
        e.raw(self.name().as_bytes());
        if self.is_argument_free() {
            return;
        }
        match self {
            Code::NoUpdate(tag) => {
                e.raw(b" \"");
                e.raw(tag.as_bytes());
                e.byte(b'"');
            }
            Code::BadEvent(events) => {
                e.raw(b" (");
                for (i, event) in events.iter().enumerate() {
                    if i > 0 {
                        e.sp();
                    }
                    event.encode(e);
                }
                e.byte(b')');
            }
            Code::MailboxId(id) => {
                e.raw(b" (");
                e.raw(id.as_str().as_bytes());
                e.byte(b')');
            }
            Code::Modified(set) => {
                e.sp();
                set.encode(e);
            }
            Code::Metadata(m) => match m {
                MetadataCode::LongEntries(n) => {
                    e.raw(b" LONGENTRIES ");
                    e.number(*n as u64);
                }
                MetadataCode::MaxSize(n) => {
                    e.raw(b" MAXSIZE ");
                    e.number(*n as u64);
                }
                MetadataCode::TooMany => e.raw(b" TOOMANY"),
                MetadataCode::NoPrivate => e.raw(b" NOPRIVATE"),
            },
            // An empty list is written as the bare name.
            Code::BadCharset(list) if !list.is_empty() => {
                e.sp();
                // A literal cannot appear inside a status line (the framer
                // ends those at CRLF), so charset names are written as
                // atoms or quoted strings; bytes a quoted string cannot
                // hold become '?'.
                e.paren(list, |e, s| {
                    let clean: Vec<u8> = s.iter().map(|&b| if (0x20..0x7f).contains(&b) { b } else { b'?' }).collect();
                    e.astring(&clean)
                });
            }
            Code::Capability(caps) => {
                for c in caps {
                    e.sp();
                    c.encode(e);
                }
            }
            Code::PermanentFlags(flags) => {
                e.sp();
                e.paren(flags, |e, f| f.encode(e));
            }
            Code::UidNext(n) | Code::UidValidity(n) | Code::Unseen(n) => {
                e.sp();
                e.number(n.get() as u64);
            }
            Code::HighestModSeq(n) => {
                e.sp();
                e.number(*n);
            }
            Code::AppendUid { uid_validity, uids } => {
                e.sp();
                e.number(uid_validity.get() as u64);
                e.sp();
                uids.encode(e);
            }
            Code::CopyUid { uid_validity, source, destination } => {
                e.sp();
                e.number(uid_validity.get() as u64);
                e.sp();
                source.encode(e);
                e.sp();
                destination.encode(e);
            }
            Code::Other { arguments: Some(a), .. } => {
                e.sp();
                e.raw(a.as_bytes());
            }
            // The argument-free codes returned above; an unknown code
            // without arguments is its bare name.
            _ => {}
        }
    }
}

impl Encode for Data {
    fn encode(&self, e: &mut Encoder<'_>) {
        e.raw(b"* ");
        match self {
            Data::Capability(caps) => {
                e.raw(b"CAPABILITY");
                for c in caps {
                    e.sp();
                    c.encode(e);
                }
            }
            Data::List(item) | Data::Lsub(item) | Data::Xlist(item) => {
                e.raw(match self {
                    Data::List(_) => b"LIST ",
                    Data::Lsub(_) => b"LSUB ",
                    _ => b"XLIST ",
                });
                item.encode(e);
            }
            Data::Status { mailbox, items } => {
                e.raw(b"STATUS ");
                mailbox.encode(e);
                e.sp();
                e.paren(items, |e, item| {
                    item.attribute.encode(e);
                    e.sp();
                    match &item.value {
                        StatusValue::Number(n) => e.number(*n),
                        StatusValue::Nil => e.raw(b"NIL"),
                        StatusValue::ObjectId(id) => {
                            e.byte(b'(');
                            e.raw(id.as_str().as_bytes());
                            e.byte(b')');
                        }
                        StatusValue::Other(v) => e.raw(v.as_bytes()),
                    }
                });
            }
            Data::ESearch(r) => {
                e.raw(b"ESEARCH");
                if let Some(tag) = &r.tag {
                    e.raw(b" (TAG ");
                    e.string(tag);
                    e.byte(b')');
                }
                if r.uid {
                    e.raw(b" UID");
                }
                for d in &r.data {
                    e.sp();
                    d.encode(e);
                }
            }
            Data::Vanished { earlier, uids } => {
                e.raw(if *earlier { b"VANISHED (EARLIER) " } else { b"VANISHED " });
                uids.encode(e);
            }
            Data::Thread(threads) => {
                e.raw(b"THREAD");
                if !threads.is_empty() {
                    e.sp();
                }
                for t in threads {
                    t.encode(e);
                }
            }
            Data::Search { ids, modseq } | Data::Sort { ids, modseq } => {
                e.raw(if matches!(self, Data::Search { .. }) { b"SEARCH" } else { b"SORT" });
                for id in ids {
                    e.sp();
                    e.number(id.get() as u64);
                }
                if let Some(m) = modseq {
                    e.raw(b" (MODSEQ ");
                    e.number(*m);
                    e.byte(b')');
                }
            }
            Data::Flags(flags) => {
                e.raw(b"FLAGS ");
                e.paren(flags, |e, f| f.encode(e));
            }
            Data::Exists(n) => {
                e.number(*n as u64);
                e.raw(b" EXISTS");
            }
            Data::Recent(n) => {
                e.number(*n as u64);
                e.raw(b" RECENT");
            }
            Data::Expunge(n) => {
                e.number(n.get() as u64);
                e.raw(b" EXPUNGE");
            }
            Data::Fetch { seq, attributes } => {
                e.number(seq.get() as u64);
                e.raw(b" FETCH ");
                e.paren(attributes, |e, a| a.encode(e));
            }
            Data::Enabled(caps) => {
                e.raw(b"ENABLED");
                for c in caps {
                    e.sp();
                    e.raw(c.as_bytes());
                }
            }
            Data::Namespace { personal, other_users, shared } => {
                e.raw(b"NAMESPACE");
                for list in [personal, other_users, shared] {
                    e.sp();
                    match list {
                        None => e.raw(b"NIL"),
                        Some(list) => {
                            e.byte(b'(');
                            for n in list {
                                e.byte(b'(');
                                e.string(&n.prefix);
                                e.sp();
                                delimiter(e, n.delimiter);
                                for (name, values) in &n.extensions {
                                    e.sp();
                                    e.string(name);
                                    e.sp();
                                    e.paren(values, |e, v| e.string(v));
                                }
                                e.byte(b')');
                            }
                            e.byte(b')');
                        }
                    }
                }
            }
            Data::Id(params) => {
                e.raw(b"ID ");
                e.id_params(params);
            }
            Data::Quota { .. } | Data::QuotaRoot { .. } => super::quota::data(e, self),
            Data::Metadata { .. } => super::metadata::data(e, self),
            Data::Other { name, number, arguments } => {
                if let Some(n) = number {
                    e.number(*n as u64);
                    e.sp();
                }
                e.raw(name.as_bytes());
                if !arguments.as_bytes().is_empty() {
                    e.sp();
                    e.raw(arguments.as_bytes());
                }
            }
        }
        e.crlf();
    }
}

impl Encode for ListItem {
    fn encode(&self, e: &mut Encoder<'_>) {
        e.paren(&self.attributes, |e, a| {
            e.byte(b'\\');
            e.raw(a.name().as_bytes());
        });
        e.sp();
        delimiter(e, self.delimiter);
        e.sp();
        self.mailbox.encode(e);
        if !self.extended.is_empty() {
            e.sp();
            e.paren(&self.extended, |e, item| match item {
                ListExtendedItem::ChildInfo(options) => {
                    e.raw(b"\"CHILDINFO\" ");
                    e.paren(options, |e, o| e.string(o));
                }
                ListExtendedItem::OldName(name) => {
                    e.raw(b"\"OLDNAME\" (");
                    name.encode(e);
                    e.byte(b')');
                }
                ListExtendedItem::Other { tag, value } => {
                    e.astring(tag);
                    e.sp();
                    e.raw(value.as_bytes());
                }
            });
        }
    }
}

/// A hierarchy delimiter, quoted, or NIL.
fn delimiter(e: &mut Encoder<'_>, delimiter: Option<Delimiter>) {
    match delimiter {
        Some(d) => {
            e.byte(b'"');
            if matches!(d.byte(), b'"' | b'\\') {
                e.byte(b'\\');
            }
            e.byte(d.byte());
            e.byte(b'"');
        }
        None => e.raw(b"NIL"),
    }
}

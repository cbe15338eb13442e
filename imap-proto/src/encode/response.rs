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
        e.raw(match self.kind {
            GreetingKind::Ok => b"* OK ",
            GreetingKind::PreAuth => b"* PREAUTH ",
            GreetingKind::Bye => b"* BYE ",
        });
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
        match self {
            Capability::Imap4Rev1 => e.raw(b"IMAP4rev1"),
            Capability::Imap4Rev2 => e.raw(b"IMAP4rev2"),
            Capability::StartTls => e.raw(b"STARTTLS"),
            Capability::LoginDisabled => e.raw(b"LOGINDISABLED"),
            Capability::Idle => e.raw(b"IDLE"),
            Capability::LiteralPlus => e.raw(b"LITERAL+"),
            Capability::LiteralMinus => e.raw(b"LITERAL-"),
            Capability::SaslIr => e.raw(b"SASL-IR"),
            Capability::Auth(m) => {
                e.raw(b"AUTH=");
                e.raw(m.as_bytes());
            }
            Capability::Other(a) => e.raw(a.as_bytes()),
        }
    }
}

impl Encode for Code {
    fn encode(&self, e: &mut Encoder<'_>) {
        match self {
            Code::Alert => e.raw(b"ALERT"),
            Code::Parse => e.raw(b"PARSE"),
            Code::ReadOnly => e.raw(b"READ-ONLY"),
            Code::ReadWrite => e.raw(b"READ-WRITE"),
            Code::TryCreate => e.raw(b"TRYCREATE"),
            Code::UidNotSticky => e.raw(b"UIDNOTSTICKY"),
            Code::NoModSeq => e.raw(b"NOMODSEQ"),
            Code::Closed => e.raw(b"CLOSED"),
            Code::BadCharset(list) => {
                e.raw(b"BADCHARSET");
                if !list.is_empty() {
                    e.sp();
                    // A literal cannot appear inside a status line (the
                    // framer ends those at CRLF), so charset names are
                    // written as atoms or quoted strings; bytes a quoted
                    // string cannot hold become '?'.
                    e.paren(list, |e, s| {
                        let clean: Vec<u8> =
                            s.iter().map(|&b| if (0x20..0x7f).contains(&b) { b } else { b'?' }).collect();
                        e.astring(&clean)
                    });
                }
            }
            Code::Capability(caps) => {
                e.raw(b"CAPABILITY");
                for c in caps {
                    e.sp();
                    c.encode(e);
                }
            }
            Code::PermanentFlags(flags) => {
                e.raw(b"PERMANENTFLAGS ");
                e.paren(flags, |e, f| f.encode(e));
            }
            Code::UidNext(n) | Code::UidValidity(n) | Code::Unseen(n) => {
                e.raw(match self {
                    Code::UidNext(_) => b"UIDNEXT ",
                    Code::UidValidity(_) => b"UIDVALIDITY ",
                    _ => b"UNSEEN ",
                });
                e.number(n.get() as u64);
            }
            Code::HighestModSeq(n) => {
                e.raw(b"HIGHESTMODSEQ ");
                e.number(*n);
            }
            Code::AppendUid { uid_validity, uids } => {
                e.raw(b"APPENDUID ");
                e.number(uid_validity.get() as u64);
                e.sp();
                uids.encode(e);
            }
            Code::CopyUid { uid_validity, source, destination } => {
                e.raw(b"COPYUID ");
                e.number(uid_validity.get() as u64);
                e.sp();
                source.encode(e);
                e.sp();
                destination.encode(e);
            }
            Code::Other { name, arguments } => {
                e.raw(name.as_bytes());
                if let Some(a) = arguments {
                    e.sp();
                    e.raw(a.as_bytes());
                }
            }
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
            Data::List(item) | Data::Lsub(item) => {
                e.raw(if matches!(self, Data::List(_)) { b"LIST " } else { b"LSUB " });
                item.encode(e);
            }
            Data::Status { mailbox, items } => {
                e.raw(b"STATUS ");
                mailbox.encode(e);
                e.sp();
                e.paren(items, |e, item| {
                    item.attribute.encode(e);
                    e.sp();
                    e.number(item.value);
                });
            }
            Data::Search { ids, modseq } => {
                e.raw(b"SEARCH");
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
        match self.delimiter {
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
        e.sp();
        self.mailbox.encode(e);
        if let Some(ext) = &self.extended {
            e.sp();
            e.raw(ext.as_bytes());
        }
    }
}

impl Encode for MessageAttribute {
    fn encode(&self, e: &mut Encoder<'_>) {
        match self {
            MessageAttribute::Flags(flags) => {
                e.raw(b"FLAGS ");
                e.paren(flags, |e, f| f.encode(e));
            }
            MessageAttribute::Envelope(env) => {
                e.raw(b"ENVELOPE ");
                env.encode(e);
            }
            MessageAttribute::InternalDate(d) => {
                e.raw(b"INTERNALDATE ");
                d.encode(e);
            }
            MessageAttribute::Rfc822(s) => {
                e.raw(b"RFC822 ");
                e.nstring(s);
            }
            MessageAttribute::Rfc822Header(s) => {
                e.raw(b"RFC822.HEADER ");
                e.nstring(s);
            }
            MessageAttribute::Rfc822Text(s) => {
                e.raw(b"RFC822.TEXT ");
                e.nstring(s);
            }
            MessageAttribute::Rfc822Size(n) => {
                e.raw(b"RFC822.SIZE ");
                e.number(*n as u64);
            }
            MessageAttribute::Body(b) => {
                e.raw(b"BODY ");
                b.encode(e);
            }
            MessageAttribute::BodyStructure(b) => {
                e.raw(b"BODYSTRUCTURE ");
                b.encode(e);
            }
            MessageAttribute::BodySection { section, origin, data } => {
                e.raw(b"BODY");
                section.encode(e);
                if let Some(o) = origin {
                    e.byte(b'<');
                    e.number(*o as u64);
                    e.byte(b'>');
                }
                e.sp();
                e.nstring(data);
            }
            MessageAttribute::Uid(u) => {
                e.raw(b"UID ");
                e.number(u.get() as u64);
            }
            MessageAttribute::ModSeq(m) => {
                e.raw(b"MODSEQ (");
                e.number(*m);
                e.byte(b')');
            }
            MessageAttribute::Other { name, value } => {
                e.raw(name.as_bytes());
                if value.as_bytes().first() != Some(&b'[') {
                    e.sp();
                }
                e.raw(value.as_bytes());
            }
        }
    }
}

fn address_list(e: &mut Encoder<'_>, list: &[Address]) {
    if list.is_empty() {
        e.raw(b"NIL");
        return;
    }
    e.byte(b'(');
    for a in list {
        e.byte(b'(');
        e.nstring(&a.name);
        e.sp();
        e.nstring(&a.adl);
        e.sp();
        e.nstring(&a.mailbox);
        e.sp();
        e.nstring(&a.host);
        e.byte(b')');
    }
    e.byte(b')');
}

impl Encode for Envelope {
    fn encode(&self, e: &mut Encoder<'_>) {
        e.byte(b'(');
        e.nstring(&self.date);
        e.sp();
        e.nstring(&self.subject);
        for list in [&self.from, &self.sender, &self.reply_to, &self.to, &self.cc, &self.bcc] {
            e.sp();
            address_list(e, list);
        }
        e.sp();
        e.nstring(&self.in_reply_to);
        e.sp();
        e.nstring(&self.message_id);
        e.byte(b')');
    }
}

fn body_params(e: &mut Encoder<'_>, params: &[BodyParameter]) {
    if params.is_empty() {
        e.raw(b"NIL");
    } else {
        e.paren(params, |e, (k, v)| {
            e.string(k);
            e.sp();
            e.string(v);
        });
    }
}

fn disposition_ext(e: &mut Encoder<'_>, ext: &Option<DispositionExtension>) {
    let Some(ext) = ext else { return };
    e.sp();
    match &ext.disposition {
        Some(d) => {
            e.byte(b'(');
            e.string(&d.kind);
            e.sp();
            body_params(e, &d.parameters);
            e.byte(b')');
        }
        None => e.raw(b"NIL"),
    }
    let Some(lang) = &ext.tail else { return };
    e.sp();
    match lang.languages.as_slice() {
        [] => e.raw(b"NIL"),
        [one] => e.string(one),
        many => e.paren(many, |e, l| e.string(l)),
    }
    let Some(loc) = &lang.tail else { return };
    e.sp();
    e.nstring(&loc.location);
    for x in &loc.extensions {
        e.sp();
        x.encode(e);
    }
}

impl Encode for BodyExtension {
    fn encode(&self, e: &mut Encoder<'_>) {
        match self {
            BodyExtension::NString(s) => e.nstring(s),
            BodyExtension::Number(n) => e.number(*n as u64),
            BodyExtension::List(l) if l.is_empty() => e.raw(b"NIL"),
            BodyExtension::List(l) => e.paren(l, |e, x| x.encode(e)),
        }
    }
}

impl Encode for BodyStructure {
    fn encode(&self, e: &mut Encoder<'_>) {
        e.byte(b'(');
        match self {
            BodyStructure::Single { body, extension } => {
                match &body.kind {
                    SinglePartKind::Basic { media_type, subtype } => {
                        e.string(media_type);
                        e.sp();
                        e.string(subtype);
                    }
                    SinglePartKind::Text { subtype, .. } => {
                        e.raw(b"\"TEXT\" ");
                        e.string(subtype);
                    }
                    SinglePartKind::Message { subtype, .. } => {
                        e.raw(b"\"MESSAGE\" ");
                        e.string(subtype);
                    }
                }
                e.sp();
                let f = &body.fields;
                body_params(e, &f.parameters);
                e.sp();
                e.nstring(&f.id);
                e.sp();
                e.nstring(&f.description);
                e.sp();
                e.string(&f.encoding);
                e.sp();
                e.number(f.octets as u64);
                match &body.kind {
                    SinglePartKind::Basic { .. } => {}
                    SinglePartKind::Text { lines, .. } => {
                        e.sp();
                        e.number(*lines as u64);
                    }
                    SinglePartKind::Message { envelope, body, lines, .. } => {
                        e.sp();
                        envelope.encode(e);
                        e.sp();
                        body.encode(e);
                        e.sp();
                        e.number(*lines as u64);
                    }
                }
                if let Some(ext) = extension {
                    e.sp();
                    e.nstring(&ext.md5);
                    disposition_ext(e, &ext.tail);
                }
            }
            BodyStructure::Multi { parts, subtype, extension } => {
                for p in parts {
                    p.encode(e);
                }
                e.sp();
                e.string(subtype);
                if let Some(ext) = extension {
                    e.sp();
                    body_params(e, &ext.parameters);
                    disposition_ext(e, &ext.tail);
                }
            }
        }
        e.byte(b')');
    }
}

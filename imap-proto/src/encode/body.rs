//! Envelopes and body structures: `envelope`, `address`, `body`,
//! `body-fields`, `body-ext-1part`, `body-ext-mpart`, `body-extension`.

use super::{Encode, Encoder};
use crate::types::*;

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
